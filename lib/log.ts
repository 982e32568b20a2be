// One pino logger for the process, one child per module. Nothing is logged per request.
import pino from 'pino';

let root: pino.Logger = pino({ level: 'info', base: { name: 'slotproxy' } });

export function configureLogging(level: string, destination?: pino.DestinationStream): void {
  root = destination ? pino({ level, base: { name: 'slotproxy' } }, destination) : pino({ level, base: { name: 'slotproxy' } });
}

export function logger(module: string): pino.Logger {
  return root.child({ module });
}
