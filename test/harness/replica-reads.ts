// Helpers for the tests of reads from replicas: getting a proxy's replicas to take reads, counting
// the GETs each node ran (its own INFO commandstats), and writes heavy enough to keep replicas a
// little behind their masters (so a read sent to a replica too early would see an old value).
import { parseAddress } from '../../lib/cluster/cluster-slots';
import { respCommands } from '../../lib/localcluster/resp-client';
import { RawConn } from './fault-conn';
import { keysAcrossSlots } from './fault-load';
import type { RunningProxy } from './proxy';
import { until } from './wait';

/**
 * Writes a key in every slot range through the proxy (CLUSTER SLOTS lists a replica only once its
 * master has written something), then waits until the proxy's map lists a replica for every
 * master and every replica takes reads. The proxy needs a short SLOTPROXY_REFRESH_MS.
 */
export async function replicasTakingReads(proxy: RunningProxy, limitMs = 30_000): Promise<void> {
  const conn = await RawConn.connect(proxy.port);
  try {
    await conn.send(keysAcrossSlots('seed-replicas', 16).map((k) => ['SET', k, '1']));
  } finally {
    conn.destroy();
  }
  const router = proxy.proxy.router;
  await until(
    () => {
      const map = router.slotMap;
      if (map.masters.length === 0 || map.replicaLists.some((l) => l.length === 0)) return false;
      const replicas = new Set(map.replicaLists.flat());
      const states = router.replicaStates().filter((s) => replicas.has(s.address));
      return states.length === replicas.size && states.every((s) => s.usable);
    },
    'every master has a replica in the slot map and every replica takes reads',
    limitMs,
  );
}

/** The replicas and the masters of the proxy's slot map. */
export function nodesByRole(proxy: RunningProxy): { masters: string[]; replicas: string[] } {
  const map = proxy.proxy.router.slotMap;
  return { masters: [...map.masters], replicas: map.replicaLists.flat() };
}

/** GETs the nodes ran, from their own INFO commandstats, summed. */
export async function getCalls(addresses: readonly string[]): Promise<number> {
  let n = 0;
  for (const a of addresses) {
    const { host, port } = parseAddress(a);
    const [text] = await respCommands(host, port, [['INFO', 'commandstats']]);
    n += Number(/cmdstat_get:calls=(\d+)/.exec(String(text))?.[1] ?? 0);
  }
  return n;
}

/**
 * Connections that SET big values (16 KiB unless told) on keys of every slot range, pipelined,
 * until stopped: the replicas apply the stream after their masters, as under real write load.
 */
export class HeavyWrites {
  private on = true;
  private readonly loops: Promise<void>[] = [];

  constructor(port: number, prefix: string, connections = 3, valueBytes = 16 * 1024) {
    const value = 'x'.repeat(valueBytes);
    for (let c = 0; c < connections; c++) {
      this.loops.push(
        (async () => {
          const conn = await RawConn.connect(port);
          const keys = keysAcrossSlots(`${prefix}${c}-`, 32);
          try {
            while (this.on && !conn.closed) await conn.send(keys.map((k) => ['SET', k, value]));
          } finally {
            conn.destroy();
          }
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    this.on = false;
    await Promise.all(this.loops);
  }
}
