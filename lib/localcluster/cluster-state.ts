// Parsing what nodes say about the cluster (CLUSTER NODES / INFO / SLOTS), and the one question
// the harness keeps asking: is the cluster settled, and if not, what is still off?
import { RespError, type RespValue } from './resp-client';

export const SLOT_COUNT = 16384;

export interface ClusterNodeInfo {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  masterId?: string;
  slots: Array<[number, number]>;
  /** Flagged `fail`: a majority of masters agreed it is down. */
  failed: boolean;
  /** Flagged `fail?`: the reporting node alone cannot reach it (yet). */
  pfail: boolean;
  myself: boolean;
  flags: string[];
  linkState: string;
}

export function addrOf(host: string, port: number): string {
  return `${host}:${port}`;
}

/** Parses CLUSTER NODES text; importing/migrating markers (`[slot->-id]`) are skipped. */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  const out: ClusterNodeInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    // ip:port@cport[,hostname]; ip may be IPv6, so split at the last colon.
    const hostPort = f[1]!.split(',')[0]!.split('@')[0]!;
    const colon = hostPort.lastIndexOf(':');
    const flags = f[2]!.split(',');
    const slots: Array<[number, number]> = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue;
      const [a, b] = s.split('-');
      slots.push([Number(a), Number(b ?? a)]);
    }
    out.push({
      id: f[0]!,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      role: flags.includes('slave') ? 'replica' : 'master',
      masterId: f[3] === '-' ? undefined : f[3],
      slots,
      failed: flags.includes('fail'),
      pfail: flags.includes('fail?'),
      myself: flags.includes('myself'),
      flags,
      linkState: f[7]!,
    });
  }
  return out;
}

/** `key:value` lines of CLUSTER INFO / INFO. */
export function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

/** CLUSTER SLOTS as sorted "start-end@host:port" of the serving master, for comparing views. */
export function slotOwners(reply: RespValue): Array<{ start: number; end: number; owner: string }> {
  if (!Array.isArray(reply)) throw new Error(`CLUSTER SLOTS replied ${JSON.stringify(reply)}, not an array`);
  const out: Array<{ start: number; end: number; owner: string }> = [];
  for (const entry of reply) {
    if (!Array.isArray(entry) || !Array.isArray(entry[2])) continue;
    const [ip, port] = entry[2];
    out.push({ start: Number(entry[0]), end: Number(entry[1]), owner: addrOf(String(ip), Number(port)) });
  }
  return out.sort((a, b) => a.start - b.start);
}

export interface NodeView {
  addr: string;
  clusterInfo: RespValue;
  clusterSlots: RespValue;
  clusterNodes: RespValue;
  replication: RespValue;
}

/** The commands a NodeView is made of, in order. */
export const VIEW_COMMANDS: readonly (readonly string[])[] = [
  ['CLUSTER', 'INFO'],
  ['CLUSTER', 'SLOTS'],
  ['CLUSTER', 'NODES'],
  ['INFO', 'replication'],
];

/**
 * What still keeps the cluster from being settled, as seen by the live nodes, or null if nothing:
 * each says cluster_state:ok with all slots served; all agree on who serves which slots, and
 * those are live nodes; all agree on who replicates whom and flag no live node as failing; and
 * each live replica of a live master has its replication link up (so it may fail over).
 */
export function stabilityProblem(views: NodeView[], liveAddrs: Set<string>): string | null {
  let slotsRef: { addr: string; sig: string } | null = null;
  let rolesRef: { addr: string; sig: string } | null = null;
  for (const v of views) {
    for (const [name, reply] of Object.entries({ 'CLUSTER INFO': v.clusterInfo, 'CLUSTER SLOTS': v.clusterSlots, 'CLUSTER NODES': v.clusterNodes, INFO: v.replication })) {
      if (reply instanceof RespError) return `${v.addr} answered ${name} with ${reply.message}`;
    }
    const info = parseInfo(String(v.clusterInfo));
    if (info.get('cluster_state') !== 'ok') return `${v.addr} reports cluster_state:${info.get('cluster_state')}`;
    if (info.get('cluster_slots_ok') !== String(SLOT_COUNT)) {
      return `${v.addr} sees ${info.get('cluster_slots_ok')} of ${SLOT_COUNT} slots served (assigned ${info.get('cluster_slots_assigned')}, pfail ${info.get('cluster_slots_pfail')}, fail ${info.get('cluster_slots_fail')})`;
    }

    const owners = slotOwners(v.clusterSlots);
    let covered = 0;
    for (const o of owners) {
      covered += o.end - o.start + 1;
      if (!liveAddrs.has(o.owner)) return `${v.addr} says slots ${o.start}-${o.end} are served by ${o.owner}, which is not running`;
    }
    if (covered !== SLOT_COUNT) return `${v.addr} lists ${covered} of ${SLOT_COUNT} slots in CLUSTER SLOTS`;
    const slotsSig = owners.map((o) => `${o.start}-${o.end}@${o.owner}`).join(' ');
    if (!slotsRef) slotsRef = { addr: v.addr, sig: slotsSig };
    else if (slotsRef.sig !== slotsSig) return `${v.addr} and ${slotsRef.addr} disagree on slot owners`;

    const known = parseClusterNodes(String(v.clusterNodes));
    const byId = new Map(known.map((n) => [n.id, n]));
    const roles: string[] = [];
    for (const addr of liveAddrs) {
      const n = known.find((k) => addrOf(k.host, k.port) === addr && !k.flags.includes('handshake'));
      if (!n) return `${v.addr} does not know ${addr} yet`;
      if (n.failed || n.pfail) return `${v.addr} flags ${addr} as ${n.failed ? 'fail' : 'fail?'}`;
      const master = n.masterId ? byId.get(n.masterId) : undefined;
      roles.push(n.role === 'master' ? `${addr}=master` : `${addr}=replica-of-${master ? addrOf(master.host, master.port) : n.masterId}`);
    }
    const rolesSig = roles.sort().join(' ');
    if (!rolesRef) rolesRef = { addr: v.addr, sig: rolesSig };
    else if (rolesRef.sig !== rolesSig) return `${v.addr} and ${rolesRef.addr} disagree on who replicates whom`;

    const repl = parseInfo(String(v.replication));
    if (repl.get('role') === 'slave') {
      const master = addrOf(repl.get('master_host') ?? '?', Number(repl.get('master_port')));
      if (liveAddrs.has(master) && repl.get('master_link_status') !== 'up') {
        return `${v.addr} (replica of ${master}) has master_link_status:${repl.get('master_link_status')}`;
      }
    }
  }
  return null;
}
