// One pino logger for the process, one child per module. Nothing is logged per request.
// Children are kept so that a level set later (start-up configuration, PROXY CONFIG SET,
// SIGHUP) reaches the loggers modules already created.
import pino from 'pino';

let root: pino.Logger = pino({ level: 'info', base: { name: 'slotproxy' } });
const children: pino.Logger[] = [];

export function configureLogging(level: string, destination?: pino.DestinationStream): void {
  root = destination ? pino({ level, base: { name: 'slotproxy' } }, destination) : pino({ level, base: { name: 'slotproxy' } });
  for (const c of children) c.level = level;
}

export function setLogLevel(level: string): void {
  root.level = level;
  for (const c of children) c.level = level;
}

export function logger(module: string): pino.Logger {
  const child = root.child({ module });
  children.push(child);
  return child;
}
