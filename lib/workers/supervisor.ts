// The primary process of SLOTPROXY_WORKERS > 1: forks the workers (node:cluster; they share the
// listening socket, the primary hands each new connection to the next worker in turn), replaces
// a worker that dies, gathers the workers' snapshots for INFO and serves the Prometheus endpoint
// for all of them. It holds no client and no backend connection itself.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config';
import { logger } from '../log';
import { MetricsServer } from '../metrics/metrics-server';
import { createMetricsRegistry } from '../metrics/prometheus';
import type { ProxyView } from '../metrics/view';
import { GATHER_TIMEOUT_MS, isMessage, type PrimaryMessage, type WorkerMessage } from './messages';
import { ClusterView, type WorkerSnapshot } from './snapshot';

/** A worker that dies is replaced after this delay, doubled while replacements keep dying young. */
const RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5000;
/** A worker that lived this long resets the delay. */
const HEALTHY_AFTER_MS = 30_000;

export type ReadyInfo = Extract<WorkerMessage, { slotproxy: 'ready' }>;

interface Slot {
  worker: Worker;
  startedAt: number;
  ready: boolean;
}

export class Supervisor {
  private readonly log = logger('primary');
  private readonly slots: Slot[] = [];
  private stopping = false;
  private everReady = false;
  private restartDelay = RESTART_DELAY_MS;
  private nextGather = 1;
  private readonly gathers = new Map<number, { want: Set<number>; got: WorkerSnapshot[]; done: () => void }>();
  private metricsServer: MetricsServer | null = null;
  private view: ProxyView | null = null;

  /** `env` is added to each worker's environment (the demo cluster's seeds). */
  constructor(
    private readonly config: Config,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * Forks the workers and resolves when every one listens, with the first one's start-up facts.
   * Rejects when a worker fails before any has listened (no cluster, port in use ...): the error
   * would be the same in every replacement.
   */
  start(): Promise<ReadyInfo> {
    return new Promise((resolve, reject) => {
      let first: ReadyInfo | null = null;
      const check = (): void => {
        if (first && this.slots.every((s) => s.ready)) resolve(first);
      };
      cluster.on('message', (worker, m) => {
        if (!isMessage<WorkerMessage>(m)) return;
        if (m.slotproxy === 'ready') {
          const slot = this.slots.find((s) => s.worker === worker);
          if (slot) slot.ready = true;
          for (const [sha, frame] of this.scripts) this.send(worker, { slotproxy: 'script', sha, frame });
          this.everReady = true;
          first ??= m;
          check();
        } else this.receive(worker, m);
      });
      cluster.on('exit', (worker, code, signal) => {
        const slot = this.slots.find((s) => s.worker === worker);
        if (!slot) return;
        this.slots.splice(this.slots.indexOf(slot), 1);
        for (const g of this.gathers.values()) if (g.want.delete(worker.id) && g.want.size === 0) g.done();
        if (this.stopping) return;
        if (!this.everReady) {
          this.stopping = true;
          for (const s of this.slots) s.worker.process.kill('SIGTERM');
          reject(new Error(`worker ${worker.process.pid} exited before listening (code ${code ?? signal}); its log above says why`));
          return;
        }
        this.replace(slot, code, signal);
      });
      for (let i = 0; i < this.config.workers; i++) this.fork();
    });
  }

  get pids(): number[] {
    return this.slots.map((s) => s.worker.process.pid!);
  }

  /** The Prometheus endpoint of the whole proxy (SLOTPROXY_METRICS_PORT), in the primary. */
  async serveMetrics(): Promise<number> {
    const registry = createMetricsRegistry(() => this.view!);
    this.metricsServer = await MetricsServer.start(registry, this.config.host, this.config.metricsPort, (err) => this.log.error({ err }, 'metrics listener error'), async () => {
      const snaps = await this.gather();
      if (snaps.length === 0) throw new Error('no worker answered; try again');
      this.view = new ClusterView(this.config, snaps);
    });
    return this.metricsServer.port;
  }

  /** SIGHUP: every worker reads its settings again. */
  reload(): void {
    for (const s of this.slots) s.worker.process.kill('SIGHUP');
  }

  /** SIGTERM to every worker (each finishes its requests in flight), then SIGKILL to stragglers. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.metricsServer?.stop();
    const exits = this.slots.map((s) => new Promise<void>((resolve) => (s.worker.isDead() ? resolve() : s.worker.once('exit', () => resolve()))));
    for (const s of this.slots) s.worker.process.kill('SIGTERM');
    const killer = setTimeout(() => {
      for (const s of this.slots) s.worker.process.kill('SIGKILL');
    }, this.config.shutdownTimeoutMs + 5000);
    await Promise.all(exits);
    clearTimeout(killer);
  }

  private fork(): void {
    const worker = cluster.fork({ ...this.env, SLOTPROXY_WORKER: '1' });
    this.slots.push({ worker, startedAt: Date.now(), ready: false });
  }

  private replace(dead: Slot, code: number | null, signal: string | null): void {
    if (Date.now() - dead.startedAt > HEALTHY_AFTER_MS) this.restartDelay = RESTART_DELAY_MS;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.log.warn({ pid: dead.worker.process.pid, code, signal, restartInMs: delay }, `worker ${dead.worker.process.pid} exited (${signal ?? `code ${code}`}); starting a replacement in ${delay} ms`);
    const timer = setTimeout(() => {
      if (!this.stopping) this.fork();
    }, delay);
    timer.unref();
  }

  /** Every live worker's snapshot; a worker that does not answer in time is left out. */
  private gather(): Promise<WorkerSnapshot[]> {
    const id = this.nextGather++;
    const live = this.slots.filter((s) => s.ready && s.worker.isConnected());
    return new Promise((resolve) => {
      const entry = {
        want: new Set(live.map((s) => s.worker.id)),
        got: [] as WorkerSnapshot[],
        done: () => {
          clearTimeout(timer);
          this.gathers.delete(id);
          resolve(entry.got.sort((a, b) => a.pid - b.pid));
        },
      };
      const timer = setTimeout(entry.done, GATHER_TIMEOUT_MS);
      this.gathers.set(id, entry);
      if (live.length === 0) entry.done();
      for (const s of live) this.send(s.worker, { slotproxy: 'snapshot', id });
    });
  }

  private receive(worker: Worker, m: WorkerMessage): void {
    switch (m.slotproxy) {
      case 'snapshot': {
        const g = this.gathers.get(m.id);
        if (g && g.want.delete(worker.id)) {
          g.got.push(m.snapshot);
          if (g.want.size === 0) g.done();
        }
        return;
      }
      case 'gather':
        void this.gather().then((snapshots) => this.send(worker, { slotproxy: 'gathered', id: m.id, snapshots }));
        return;
      case 'resetstat':
      case 'script':
      case 'script-flush':
        for (const s of this.slots) if (s.worker !== worker) this.send(s.worker, m);
        this.remember(m);
        return;
    }
  }

  /** Scripts loaded so far, for a worker that starts later (a replacement). */
  private readonly scripts = new Map<string, string>();

  private remember(m: WorkerMessage): void {
    if (m.slotproxy === 'script') this.scripts.set(m.sha, m.frame);
    else if (m.slotproxy === 'script-flush') this.scripts.clear();
  }

  private send(worker: Worker, m: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(m);
  }
}
