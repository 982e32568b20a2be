// The rows of the benchmark: each runs through slotproxy and directly against the cluster
// (redis-benchmark --cluster), with the same parameters.
import type { BenchRun } from './redis-benchmark';

export interface Workload {
  name: string;
  pipeline: number;
  /** fields of the run through the proxy; `direct` overrides for direct access */
  run: Partial<BenchRun>;
  direct?: Partial<BenchRun>;
  quick?: boolean;
  /** runs this many times -n: the fast rows, whose runs would otherwise last about a second */
  nScale: number;
}

/**
 * Pipelined single-key rows run 4 x -n: at 200,000 requests a run lasted about a second, and two
 * full runs of the same code differed by up to 0.2 in proxy/direct on those rows.
 */
export const FAST_ROW_SCALE = 4;

const tenKeys = (prefix: string): string[] => Array.from({ length: 10 }, () => `${prefix}__rand_int__`);

function rows(name: string, run: Partial<BenchRun>, direct: Partial<BenchRun> | undefined, pipelines: number[], quick: boolean, fast = true): Workload[] {
  return pipelines.map((pipeline) => ({ name, pipeline, run, direct, quick, nScale: fast && pipeline > 1 ? FAST_ROW_SCALE : 1 }));
}

export const WORKLOADS: Workload[] = [
  ...rows('SET', { test: 'set' }, undefined, [1, 16], true),
  ...rows('GET', { test: 'get' }, undefined, [1, 16], true),
  // RESP3 clients (redis-benchmark -3 says HELLO 3 on each connection, directly too): through the
  // proxy they use the nodes' RESP3 connections, opened for them (docs/resp3.md). Right after the
  // RESP2 rows that read the same keys: later rows write 1 KiB and 16 KiB values under them (the
  // RESP3 rows ran last until 2026-12-07 and so read 16 KiB values).
  ...rows('RESP3 GET', { test: 'get', resp3: true }, undefined, [1, 16], false),
  // redis-benchmark's MSET sets 10 keys; with --cluster it tags them into one slot, through the
  // proxy they are spread over the cluster and split.
  ...rows('MSET (10 keys, split)', { test: 'mset' }, undefined, [1, 16], true, false),
  ...rows('MGET (10 keys, split)', { command: ['MGET', ...tenKeys('key:')] }, { command: ['MGET', ...tenKeys('key:{tag}:')] }, [1, 16], true, false),
  ...rows('RESP3 MGET (10 keys, split)', { command: ['MGET', ...tenKeys('key:')], resp3: true }, { command: ['MGET', ...tenKeys('key:{tag}:')], resp3: true }, [16], false, false),
  ...rows('INCR', { test: 'incr' }, undefined, [16], false),
  ...rows('LPUSH', { test: 'lpush' }, undefined, [16], false),
  ...rows('LPOP', { test: 'lpop' }, undefined, [16], false),
  ...rows('HSET', { test: 'hset' }, undefined, [16], false),
  ...rows('SET 1 KiB', { test: 'set', dataSize: 1024 }, undefined, [16], false),
  ...rows('SET 16 KiB', { test: 'set', dataSize: 16384 }, undefined, [1, 16], false, false),
];

/**
 * Rows run through a proxy with SLOTPROXY_READ_FROM=master and one with replica, alternating, on
 * a 3-master cluster with a replica each (bench/replica-reads.ts): what reading from replicas
 * gains on GET, and what tracking the clients' writes (read-your-writes) costs on SET.
 */
export const READ_FROM_WORKLOADS: Workload[] = [...rows('GET', { test: 'get' }, undefined, [1, 16], true), ...rows('SET', { test: 'set' }, undefined, [16], true)];
