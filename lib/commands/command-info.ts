// Decodes the reply of COMMAND (Redis 7 format) into plain objects: what the cluster says about
// each command. The command table (table.ts) is built from these plus slotproxy's own policies.
import type { BeginSearch, FindKeys, KeySpec } from './key-spec';

export interface CommandInfo {
  /** lowercase; "container|sub" for subcommands */
  name: string;
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  /** without the leading '@' */
  aclCategories: string[];
  tips: string[];
  keySpecs: KeySpec[];
  subcommands: CommandInfo[];
  /** the COMMAND entry as the cluster sent it (decoded), for answering COMMAND as it does */
  raw?: unknown[];
}

function asMap(value: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(value)) for (let i = 0; i + 1 < value.length; i += 2) m.set(String(value[i]), value[i + 1]);
  return m;
}

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : Number(v ?? fallback));
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function parseBegin(v: unknown): BeginSearch {
  const m = asMap(v);
  const spec = asMap(m.get('spec'));
  switch (String(m.get('type'))) {
    case 'index':
      return { type: 'index', pos: num(spec.get('index')) };
    case 'keyword':
      return { type: 'keyword', keyword: String(spec.get('keyword')), startfrom: num(spec.get('startfrom')) };
    default:
      return { type: 'unknown' };
  }
}

function parseFind(v: unknown): FindKeys {
  const m = asMap(v);
  const spec = asMap(m.get('spec'));
  switch (String(m.get('type'))) {
    case 'range':
      return { type: 'range', lastkey: num(spec.get('lastkey')), keystep: num(spec.get('keystep'), 1), limit: num(spec.get('limit')) };
    case 'keynum':
      return {
        type: 'keynum',
        keynumidx: num(spec.get('keynumidx')),
        firstkey: num(spec.get('firstkey')),
        keystep: num(spec.get('keystep'), 1),
      };
    default:
      return { type: 'unknown' };
  }
}

function parseKeySpec(v: unknown): KeySpec {
  const m = asMap(v);
  return { flags: strs(m.get('flags')).map((f) => f.toLowerCase()), begin: parseBegin(m.get('begin_search')), find: parseFind(m.get('find_keys')) };
}

export function parseCommandEntry(entry: unknown): CommandInfo {
  if (!Array.isArray(entry) || entry.length < 6) throw new Error(`COMMAND entry is not an array of at least 6: ${JSON.stringify(entry)}`);
  return {
    name: String(entry[0]).toLowerCase(),
    arity: num(entry[1]),
    flags: strs(entry[2]).map((f) => f.toLowerCase()),
    firstKey: num(entry[3]),
    lastKey: num(entry[4]),
    step: num(entry[5]),
    aclCategories: strs(entry[6]).map((c) => c.replace(/^@/, '').toLowerCase()),
    tips: strs(entry[7]),
    keySpecs: Array.isArray(entry[8]) ? entry[8].map(parseKeySpec) : [],
    subcommands: Array.isArray(entry[9]) ? entry[9].map(parseCommandEntry) : [],
    raw: entry,
  };
}

/** Decodes a whole COMMAND reply; entries Redis answers as nil (unknown names in COMMAND INFO) are dropped. */
export function parseCommandReply(reply: unknown): CommandInfo[] {
  if (!Array.isArray(reply)) throw new Error('COMMAND did not answer an array');
  return reply.filter((e) => e !== null).map(parseCommandEntry);
}
