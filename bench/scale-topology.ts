// The refresher's CPU path on a large simulated topology, in-process: CLUSTER SLOTS bytes through
// redis-parser (as ControlConnection decodes them) to parseClusterSlots / SlotMap, plus the
// SlotMap walks every refresh also does (allNodes() for the candidates and in applyMap, sameAs()
// in onTopology).
import RedisParser from 'redis-parser';
import { parseClusterSlots } from '../lib/cluster/cluster-slots';
import { SLOTS, SlotMap, type ShardInfo } from '../lib/cluster/slot-map';
import { encode, type RespValue } from '../lib/protocol/resp';
import { median } from './scale-proxy';

export interface TopologyVariant {
  name: string;
  masters: number;
  replicasPerMaster: number;
  ranges: number;
}

export interface TopologyRow {
  v: TopologyVariant;
  bytes: number;
  runs: number;
  /** medians, ms, over refreshes simulated back to back (see refreshSteps) */
  decodeMs: number;
  parseMs: number;
  allNodesMs: number;
  sameAsMs: number;
  refreshMs: number;
  /** median of the first 5 simulated refreshes: the proxy refreshes every 5 s, so its code stays cold */
  firstRefreshMs: number;
  /** SlotMap.fromRanges alone, on ranges built once */
  fromRangesMs: number;
}

const CHUNK = 64 * 1024; // what a loopback socket read typically hands over
const HOST = '10.0.0.1';

const nodeId = (n: number): string => n.toString(16).padStart(40, '0');

/**
 * Redis 7's shape: [start, end, [ip, port, id, metadata]...], master first. Range r goes to
 * master r % masters, so with more ranges than masters the slots are interleaved (the
 * fragmented layout left behind by many small migrations) and no two rows merge.
 */
export function simulatedTopology(v: TopologyVariant): { reply: Buffer; ranges: { start: number; end: number; shard: ShardInfo }[] } {
  const rows: RespValue[] = [];
  const ranges: { start: number; end: number; shard: ShardInfo }[] = [];
  for (let r = 0; r < v.ranges; r++) {
    const start = Math.floor((r * SLOTS) / v.ranges);
    const end = Math.floor(((r + 1) * SLOTS) / v.ranges) - 1;
    const m = r % v.masters;
    const nodes = [{ port: 20000 + m, id: m }];
    for (let k = 0; k < v.replicasPerMaster; k++) nodes.push({ port: 30000 + k * v.masters + m, id: (k + 1) * v.masters + m });
    rows.push([start, end, ...nodes.map((n): RespValue => [HOST, n.port, nodeId(n.id), []])]);
    ranges.push({ start, end, shard: { master: `${HOST}:${nodes[0].port}`, replicas: nodes.slice(1).map((n) => `${HOST}:${n.port}`) } });
  }
  return { reply: encode(rows), ranges };
}

function decode(chunks: Buffer[]): unknown {
  let out: unknown;
  const parser = new RedisParser({
    returnReply: (reply: unknown) => (out = reply),
    returnError: (err: Error) => {
      throw err;
    },
    returnFatalError: (err: Error) => {
      throw err;
    },
    returnBuffers: false,
  });
  for (const c of chunks) parser.execute(c);
  if (out === undefined) throw new Error('incomplete reply');
  return out;
}

/** Median ms of `fn`, run at least `minRuns` times and for at least `minMs` (at most 5 s). */
function timeMedian(fn: () => unknown, minRuns = 50, minMs = 1000): number {
  for (let i = 0; i < 5; i++) fn(); // warm-up, so the optimised code is what is timed
  const times: number[] = [];
  const start = performance.now();
  while ((times.length < minRuns || performance.now() - start < minMs) && performance.now() - start < 5000) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/**
 * The refresher's steps as one refresh does them, on fresh bytes and a fresh map every time:
 * reusing one map would time strings the GC has long since flattened, which the addresses of a
 * map built a moment ago are not (allNodes() and sameAs() compare them).
 */
function refreshSteps(chunks: Buffer[], minRuns = 50, minMs = 1000): { decode: number[]; parse: number[]; allNodes: number[]; sameAs: number[] } {
  const out = { decode: [] as number[], parse: [] as number[], allNodes: [] as number[], sameAs: [] as number[] };
  let current = parseClusterSlots(decode(chunks), HOST);
  current.allNodes();
  const start = performance.now();
  while ((out.decode.length < minRuns || performance.now() - start < minMs) && performance.now() - start < 8000) {
    const t0 = performance.now();
    const reply = decode(chunks);
    const t1 = performance.now();
    const map = parseClusterSlots(reply, HOST);
    const t2 = performance.now();
    current.allNodes(); // fetch(): the candidates to ask, from the map in use
    map.allNodes(); // router.applyMap()
    const t3 = performance.now();
    current.sameAs(map); // onTopology(): was it a change worth logging?
    const t4 = performance.now();
    current = map;
    out.decode.push(t1 - t0);
    out.parse.push(t2 - t1);
    out.allNodes.push(t3 - t2);
    out.sameAs.push(t4 - t3);
  }
  return out;
}

export function measureTopology(v: TopologyVariant): TopologyRow {
  const { reply, ranges } = simulatedTopology(v);
  const chunks: Buffer[] = [];
  for (let i = 0; i < reply.length; i += CHUNK) chunks.push(reply.subarray(i, i + CHUNK));
  const map = parseClusterSlots(decode(chunks), HOST);
  // the simulated reply must decode to the topology it was built from
  if (!map.sameAs(SlotMap.fromRanges(ranges)) || map.masters.length !== v.masters || map.allNodes().length !== v.masters * (1 + v.replicasPerMaster) || map.coveredSlots() !== SLOTS) {
    throw new Error(`${v.name}: the simulated CLUSTER SLOTS reply did not decode to its topology`);
  }
  const steps = refreshSteps(chunks);
  const total = steps.decode.map((d, i) => d + steps.parse[i] + steps.allNodes[i] + steps.sameAs[i]);
  return {
    v,
    bytes: reply.length,
    runs: total.length,
    decodeMs: median(steps.decode),
    parseMs: median(steps.parse),
    allNodesMs: median(steps.allNodes),
    sameAsMs: median(steps.sameAs),
    refreshMs: median(total),
    firstRefreshMs: median(total.slice(0, 5)),
    fromRangesMs: timeMedian(() => SlotMap.fromRanges(ranges)),
  };
}
