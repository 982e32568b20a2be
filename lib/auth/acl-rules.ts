// The rules of a users file line, applied as Redis 7.0's ACLSetUser / ACLSetSelector apply them
// (src/acl.c), with the same refusals: a file Redis would not load is not loaded either. Command
// rules are only recorded here; acl-commands.ts resolves them once the command table is known.
import { createHash } from 'node:crypto';
import { globToRegExp } from './glob';

export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_ALL = PERM_READ | PERM_WRITE;

export interface KeyPattern {
  /** the pattern as written, latin1 (keys are compared as latin1 strings of their bytes) */
  readonly text: string;
  readonly re: RegExp;
  /** PERM_READ and/or PERM_WRITE (%R~, %W~, %RW~; ~ is both) */
  readonly perms: number;
}

export interface ChannelPattern {
  readonly text: string;
  readonly re: RegExp;
}

/** One set of permissions: the user's own (root) or one of its (selectors). */
export interface Selector {
  /** command rules in order ("+get", "-@all", "+config|get" ...), with the file line they came from */
  readonly commandRules: { rule: string; line: string }[];
  /** row ids this selector may run; null: every command (filled by resolveCommands) */
  allowed: Set<number> | null;
  /**
   * +@all (or allcommands) was its last word on all commands, not -@all: Redis's reserved
   * "future commands" bit, which decides whether ACL GETUSER describes it from +@all or -@all
   * (filled by resolveCommands)
   */
  allCommands: boolean;
  /** first arguments (lowercase) allowed for a command otherwise refused: "+select|0" */
  firstArgs: Map<number, Set<string>>;
  allKeys: boolean;
  keys: KeyPattern[];
  allChannels: boolean;
  channels: ChannelPattern[];
}

