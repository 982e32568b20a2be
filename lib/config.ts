// Settings: the table of lib/options.ts, read from SLOTPROXY_* variables and the matching --flags
// (flags win). `slotproxy --help` prints this table; a bad value stops start-up with one line.
import fs from 'node:fs';
import os from 'node:os';
import { OPTIONS, type OptionName, type OptionSpec, type OptionType } from './options';

export { OPTIONS, type OptionName, type OptionType };

type ValueOf<T extends OptionType> = T extends 'int' | 'size' | 'workers' ? number : T extends 'bool' ? boolean : T extends 'seeds' ? Seed[] : string;

export type Config = { [K in OptionName]: ValueOf<(typeof OPTIONS)[K]['type']> } & {
  parser: 'auto' | 'native' | 'js';
  socketReads: 'auto' | 'stream';
  ioUring: 'auto' | 'off';
};

export interface Seed {
  host: string;
  port: number;
}

export class ConfigError extends Error {}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

export function flagName(name: OptionName): string {
  return '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

export function parseSeed(text: string): Seed | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

function parseValue(name: OptionName, raw: string, source: string): unknown {
  const spec: OptionSpec = OPTIONS[name];
  const bad = (expect: string): never => {
    throw new ConfigError(`${source} must be ${expect}, got ${JSON.stringify(raw)}`);
  };
  const range = (n: number, unit = ''): number => {
    if (spec.min !== undefined && n < spec.min) bad(`at least ${spec.min}${unit}`);
    if (spec.max !== undefined && n > spec.max) bad(`at most ${spec.max}${unit}`);
    return n;
  };
  switch (spec.type) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) bad(`an integer between ${spec.min} and ${spec.max}`);
      return range(Number(raw));
    }
    case 'size': {
      const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
      if (!m || !(m[2].toLowerCase() in SIZE_UNITS)) bad('a size such as 1024, 64kb, 512mb or 1gb');
      return range(Number(m![1]) * SIZE_UNITS[m![2].toLowerCase()], ' bytes');
    }
    case 'share': {
      // a size, or a percentage of something the reader knows (kept as written: "50%")
      const pct = /^(\d{1,3})%$/.exec(raw.trim());
      if (pct && Number(pct[1]) <= 100) return `${Number(pct[1])}%`;
      const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
      if (!m || !(m[2].toLowerCase() in SIZE_UNITS)) bad('a size such as 64mb or 1gb, or a percentage such as 50%');
      return String(Number(m![1]) * SIZE_UNITS[m![2].toLowerCase()]);
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['yes', 'true', '1', 'on', ''].includes(v)) return true;
      if (['no', 'false', '0', 'off'].includes(v)) return false;
      return bad('yes or no');
    }
    case 'workers': {
      if (raw.trim().toLowerCase() === 'auto') return os.availableParallelism();
      if (!/^\d+$/.test(raw.trim())) bad(`auto or a number of processes between ${spec.min} and ${spec.max}`);
      return range(Number(raw));
    }
    case 'enum':
      if (!spec.values!.includes(raw)) bad(`one of ${spec.values!.join(', ')}`);
      return raw;
    case 'seeds': {
      if (raw.trim() === '') return [];
      return raw.split(',').map((part) => parseSeed(part) ?? bad('comma-separated host:port pairs such as 10.0.0.1:7000,10.0.0.2:7000'));
    }
  }
}

/**
 * One option's value from text, with the checks start-up applies (PROXY CONFIG SET uses them
 * too); throws ConfigError naming `source`.
 */
export function parseOption<K extends OptionName>(name: K, raw: string, source: string): Config[K] {
  return parseValue(name, raw, source) as Config[K];
}

/** A value as text the way an operator would write it back (CONFIG GET style). */
export function formatOption(name: OptionName, value: Config[OptionName]): string {
  const spec: OptionSpec = OPTIONS[name];
  if (spec.type === 'bool') return value ? 'yes' : 'no';
  if (spec.type === 'seeds') return (value as Seed[]).map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)).join(',');
  return String(value);
}

/**
 * Copies into `current` the settings of `next` that can change at run time (the `live` column);
 * returns the variables of the other settings whose values differ: they wait for a restart.
 */
