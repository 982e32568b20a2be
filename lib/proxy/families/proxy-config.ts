// PROXY CONFIG GET / SET: the proxy's own settings, named like their --flags (slowlog-us ...).
// Only settings that every reader picks up live can be set; values are checked with the rules
// start-up applies (lib/config.ts).
import { globToRegExp } from '../../auth/glob';
import { ConfigError, flagName, formatOption, OPTIONS, parseOption, type Config, type OptionName } from '../../config';

/**
 * Settable while running, and why that is safe: each is read where it is used (per request, per
 * connection, per sweep), or the proxy re-derives what depends on it (Proxy.applyConfig).
 * Left out on purpose: max-pending (a client paused at the old limit would wait for a resume
 * condition computed from the new one), log-level (the loggers already made keep their level),
 * and everything fixed at start-up (ports, TLS, connection pools, scanners).
 */
export const RUNTIME_SETTINGS: readonly OptionName[] = [
  'slowlogUs',
  'slowlogMaxLen',
  'maxRedirects',
  'retryDelayMs',
  'requestTimeoutMs',
  'clientOutputLimit',
  'timeout',
  'maxClients',
  'tcpKeepalive',
  'maxQueryBuffer',
];

/** Shown as set or not, never as their value: CONFIG GET is open to every client. */
const SECRETS: readonly OptionName[] = ['password', 'redisPassword'];

export const settingName = (name: OptionName): string => flagName(name).slice(2);

const BY_SETTING = new Map((Object.keys(OPTIONS) as OptionName[]).map((n) => [settingName(n), n] as const));

const settable = (): string => RUNTIME_SETTINGS.map(settingName).join(', ');

/** [name, value, name, value ...] of the settings matching a glob (case-insensitive, as CONFIG GET), by name. */
export function configGet(config: Config, pattern: string): string[] {
  const re = globToRegExp(pattern.toLowerCase());
  const out: string[] = [];
  for (const [setting, name] of [...BY_SETTING].sort(([a], [b]) => a.localeCompare(b))) {
    if (!re.test(setting)) continue;
    const value = SECRETS.includes(name) ? (config[name] ? '(set)' : '') : formatOption(name, config[name]);
    out.push(setting, value);
  }
  return out;
}

/**
 * Applies name/value pairs to `config`, all or none. Returns the error message (without "-")
 * for the client, or null when every pair was applied.
 */
export function configSet(config: Config, pairs: readonly [string, string][]): string | null {
  const parsed: [OptionName, Config[OptionName]][] = [];
  for (const [raw, value] of pairs) {
    const setting = raw.toLowerCase();
    const name = BY_SETTING.get(setting);
    if (!name) return `ERR unknown setting '${raw}'; PROXY CONFIG SET can change: ${settable()}`;
    if (!RUNTIME_SETTINGS.includes(name)) {
      return `ERR '${setting}' cannot be changed while slotproxy runs (set ${OPTIONS[name].env} and restart); PROXY CONFIG SET can change: ${settable()}`;
    }
    try {
      parsed.push([name, parseOption(name, value, setting)]);
    } catch (err) {
      if (err instanceof ConfigError) return `ERR PROXY CONFIG SET failed: ${err.message}`;
      throw err;
    }
  }
  const writable = config as Record<OptionName, Config[OptionName]>;
  for (const [name, value] of parsed) writable[name] = value;
  return null;
}
