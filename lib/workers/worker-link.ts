// A worker's side of the IPC channel: answers the primary's requests for its snapshot, asks the
// primary for everyone's (INFO of the whole proxy) and passes RESETSTAT on.
import type { ProxyView } from '../metrics/view';
import { resetProxyStats } from '../metrics/reset';
import type { Peers, Routing } from '../proxy/context';
import { GATHER_TIMEOUT_MS, isMessage, type PrimaryMessage, type WorkerMessage } from './messages';
import { ClusterView, takeSnapshot, type WorkerSnapshot } from './snapshot';

export class WorkerLink implements Peers {
  private nextId = 1;
  private readonly waiting = new Map<number, (snaps: WorkerSnapshot[]) => void>();
  private readonly onMessage = (m: unknown): void => this.receive(m);

  constructor(private readonly proxy: ProxyView & Pick<Routing, 'scripts'>) {
    process.on('message', this.onMessage);
  }

  send(m: WorkerMessage): void {
    // the channel is gone while the primary exits: the worker is about to be stopped anyway
    if (process.connected) process.send!(m);
  }

  clusterView(): Promise<ProxyView> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const done = (snaps: WorkerSnapshot[]): void => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(snaps.length ? new ClusterView(this.proxy.config, snaps) : this.proxy);
      };
      // the primary answers within GATHER_TIMEOUT_MS even when a worker does not; this one is
      // for a primary that is gone
      const timer = setTimeout(() => done([]), GATHER_TIMEOUT_MS * 2);
      this.waiting.set(id, done);
      this.send({ slotproxy: 'gather', id });
    });
  }

  resetAll(): void {
    resetProxyStats(this.proxy);
    this.send({ slotproxy: 'resetstat' });
  }

  shareScript(sha: string, frame: Buffer): void {
    this.send({ slotproxy: 'script', sha, frame: frame.toString('base64') });
  }

  flushScripts(): void {
    this.send({ slotproxy: 'script-flush' });
  }

  close(): void {
    process.off('message', this.onMessage);
    for (const done of [...this.waiting.values()]) done([]);
  }

  private receive(m: unknown): void {
    if (!isMessage<PrimaryMessage>(m)) return;
    if (m.slotproxy === 'snapshot') this.send({ slotproxy: 'snapshot', id: m.id, snapshot: takeSnapshot(this.proxy) });
    else if (m.slotproxy === 'gathered') this.waiting.get(m.id)?.(m.snapshots);
    else if (m.slotproxy === 'resetstat') resetProxyStats(this.proxy);
    else if (m.slotproxy === 'script') this.proxy.scripts.set(m.sha, Buffer.from(m.frame, 'base64'));
    else if (m.slotproxy === 'script-flush') this.proxy.scripts.clear();
  }
}