export function takeOver(current: Config, next: Config): string[] {
  const writable = current as Record<OptionName, unknown>;
  const restart: string[] = [];
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    if (JSON.stringify(current[name]) === JSON.stringify(next[name])) continue;
    if (OPTIONS[name].live) writable[name] = next[name];
    else restart.push(OPTIONS[name].env);
  }
  return restart;
}

/** SLOTPROXY_NAME=value lines of a config file; # comments and blank lines are skipped. */
export function readConfigFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`SLOTPROXY_CONFIG_FILE ${file} cannot be read: ${(err as Error).message}`);
  }
  const known = new Set(Object.values(OPTIONS).map((o: OptionSpec) => o.env));
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!known.has(name)) throw new ConfigError(`${file}:${i + 1}: expected SLOTPROXY_NAME=value with a known name, got ${JSON.stringify(line.slice(0, 60))}`);
    if (name === 'SLOTPROXY_CONFIG_FILE') throw new ConfigError(`${file}:${i + 1}: a config file cannot name another one`);
    out[name] = line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  });
  return out;
}

/**
 * Reads the configuration from the environment and argv. Throws ConfigError with a one-line
 * message naming the variable or flag and what it expects.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Config {
  const config: Record<string, unknown> = {};
  const names = Object.keys(OPTIONS) as OptionName[];
  // The config file is named by the flag or the environment; its values sit between the two.
  const fileFlag = argv.findIndex((a) => a === '--config-file' || a.startsWith('--config-file='));
  const file = fileFlag >= 0 ? (argv[fileFlag].includes('=') ? argv[fileFlag].split('=').slice(1).join('=') : argv[fileFlag + 1]) : env.SLOTPROXY_CONFIG_FILE;
  if (file) env = { ...env, ...readConfigFile(file), SLOTPROXY_CONFIG_FILE: file };
  for (const name of names) {
    const spec = OPTIONS[name];
    const fromEnv = env[spec.env];
    config[name] = parseValue(name, fromEnv ?? spec.default, fromEnv === undefined ? `default of ${spec.env}` : spec.env);
  }
  const byFlag = new Map(names.map((n) => [flagName(n), n] as const));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}; see slotproxy --help`);
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const name = byFlag.get(flag);
    if (!name) throw new ConfigError(`unknown option ${flag}; see slotproxy --help`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (OPTIONS[name].type === 'bool' && (i + 1 >= argv.length || argv[i + 1].startsWith('--'))) value = 'yes';
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new ConfigError(`${flag} needs a value; see slotproxy --help`);
    config[name] = parseValue(name, value, flag);
  }
  // Filled by computed names, `config` is in V8's dictionary mode; the hot path reads settings
  // per request, so hand out a copy with fast properties.
  return { ...config } as Config;
}

export function helpText(): string {
  const lines = [
    'Usage: slotproxy [--option value ...]',
    '',
    'A Redis Cluster proxy: clients connect to it as to one standalone Redis server.',
    'Every option is also an environment variable; flags win over the environment.',
    'Options marked "live" change while slotproxy runs: SIGHUP takes over their new values',
    '(environment, config file) and PROXY CONFIG SET sets them; the others need a restart.',
    '',
  ];
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec: OptionSpec = OPTIONS[name];
    const kind = spec.type === 'enum' ? spec.values!.join('|') : spec.type;
    const live = spec.live ? ', live' : '';
    lines.push(`  ${flagName(name)} <${kind}>  (${spec.env}, default: ${spec.default === '' ? '""' : spec.default}${live})`);
    lines.push(`      ${spec.help}`);
  }
  lines.push('', '  --help      print this and exit', '  --version   print the version and the scanners in use, and exit');
  return lines.join('\n');
}

/** The README's configuration table (a unit test keeps the README equal to it). */
export function configTable(): string {
  const rows = ['| variable | flag | default | live | meaning |', '|---|---|---|---|---|'];
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec: OptionSpec = OPTIONS[name];
    const def = spec.default === '' ? '(none)' : `\`${spec.default}\``;
    const values = spec.type === 'enum' ? ` (${spec.values!.join(', ')})` : '';
    rows.push(`| \`${spec.env}\` | \`${flagName(name)}\` | ${def} | ${spec.live ? 'yes' : 'no'} | ${spec.help}${values} |`);
  }
  return rows.join('\n');
}
