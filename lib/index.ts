// The package's programmatic entry: start a proxy from code (tests, embedding) the way the
// slotproxy command does.
export { Proxy } from './server';
export { loadConfig, helpText, configTable, OPTIONS, ConfigError, type Config } from './config';
export { configureLogging, setLogLevel } from './log';
export { createScanners, type Scanners, type ParserChoice } from './protocol/scanners';
export { slotOf, keySlot } from './protocol/crc16';
export { VERSION } from './version';
