// CLUSTER subcommands answered as if slotproxy were a one-node cluster that owns every slot at
// the address the client connected to, so cluster-aware clients (ioredis Cluster, node-redis
// createCluster, redis-py RedisCluster) can point at the proxy unchanged: they discover one
// node and send everything to it.
import { createHash } from 'node:crypto';
import { SLOTS } from '../../cluster/slot-map';
import { parseAddress } from '../../cluster/cluster-slots';
import { bulk, command, encode, mapOf, verbatim } from '../../protocol/resp';
import { SLOT_NOT_SERVED } from '../errors';
import type { FamilyHandlers, FamilySession, ParsedCommand } from '../family';
import { NodeFanout } from './node-fanout';

/** A stable 40-hex node id per proxy address, as CLUSTER MYID returns. */
export function proxyNodeId(address: string): string {
  return createHash('sha1').update(`slotproxy:${address}`).digest('hex');
}

/** The shard id of the one-node cluster (CLUSTER MYSHARDID, Redis 7.2), stable per address too. */
export function proxyShardId(address: string): string {
  return createHash('sha1').update(`slotproxy-shard:${address}`).digest('hex');
}

function self(session: FamilySession): { host: string; port: number; id: string; shard: string } {
  const { host, port } = parseAddress(session.localAddress);
  return { host: host.replace(/^::ffff:/, ''), port, id: proxyNodeId(`${host}:${port}`), shard: proxyShardId(`${host}:${port}`) };
}

/**
 * As the one node CLUSTER SLOTS names, the proxy is assigned every slot; slots whose master it
 * cannot reach are "fail", as a real node reports slots of a failed master (clients such as
 * ioredis wait for cluster_state:ok).
 */
function clusterInfo(session: FamilySession): string {
  const served = session.ctx.router.slotMap.coveredSlots();
  const lines = [
    `cluster_state:${served === SLOTS ? 'ok' : 'fail'}`,
    `cluster_slots_assigned:${SLOTS}`,
    `cluster_slots_ok:${served}`,
    'cluster_slots_pfail:0',
    `cluster_slots_fail:${SLOTS - served}`,
    'cluster_known_nodes:1',
    'cluster_size:1',
    'cluster_current_epoch:1',
    'cluster_my_epoch:1',
    'cluster_stats_messages_sent:0',
    'cluster_stats_messages_received:0',
    'total_cluster_links_buffer_limit_exceeded:0',
  ];
  return lines.join('\r\n') + '\r\n';
}

/** COUNTKEYSINSLOT / GETKEYSINSLOT go to the master of that slot. */
function toSlotOwner(session: FamilySession, cmd: ParsedCommand): void {
  const args = cmd.args();
  const text = args[2].toString('latin1');
  const slot = /^-?\d{1,18}$/.test(text) ? Number(text) : NaN;
  if (!(slot >= 0 && slot < SLOTS)) {
    session.reject('ERR Invalid slot');
    return;
  }
  const node = session.ctx.router.nodeForSlot(slot, session.id);
  if (!node) {
    session.reject(SLOT_NOT_SERVED);
    return;
  }
  session.enqueue(new NodeFanout(session, cmd.deadline, ([p]) => p.reply!).ask(node.address, command(args)));
}

function answer(session: FamilySession, reply: Buffer): void {
  session.enqueue(new NodeFanout(session, Infinity, () => reply));
}

export const CLUSTER = {
  myid: (session) => answer(session, bulk(self(session).id)),
  myshardid: (session) => answer(session, bulk(self(session).shard)),
  info: (session) => answer(session, verbatim(clusterInfo(session), session.resp3)),
  slots(session) {
    const me = self(session);
    // the node's networking metadata (hostname ...): a map, empty here (Redis 7.0)
    answer(session, encode([[0, SLOTS - 1, [me.host, me.port, me.id, mapOf([])]]], session.resp3));
  },
  shards(session) {
    const me = self(session);
    const node = mapOf(['id', me.id, 'port', me.port, 'ip', me.host, 'endpoint', me.host, 'role', 'master', 'replication-offset', 0, 'health', 'online']);
    answer(session, encode([mapOf(['slots', [0, SLOTS - 1], 'nodes', [node]])], session.resp3));
  },
  nodes(session) {
    const me = self(session);
    answer(session, verbatim(`${me.id} ${me.host}:${me.port}@0 myself,master - 0 0 1 connected 0-${SLOTS - 1}\n`, session.resp3));
  },
  'slot-owner': toSlotOwner,
} satisfies FamilyHandlers<'cluster'>;
