// Throughput as the servers count it, while redis-benchmark runs. With --cluster, redis-benchmark
// runs a thread per node and notices the end of a run only in its 250 ms throughput timer, so the
// time it divides by is rounded up to that tick: at 800,000 direct SETs a run of ~1.6 s was
// reported as 1.506, 1.758 or 2.014 s (up to 14% slow, never fast). Through the proxy it runs no
// threads and its figure is exact. Reading `total_commands_processed` (INFO stats) every few tens
// of milliseconds from the servers that count the client's commands (the masters directly, the
// proxy through it) gives both the same way: the steady rate between 10% and 90% of the run.
import net from 'node:net';
import RedisParser from 'redis-parser';

const INTERVAL_MS = 40;
const INFO = Buffer.from('*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n');

interface Sample {
  /** ms (performance.now) halfway between the INFO's write and its reply */
  at: number;
  /** commands counted by the servers, minus the probe's own INFOs */
  count: number;
}

/** One connection per server; `sample()` asks all of them once and sums. */
export class RateProbe {
  private readonly conns: { socket: net.Socket; waiting: ((n: number) => void)[] }[] = [];
  private samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private polls = 0;
  private busy = false;

  private constructor() {}

  static async open(ports: number[]): Promise<RateProbe> {
    const probe = new RateProbe();
    for (const port of ports) {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      const waiting: ((n: number) => void)[] = [];
      const parser = new RedisParser({
        returnReply: (reply: string) => waiting.shift()?.(Number(/total_commands_processed:(\d+)/.exec(String(reply))?.[1] ?? NaN)),
        returnError: () => waiting.shift()?.(NaN),
        returnFatalError: () => socket.destroy(),
      });
      socket.on('data', (chunk: Buffer) => parser.execute(chunk));
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.on('error', () => undefined);
      probe.conns.push({ socket, waiting });
    }
    return probe;
  }

  private async sample(): Promise<Sample> {
    const sent = performance.now();
    const counts = await Promise.all(
      this.conns.map(
        (c) =>
          new Promise<number>((resolve) => {
            c.waiting.push(resolve);
            c.socket.write(INFO);
          }),
      ),
    );
    const at = (sent + performance.now()) / 2;
    // each server counts every INFO it was sent, this one included
    this.polls++;
    return { at, count: counts.reduce((s, n) => s + n, 0) - this.polls * this.conns.length };
  }

  /** Starts sampling; call before the run starts. */
  async start(): Promise<void> {
    this.samples = [];
    this.samples.push(await this.sample());
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.sample()
        .then((s) => this.samples.push(s))
        .finally(() => (this.busy = false));
    }, INTERVAL_MS);
  }

  /**
   * Stops sampling (call once the run is over) and returns the rate (commands/s) between the
   * first sample past 10% of `requests` and the last before 90%, or NaN when the run was too short
   * to have two such samples.
   */
  async stop(requests: number): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    const base = this.samples[0]?.count ?? 0;
    const inside = this.samples.filter((s) => s.count - base >= requests * 0.1 && s.count - base <= requests * 0.9);
    if (inside.length < 2) return NaN;
    const a = inside[0];
    const b = inside[inside.length - 1];
    return ((b.count - a.count) / (b.at - a.at)) * 1000;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.conns) c.socket.destroy();
  }
}
