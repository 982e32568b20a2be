// The parts of INFO that describe the data rather than the proxy (persistence, replication, the
// keyspace counters of stats, maxmemory, modules, keyspace) come from the masters' own INFO,
// merged into what one server holding all their data would say. Each field has a merge rule,
// chosen for what a client reads it for:
//   sum    counters and sizes (keyspace_hits, rdb_changes_since_last_save, master_repl_offset)
//   max    "is any node doing it" flags and worst cases (loading, rdb_bgsave_in_progress, ages)
//   min    guarantees that hold for every shard (connected_slaves, aof_enabled, the oldest save)
//   ok     "ok" only when every master says ok, else the first other value (rdb_last_bgsave_status)
//   same   the value when all masters agree, else their distinct values joined by ',' (policies)
//   limit  a sum of limits where 0 means none: 0 when one master has none (maxmemory)
// A field the table does not name keeps "max" when every master gives a number, "same" otherwise.
import { createHash } from 'node:crypto';

export type MergeRule = 'sum' | 'max' | 'min' | 'ok' | 'same' | 'limit';

export const MERGE_RULES: Readonly<Record<string, MergeRule>> = {
  // memory
  maxmemory: 'limit',
  maxmemory_policy: 'same',
  // persistence
  current_save_keys_processed: 'sum',
  current_save_keys_total: 'sum',
  rdb_changes_since_last_save: 'sum',
  rdb_last_save_time: 'min',
  rdb_last_bgsave_status: 'ok',
  rdb_saves: 'sum',
  rdb_last_load_keys_expired: 'sum',
  rdb_last_load_keys_loaded: 'sum',
  aof_enabled: 'min',
  aof_last_bgrewrite_status: 'ok',
  aof_rewrites: 'sum',
  aof_last_write_status: 'ok',
  loading_total_bytes: 'sum',
  loading_loaded_bytes: 'sum',
  loading_start_time: 'min',
  // stats
  expired_keys: 'sum',
  expired_time_cap_reached_count: 'sum',
  evicted_keys: 'sum',
  total_eviction_exceeded_time: 'sum',
  keyspace_hits: 'sum',
  keyspace_misses: 'sum',
  pubsub_channels: 'sum',
  pubsub_patterns: 'sum',
  pubsubshard_channels: 'sum',
  total_forks: 'sum',
  dump_payload_sanitizations: 'sum',
  // replication
  connected_slaves: 'min',
  master_failover_state: 'same',
  master_repl_offset: 'sum',
  repl_backlog_active: 'min',
  repl_backlog_size: 'min',
  repl_backlog_first_byte_offset: 'sum',
  repl_backlog_histlen: 'sum',
};

/** What the masters said, merged: fields by name in the order the first master printed them. */
export interface MastersInfo {
  /** masters asked, and masters that answered with an INFO text */
  readonly asked: number;
  readonly answered: number;
  readonly fields: ReadonlyMap<string, string>;
  /** field names of a section (lowercase section name), in the masters' order */
  readonly sections: ReadonlyMap<string, readonly string[]>;
  /** db0:keys=N,expires=N,avg_ttl=N lines, summed */
  readonly keyspace: readonly string[];
  /** module:name=... lines of the first master that answered */
  readonly modules: readonly string[];
  /** a replication id that changes whenever one of the masters' ids does */
  readonly replid: string;
}

export const NO_MASTERS: MastersInfo = { asked: 0, answered: 0, fields: new Map(), sections: new Map(), keyspace: [], modules: [], replid: '0'.repeat(40) };

interface Parsed {
  /** field -> value, per section */
  sections: Map<string, Map<string, string>>;
}

/** An INFO text as sections of fields (dynamic lines included). */
export function parseInfo(text: string): Parsed {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('# ')) {
      current = new Map();
      sections.set(line.slice(2).trim().toLowerCase(), current);
    } else if (current && line) {
      const at = line.indexOf(':');
      if (at > 0) current.set(line.slice(0, at), line.slice(at + 1));
    }
  }
  return { sections };
}

const isNumber = (v: string): boolean => /^-?\d+(\.\d+)?$/.test(v);

/** Values are printed as the masters print them: integers as integers, decimals with their digits. */
function formatLike(n: number, sample: string): string {
  const dot = sample.indexOf('.');
  return dot < 0 ? String(Math.round(n)) : n.toFixed(sample.length - dot - 1);
}

export function mergeValues(name: string, values: readonly string[]): string {
  const numeric = values.every(isNumber);
  const rule = MERGE_RULES[name] ?? (numeric ? 'max' : 'same');
  if (rule === 'ok') return values.find((v) => v !== 'ok') ?? 'ok';
  if (rule === 'same' || !numeric) return [...new Set(values)].join(',');
  const nums = values.map(Number);
  if (rule === 'limit' && nums.includes(0)) return '0';
  const n = rule === 'sum' || rule === 'limit' ? nums.reduce((a, b) => a + b, 0) : rule === 'min' ? Math.min(...nums) : Math.max(...nums);
  return formatLike(n, values[0]);
}

/** The Keyspace sections of several masters' INFO, summed per database. */
export function mergeKeyspace(infos: readonly string[]): string[] {
  const dbs = new Map<string, { keys: number; expires: number; ttlSum: number }>();
  for (const text of infos) {
    for (const m of text.matchAll(/^(db\d+):keys=(\d+),expires=(\d+),avg_ttl=(\d+)/gm)) {
      const d = dbs.get(m[1]) ?? { keys: 0, expires: 0, ttlSum: 0 };
      d.keys += Number(m[2]);
      d.expires += Number(m[3]);
      d.ttlSum += Number(m[4]) * Number(m[3]);
      dbs.set(m[1], d);
    }
  }
  return [...dbs]
    .sort(([a], [b]) => Number(a.slice(2)) - Number(b.slice(2)))
    .map(([db, d]) => `${db}:keys=${d.keys},expires=${d.expires},avg_ttl=${d.expires ? Math.round(d.ttlSum / d.expires) : 0}`);
}

/**
 * Merges the INFO texts of the masters that answered (`asked` counts those that did not too).
 * Fields are taken from every section but keyspace and modules, which have their own merges.
 */
export function mergeMasterInfos(texts: readonly string[], asked = texts.length): MastersInfo {
  const parsed = texts.map(parseInfo);
  const values = new Map<string, string[]>();
  const sections = new Map<string, string[]>();
  for (const p of parsed) {
    for (const [section, fields] of p.sections) {
      if (section === 'keyspace' || section === 'modules') continue;
      let names = sections.get(section);
      if (!names) sections.set(section, (names = []));
      for (const [name, value] of fields) {
        let list = values.get(name);
        if (!list) {
          values.set(name, (list = []));
          names.push(name);
        }
        list.push(value);
      }
    }
  }
  const fields = new Map<string, string>();
  for (const [name, list] of values) fields.set(name, mergeValues(name, list));
  const replids = parsed.map((p) => p.sections.get('replication')?.get('master_replid') ?? '');
  return {
    asked,
    answered: texts.length,
    fields,
    sections,
    keyspace: mergeKeyspace(texts),
    modules: [...(parsed[0]?.sections.get('modules') ?? new Map<string, string>())].map(([k, v]) => `${k}:${v}`),
    replid: replids.length ? createHash('sha1').update(replids.join(',')).digest('hex') : NO_MASTERS.replid,
  };
}
