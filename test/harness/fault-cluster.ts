// Cluster-side helpers for fault tests: who owns a slot, moving slots with their keys the way
// redis-cli --cluster reshard does, counting a node's clients, finding a port nobody listens on.
import net from 'node:net';
import type { ClusterNodeInfo, LocalCluster } from '../../lib/localcluster/local-cluster';
import { respCommand } from '../../lib/localcluster/resp-client';
import { sleep } from './wait';

export function ownsSlot(n: ClusterNodeInfo, slot: number): boolean {
  return n.slots.some(([a, b]) => a <= slot && slot <= b);
}

export function slotsOf(n: ClusterNodeInfo): number[] {
  const out: number[] = [];
  for (const [a, b] of n.slots) for (let s = a; s <= b; s++) out.push(s);
  return out;
}

export async function masterOf(cluster: LocalCluster, slot: number): Promise<ClusterNodeInfo> {
  const m = (await cluster.clusterNodes()).find((n) => n.role === 'master' && !n.failed && ownsSlot(n, slot));
  if (!m) throw new Error(`no master serves slot ${slot}`);
  return m;
}

/** One command on a node, straight (not through the proxy); an error reply rejects. */
export function nodeCall(node: { host: string; port: number }, ...args: string[]): Promise<unknown> {
  return respCommand(node.host, node.port, args, { timeoutMs: 10_000 });
}

/**
 * Gives an empty slot to `target` at once: SETSLOT IMPORTING then NODE on the target, then NODE on
 * every other master. IMPORTING first makes the target's SETSLOT NODE bump its config epoch in
 * the same command, as redis-cli --cluster reshard has it. Without it (SETSLOT NODE then CLUSTER
 * BUMPEPOCH, as this did), a claim the old owner gossiped in between, with a higher epoch, handed
 * the slot back to it; once the old owner gave the slot away too, each named the other: every
 * request bounced between them (transactions.test.ts failed with "too many cluster redirections").
 */
export async function giveEmptySlot(cluster: LocalCluster, nodes: ClusterNodeInfo[], slot: number, target: ClusterNodeInfo): Promise<void> {
  const source = nodes.find((n) => n.role === 'master' && ownsSlot(n, slot));
  if (source && source.id !== target.id) await cluster.cli(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
  await cluster.cli(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
  for (const n of nodes) if (n.role === 'master' && n.id !== target.id) await cluster.cli(n.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
}

export interface MigrateOptions {
  /** keys per MIGRATE */
  batch?: number;
  /** pause after each MIGRATE, so load interleaves with the migration */
  pauseMs?: number;
  /** called after each MIGRATE with the keys moved */
  onBatch?: (slot: number, keys: string[]) => Promise<void> | void;
}

/**
 * Moves `slots` with their keys from `source` to `target`: SETSLOT IMPORTING/MIGRATING, MIGRATE in
 * batches, then SETSLOT NODE on the target, the source and every other master.
 */
export async function migrateSlots(masters: ClusterNodeInfo[], slots: number[], source: ClusterNodeInfo, target: ClusterNodeInfo, opts: MigrateOptions = {}): Promise<number> {
  const batch = opts.batch ?? 20;
  let moved = 0;
  const others = masters.filter((m) => m.id !== source.id && m.id !== target.id);
  for (const slot of slots) {
    await nodeCall(target, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
    await nodeCall(source, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
    for (;;) {
      const keys = (await nodeCall(source, 'CLUSTER', 'GETKEYSINSLOT', String(slot), String(batch))) as string[];
      if (keys.length === 0) break;
      await nodeCall(source, 'MIGRATE', target.host, String(target.port), '', '0', '10000', 'KEYS', ...keys);
      moved += keys.length;
      await opts.onBatch?.(slot, keys);
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
    for (const n of [target, source, ...others]) await nodeCall(n, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
  }
  return moved;
}

/** A key (with `prefix`) for each slot wanted, found by trying names. */
export function keysForSlots(prefix: string, slots: number[], slotOf: (k: string) => number): Map<number, string> {
  const want = new Set(slots);
  const out = new Map<number, string>();
  for (let i = 0; out.size < want.size; i++) {
    const k = `${prefix}${i}`;
    const s = slotOf(k);
    if (want.has(s) && !out.has(s)) out.set(s, k);
  }
  return out;
}

export async function infoField(node: { host: string; port: number }, section: string, field: string): Promise<number> {
  const text = String(await nodeCall(node, 'INFO', section));
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
  if (!m) throw new Error(`INFO ${section} of ${node.host}:${node.port} has no ${field}`);
  return Number(m[1]);
}

/** A loopback port nobody listens on (bound once, then released). */
export function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A node address as the proxy's slot map spells it. */
export function addr(n: { host: string; port: number }): string {
  return `${n.host}:${n.port}`;
}
