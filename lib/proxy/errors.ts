// Error replies, worded exactly as Redis 7 words them (src/networking.c, src/server.c) where
// Redis has one, so clients and their tests see no difference; the proxy's own say what to do.
import { ProtocolError } from '../protocol/records';

const PROTOCOL: Record<number, string> = {
  [ProtocolError.InvalidMultibulk]: 'invalid multibulk length',
  [ProtocolError.InvalidBulk]: 'invalid bulk length',
  [ProtocolError.TooBigMbulkCount]: 'too big mbulk count string',
  [ProtocolError.TooBigBulkCount]: 'too big bulk count string',
  [ProtocolError.TooBigInline]: 'too big inline request',
  [ProtocolError.UnauthMultibulk]: 'unauthenticated multibulk length',
  [ProtocolError.UnauthBulk]: 'unauthenticated bulk length',
};

export function protocolError(code: number, byte: number): string {
  if (code === ProtocolError.ExpectedDollar) return `ERR Protocol error: expected '$', got '${String.fromCharCode(byte)}'`;
  return `ERR Protocol error: ${PROTOCOL[code] ?? 'invalid request'}`;
}

export const NOAUTH = 'NOAUTH Authentication required.';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const UNBALANCED_QUOTES = 'ERR Protocol error: unbalanced quotes in request';
// Redis 7.0's cluster.c (clusterRedirectClient) words it "in request": the proxy answers as the
// 7.0 cluster it fronts does, word for word.
export const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
export const SLOT_NOT_SERVED = 'CLUSTERDOWN Hash slot not served';

/** Redis prints arguments with %s: a NUL byte ends them. */
function cString(b: Buffer, max: number): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, Math.min(nul < 0 ? b.length : nul, max));
}

export function unknownCommand(args: Buffer[]): string {
  let list = '';
  for (let i = 1; i < args.length && list.length < 128; i++) list += `'${cString(args[i], 128 - list.length)}' `;
  return `ERR unknown command '${cString(args[0], 128)}', with args beginning with: ${list}`;
}

export function unknownSubcommand(args: Buffer[]): string {
  return `ERR unknown subcommand '${cString(args[1], 128)}'. Try ${cString(args[0], Infinity).toUpperCase()} HELP.`;
}

/** A subcommand's arguments its handler cannot take (Redis's addReplySubcommandSyntaxError). */
export function subcommandSyntaxError(args: Buffer[]): string {
  return `ERR unknown subcommand or wrong number of arguments for '${cString(args[1], 128)}'. Try ${cString(args[0], Infinity).toUpperCase()} HELP.`;
}

export function wrongArity(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

export function tooManyRedirects(limit: number, last: string): string {
  return `ERR slotproxy: too many cluster redirections (${limit}), last: ${last}; check the cluster with redis-cli --cluster check`;
}

export function slotDisputed(slot: number, from: string, to: string): string {
  return `ERR slotproxy: the cluster's nodes disagree about slot ${slot} (${from} and ${to} redirect it to each other) and did not agree before the request timeout; check the cluster with redis-cli --cluster check`;
}

export function unreachable(address: string, timeoutMs: number, lastError: string): string {
  return `ERR slotproxy: could not send to ${address} within ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}; the command did not run`;
}

export function tooManyBlocked(address: string, limit: number): string {
  return `ERR slotproxy: ${limit} blocking commands already wait on ${address}; raise SLOTPROXY_BLOCKING_CONNECTIONS or use fewer blocked clients`;
}
