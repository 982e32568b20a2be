// Arguments SLOWLOG never shows: the slow log redacts them as it stores a request, and SLOWLOG
// GET again as it answers (lib/metrics/slowlog.ts, slowlog-reply.ts).
const REDACTED = Buffer.from('(redacted)');
const SECRET_CONFIGS = new Set(['requirepass', 'masterauth', 'masteruser']);
/** the proxy's own (PROXY CONFIG SET password ...) */
const SECRET_SETTINGS = new Set(['password', 'redis-password']);

/** An argument as lower-case text ('' when absent). */
export const lower = (b: Buffer | undefined): string => (b ? b.toString('latin1').toLowerCase() : '');

/**
 * Arguments Redis 7 never shows in SLOWLOG or MONITOR (redactClientCommandArgument): passwords
 * of AUTH, HELLO ... AUTH, MIGRATE ... AUTH/AUTH2, ACL SETUSER rules, CONFIG SET of secrets;
 * and the proxy's own PROXY CONFIG SET password.
 * The log keeps what the session gave it; redacting here keeps them from ever reaching a client.
 */
export function redactArgs(args: readonly Buffer[]): Buffer[] {
  const out = [...args];
  const hide = (i: number): void => {
    if (i < out.length) out[i] = REDACTED;
  };
  const name = lower(args[0]);
  if (name === 'auth') {
    for (let i = 1; i < out.length; i++) hide(i);
  } else if (name === 'hello') {
    for (let i = 2; i < out.length; i++) {
      if (lower(args[i]) === 'auth') {
        hide(i + 1);
        hide(i + 2);
        i += 2;
      }
    }
  } else if (name === 'migrate') {
    for (let i = 6; i < out.length; i++) {
      const opt = lower(args[i]);
      if (opt === 'auth') hide(++i);
      else if (opt === 'auth2') {
        hide(i + 1);
        hide(i + 2);
        i += 2;
      } else if (opt === 'keys') break;
    }
  } else if (name === 'acl' && lower(args[1]) === 'setuser') {
    for (let i = 3; i < out.length; i++) hide(i);
  } else if (name === 'config' && lower(args[1]) === 'set') {
    for (let i = 2; i + 1 < out.length; i += 2) if (SECRET_CONFIGS.has(lower(args[i]))) hide(i + 1);
  } else if (name === 'proxy' && lower(args[1]) === 'config' && lower(args[2]) === 'set') {
    for (let i = 3; i + 1 < out.length; i += 2) if (SECRET_SETTINGS.has(lower(args[i]))) hide(i + 1);
  }
  return out;
}