export interface User {
  readonly name: string;
  enabled: boolean;
  nopass: boolean;
  /** sha256 hex of each password */
  passwords: Set<string>;
  readonly root: Selector;
  /** the user's selectors beyond its root permissions (Redis 7 "(...)" rules) */
  selectors: Selector[];
  /** every rule as written, in order (cluster script mode replays them on the nodes) */
  readonly rules: string[];
  /** may run anything on any key and channel: no check at all (set by resolveCommands) */
  unrestricted: boolean;
  /** RESTORE payload checks asked for (the nodes make them); null: the server's default */
  sanitize: 'sanitize-payload' | 'skip-sanitize-payload' | null;
}

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Which channels a new user or selector starts with (Redis's acl-pubsub-default). */
export type PubsubDefault = 'resetchannels' | 'allchannels';

export function newSelector(pubsub: PubsubDefault): Selector {
  return { commandRules: [], allowed: new Set(), allCommands: false, firstArgs: new Map(), allKeys: false, keys: [], allChannels: pubsub === 'allchannels', channels: [] };
}

export function newUser(name: string, pubsub: PubsubDefault): User {
  return { name, enabled: false, nopass: false, passwords: new Set(), root: newSelector(pubsub), selectors: [], rules: [], unrestricted: false, sanitize: null };
}

function copySelector(s: Selector): Selector {
  return {
    commandRules: [...s.commandRules],
    allowed: s.allowed && new Set(s.allowed),
    allCommands: s.allCommands,
    firstArgs: new Map([...s.firstArgs].map(([id, args]) => [id, new Set(args)])),
    allKeys: s.allKeys,
    keys: [...s.keys],
    allChannels: s.allChannels,
    channels: [...s.channels],
  };
}

/** A user to change without touching `u` (ACL SETUSER applies its rules to a copy, all or none). */
export function copyUser(u: User, name = u.name): User {
  return {
    ...u,
    name,
    passwords: new Set(u.passwords),
    root: copySelector(u.root),
    selectors: u.selectors.map(copySelector),
    rules: [...u.rules],
  };
}

// Redis's own wording for rules it refuses (ACLSetUserStringError).
const KEYS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const CHANNELS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";

const latin1 = (s: string): string => Buffer.from(s).toString('latin1');

/** A rule about keys, channels or commands, for the root or a selector; an error text or null. */
export function applySelectorRule(s: Selector, rule: string, line: string): string | null {
  const lower = rule.toLowerCase();
  if (lower === 'allkeys' || rule === '~*') {
    s.allKeys = true;
    s.keys = [];
  } else if (lower === 'resetkeys') {
    s.allKeys = false;
    s.keys = [];
  } else if (rule.startsWith('~') || rule.startsWith('%')) {
    if (s.allKeys) return KEYS_AFTER_ALL;
    let perms = PERM_ALL;
    let at = 1;
    if (rule[0] === '%') {
      perms = 0;
      for (; at < rule.length && rule[at] !== '~'; at++) {
        const p = rule[at].toUpperCase() === 'R' ? PERM_READ : rule[at].toUpperCase() === 'W' ? PERM_WRITE : 0;
        if (p === 0 || perms & p) return 'Syntax error';
        perms |= p;
      }
      if (at >= rule.length || perms === 0) return 'Syntax error';
      at++;
    }
    const text = latin1(rule.slice(at));
    const same = s.keys.findIndex((k) => k.text === text);
    if (text === '*' && perms === PERM_ALL) {
      s.allKeys = true;
      s.keys = [];
    } else if (same >= 0) {
      // a pattern named again gains the permissions (Redis keeps one entry per pattern)
      s.keys[same] = { ...s.keys[same], perms: s.keys[same].perms | perms };
    } else s.keys.push({ text, re: globToRegExp(text), perms });
  } else if (lower === 'allchannels' || rule === '&*') {
    s.allChannels = true;
    s.channels = [];
  } else if (lower === 'resetchannels') {
    s.allChannels = false;
    s.channels = [];
  } else if (rule.startsWith('&')) {
    if (s.allChannels) return CHANNELS_AFTER_ALL;
    const text = latin1(rule.slice(1));
    if (!s.channels.some((c) => c.text === text)) s.channels.push({ text, re: globToRegExp(text) });
  } else if (lower === 'allcommands' || lower === 'nocommands' || /^[+-]/.test(rule)) {
    if (/^[+-][^@].*\|$/.test(rule)) return 'Syntax error';
    s.commandRules.push({ rule: lower === 'allcommands' ? '+@all' : lower === 'nocommands' ? '-@all' : lower, line });
  } else {
    return 'Syntax error';
  }
  return null;
}

/** Applies one rule of a users file line to `u`; returns an error text for a rule Redis refuses. */
export function applyUserRule(u: User, rule: string, line: string, pubsub: PubsubDefault): string | null {
  u.rules.push(rule);
  const lower = rule.toLowerCase();
  if (lower === 'on') u.enabled = true;
  else if (lower === 'off') u.enabled = false;
  else if (lower === 'nopass') {
    u.nopass = true;
    u.passwords.clear();
  } else if (lower === 'resetpass') {
    u.nopass = false;
    u.passwords.clear();
  } else if (rule.startsWith('>') || rule.startsWith('#')) {
    const hash = rule[0] === '>' ? sha256(rule.slice(1)) : rule.slice(1);
    if (!/^[0-9a-f]{64}$/.test(hash)) return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
    u.nopass = false;
    u.passwords.add(hash);
  } else if (rule.startsWith('<') || rule.startsWith('!')) {
    const hash = rule[0] === '<' ? sha256(rule.slice(1)) : rule.slice(1);
    if (!u.passwords.delete(hash)) return 'The password you are trying to remove from the user does not exist';
  } else if (lower === 'sanitize-payload' || lower === 'skip-sanitize-payload') {
    // RESTORE payload checks happen on the nodes (sanitize-dump-payload): only described here
    u.sanitize = lower as User['sanitize'];
  } else if (lower === 'clearselectors') {
    u.selectors = [];
  } else if (lower === 'reset') {
    u.enabled = false;
    u.nopass = false;
    u.passwords.clear();
    u.selectors = [];
    u.sanitize = 'sanitize-payload';
    Object.assign(u.root, newSelector(pubsub));
  } else if (rule.startsWith('(')) {
    if (!rule.endsWith(')')) return 'Unmatched parenthesis in acl selector starting at';
    const s = newSelector(pubsub);
    for (const inner of rule.slice(1, -1).split(/\s+/).filter(Boolean)) {
      const problem = applySelectorRule(s, inner, line);
      if (problem) return problem;
    }
    u.selectors.push(s);
  } else {
    return applySelectorRule(u.root, rule, line);
  }
  return null;
}

/**
 * Rules with a selector "(...)" spread over several words merged into one, as Redis does
 * (ACLMergeSelectorArguments); a parenthesis left open gives the word that opened it.
 */
export function mergeSelectorArgs(words: readonly string[]): string[] | { unmatched: string } {
  const out: string[] = [];
  let open: string[] | null = null;
  for (const w of words) {
    if (open) {
      open.push(w);
      if (w.endsWith(')')) {
        out.push(open.join(' '));
        open = null;
      }
    } else if (w.startsWith('(') && !w.endsWith(')')) open = [w];
    else out.push(w);
  }
  return open ? { unmatched: open[0] } : out;
}

/** The words of a users file line, selectors merged; null when a parenthesis is left open. */
export function lineWords(line: string): string[] | null {
  const words = mergeSelectorArgs(line.split(/\s+/).filter(Boolean));
  return Array.isArray(words) ? words : null;
}
