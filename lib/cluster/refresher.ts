// Keeps the slot map fresh: periodically, and when something suggests it is stale (MOVED, a
// lost connection, CLUSTERDOWN). Single-flight with a minimum interval, so a storm of MOVED
// replies causes one refresh; the new map replaces the old one whole.
import { ControlConnection, RedisReplyError, type ControlOptions } from '../backend/control-connection';
import { parseAddress, parseClusterSlots } from './cluster-slots';
import type { SlotMap } from './slot-map';
import { logger } from '../log';

const log = logger('topology');

export interface RefresherOptions {
  seeds: string[]; // "host:port"
  periodMs: number;
  minIntervalMs: number;
  control: ControlOptions;
}

export interface RefreshResult {
  map: SlotMap;
  from: string;
}

export class TopologyRefresher {
  /** refreshes failed in a row */
  private failing = 0;
  private running: Promise<boolean> | null = null;
  private queued: Promise<boolean> | null = null;
  private lastStart = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  readonly stats = { refreshes: 0, failures: 0, lastError: '', lastReason: '', lastAt: 0 };

  constructor(
    private readonly options: RefresherOptions,
    /** nodes to ask, best first (the current map's masters, then replicas) */
    private readonly knownNodes: () => string[],
    private readonly apply: (result: RefreshResult) => void,
  ) {}

  start(): void {
    const tickOnce = (): void => {
      this.timer = setTimeout(() => {
        void this.refresh('periodic').finally(() => {
          if (!this.stopped) tickOnce();
        });
      }, this.options.periodMs);
      this.timer.unref();
    };
    tickOnce();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Asks for a refresh. A refresh already running may have read the topology before the event
   * that asks for this one, so one more is queued behind it, no sooner than the minimum interval.
   */
  refresh(reason: string): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    this.stats.lastReason = reason;
    if (this.queued) return this.queued;
    if (this.running) {
      const after = this.running;
      this.queued = after.then(() => this.delayThenRun());
      return this.queued;
    }
    return this.delayThenRun();
  }

  /** One attempt over every candidate, in order; resolves with the first map any node gives. */
  async fetch(): Promise<RefreshResult> {
    const tried: string[] = [];
    const candidates = [...new Set([...this.knownNodes(), ...this.options.seeds])];
    for (const address of candidates) {
      const { host, port } = parseAddress(address);
      try {
        const conn = await ControlConnection.connect(host, port, this.options.control);
        try {
          const map = parseClusterSlots(await conn.call('CLUSTER', 'SLOTS'), host);
          if (map.masters.length === 0) throw new Error('it serves no slots (is the cluster created?)');
          return { map, from: address };
        } finally {
          conn.close();
        }
      } catch (err) {
        const message = err instanceof RedisReplyError ? `answered "${err.message}"` : (err as Error).message;
        tried.push(`${address}: ${message}`);
      }
    }
    throw new Error(`no cluster node answered CLUSTER SLOTS (${tried.join('; ') || 'no nodes known'})`);
  }

  private delayThenRun(): Promise<boolean> {
    const wait = Math.max(0, this.lastStart + this.options.minIntervalMs - Date.now());
    const run = (): Promise<boolean> => {
      this.queued = null;
      this.lastStart = Date.now();
      this.running = this.fetch()
        .then((result) => {
          if (this.failing) log.info(`topology refresh works again after ${this.failing} failure(s)`);
          this.failing = 0;
          this.stats.refreshes++;
          this.stats.lastAt = Date.now();
          if (!this.stopped) this.apply(result);
          return true;
        })
        .catch((err: Error) => {
          // the first failure of a streak is logged; the rest show in INFO cluster and the metrics
          if (this.failing++ === 0) log.warn({ err: err.message }, `topology refresh failed: ${err.message}`);
          this.stats.failures++;
          this.stats.lastError = err.message;
          return false;
        })
        .finally(() => {
          this.running = null;
        });
      return this.running;
    };
    if (wait === 0) return run();
    const p = new Promise<boolean>((resolve) => setTimeout(() => resolve(run()), wait).unref());
    this.queued = p;
    return p;
  }
}
