// The command table: one row per command and subcommand, the single place that says how each is
// handled. Built from what the cluster's COMMAND reply describes (or the Redis 7.0 snapshot
// until the cluster answers), plus slotproxy's policies; ids are what the scanners report.
import { Access } from './access';
import type { CommandInfo } from './command-info';
import type { Handler } from './handlers';
import type { KeySpec, ScannerRow } from './key-spec';
import { KEY_PROCS, type KeyProc } from './key-procs';
import { EXTRA_COMMANDS, EXTRA_SUBCOMMANDS, handlerFor } from './policies';
import { SNAPSHOT_COMMANDS } from './redis-commands.generated';

export interface CommandRow extends ScannerRow {
  info: CommandInfo;
  handler: Handler;
  parent: CommandRow | null;
  /** keys found by Redis's per-command function, not the specs (the scanner sees no keys) */
  keyProc: KeyProc | null;
  /** a write command (COMMAND flag "write") */
  writes: boolean;
  /** Write, Read (a replica may serve it) or Other; requests carry it (lib/commands/access.ts) */
  access: Access;
  /**
   * may change data: read-your-writes counts it until answered (lib/proxy/client-reads.ts). The
   * commands flagged `write`, and the scripts and transactions that may write without the flag
   * (EVAL, EVALSHA, FCALL, EXEC: categories scripting and transaction, not `readonly`).
   */
  mayWrite: boolean;
  /** routed straight from the scanner's record when it has no flags: keys from the specs, one slot */
  fastPath: boolean;
  /** COMMAND flag "skip_slowlog" (EXEC: its commands are logged one by one) */
  skipSlowlog: boolean;
}

/**
 * Keyless for the node, routed by a channel's slot by the proxy: PUBLISH goes to its channel's
 * master, where the proxy subscribes its clients to that channel (families/pubsub-state.ts), so
 * its count of receivers is one server's. The scanners read the channel as SPUBLISH's spec reads
 * its; ACL checks and COMMAND keep the cluster's (no key).
 */
const CHANNEL_ROUTED: Readonly<Record<string, KeySpec[]>> = {
  publish: [{ flags: ['not_key'], begin: { type: 'index', pos: 1 }, find: { type: 'range', lastkey: 0, keystep: 1, limit: 0 } }],
};

export class CommandTable {
  /** indexed by id; index 0 is unused (0 means "unknown command" in scanner records) */
  readonly rows: (CommandRow | undefined)[] = [undefined];
  private readonly byName = new Map<string, CommandRow>();

  constructor(infos: readonly CommandInfo[]) {
    const all = [...infos, ...EXTRA_COMMANDS.filter((c) => !infos.some((i) => i.name === c.name))];
    for (const info of all) {
      if (this.byName.has(info.name)) continue;
      const row = this.add(info, null);
      const extra = (EXTRA_SUBCOMMANDS[info.name] ?? []).filter((e) => !info.subcommands.some((s) => s.name === e.name));
      for (const sub of [...info.subcommands, ...extra]) this.add(sub, row);
    }
  }

  get(name: string): CommandRow | undefined {
    return this.byName.get(name.toLowerCase());
  }

  row(id: number): CommandRow | undefined {
    return this.rows[id];
  }

  scannerRows(): ScannerRow[] {
    return this.rows.filter((r): r is CommandRow => r !== undefined);
  }

  private add(info: CommandInfo, parent: CommandRow | null): CommandRow {
    const keyProc: KeyProc | null = KEY_PROCS[info.name] ?? null;
    const handler = handlerFor(info, parent ? parent.info : null);
    const split = handler.kind === 'family' && handler.family === 'split';
    const row: CommandRow = {
      id: this.rows.length,
      name: info.name,
      parentId: parent ? parent.id : 0,
      arity: info.arity,
      wantKeys: split,
      specs: keyProc ? [] : (CHANNEL_ROUTED[info.name] ?? info.keySpecs),
      info,
      handler,
      parent,
      keyProc,
      writes: info.flags.includes('write'),
      access: accessOf(info, handler),
      mayWrite: mayWrite(info, handler),
      skipSlowlog: info.flags.includes('skip_slowlog'),
      // A split command whose keys share a slot is an ordinary keyed command.
      fastPath: (handler.kind === 'keyed' && !keyProc) || split,
    };
    this.rows.push(row);
    this.byName.set(row.name, row);
    return row;
  }
}

/**
 * A read a replica may serve: flagged `readonly` by the cluster (EVAL_RO and FCALL_RO are), routed
 * by its keys as one command or split by slot, never blocking (XREAD is a read unless it BLOCKs,
 * and then goes to the master's dedicated connection whatever its access says).
 */
function accessOf(info: CommandInfo, handler: Handler): Access {
  if (info.flags.includes('write')) return Access.Write;
  if (!info.flags.includes('readonly') || info.keySpecs.length === 0) return Access.Other;
  const routed = handler.kind === 'keyed' || handler.kind === 'blocking-with-option' || (handler.kind === 'family' && handler.family === 'split');
  return routed ? Access.Read : Access.Other;
}

function mayWrite(info: CommandInfo, handler: Handler): boolean {
  if (info.flags.includes('write')) return true;
  if (info.flags.includes('readonly') || handler.kind === 'local' || handler.kind === 'refused' || handler.kind === 'close') return false;
  return info.aclCategories.includes('scripting') || info.aclCategories.includes('transaction');
}

/**
 * The snapshot's commands, overridden and extended by what a live cluster describes, so a
 * newer cluster's commands are routed by their own key specs.
 */
export function mergeCommandInfos(live: readonly CommandInfo[] | null): CommandInfo[] {
  if (!live || live.length === 0) return [...SNAPSHOT_COMMANDS];
  const byName = new Map(SNAPSHOT_COMMANDS.map((c) => [c.name, c] as const));
  for (const c of live) byName.set(c.name, c);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
