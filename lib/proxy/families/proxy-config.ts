// PROXY CONFIG GET / SET: the proxy's own settings, named like their --flags (slowlog-us ...).
// Only settings marked live in lib/config.ts's OPTIONS can be set (the ones SIGHUP takes over);
// values are checked with the rules start-up applies.
import { globToRegExp } from '../../auth/glob';
import { ConfigError, flagName, formatOption, OPTIONS, parseOption, type Config, type OptionName } from '../../config';
import type { Settings } from '../context';

/** What PROXY CONFIG SET may change: the settings OPTIONS marks live, which SIGHUP takes over too. */
export const RUNTIME_SETTINGS: readonly OptionName[] = (Object.keys(OPTIONS) as OptionName[]).filter((n) => OPTIONS[n].live);

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
 * Applies name/value pairs through `settings.reload`, all or none. Returns the error message
 * (without "-") for the client, or null when every pair was applied.
 */
export function configSet(settings: Pick<Settings, 'config' | 'reload'>, pairs: readonly [string, string][]): string | null {
  const next = { ...settings.config } as Record<OptionName, Config[OptionName]>;
  for (const [raw, value] of pairs) {
    const setting = raw.toLowerCase();
    const name = BY_SETTING.get(setting);
    if (!name) return `ERR unknown setting '${raw}'; PROXY CONFIG SET can change: ${settable()}`;
    if (!OPTIONS[name].live) {
      return `ERR '${setting}' cannot be changed while slotproxy runs (set ${OPTIONS[name].env} and restart); PROXY CONFIG SET can change: ${settable()}`;
    }
    try {
      next[name] = parseOption(name, value, setting);
    } catch (err) {
      if (err instanceof ConfigError) return `ERR PROXY CONFIG SET failed: ${err.message}`;
      throw err;
    }
  }
  try {
    settings.reload(next as Config);
  } catch (err) {
    return `ERR PROXY CONFIG SET failed: ${(err as Error).message}`;
  }
  return null;
}
