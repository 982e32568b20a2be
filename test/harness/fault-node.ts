// A fake cluster node for fault tests: a net.Server on 127.0.0.1 that speaks just enough RESP.
// It answers CLUSTER SLOTS (all slots on one address), refuses COMMAND and INFO (the proxy falls
// back to its built-in table), answers ASKING with +OK, and hands every other command to the
// test's handler, which returns the raw reply bytes. It counts what it receives.
import net from 'node:net';
import RedisParser from 'redis-parser';

export type FakeHandler = (args: string[], node: FakeNode) => string;

export interface FakeNodeOptions {
  /** address CLUSTER SLOTS names as master of every slot; the node itself when unset */
  slotsOwner?: () => { host: string; port: number };
  /** delay before answering CLUSTER SLOTS (to see whether refreshes overlap) */
  slotsDelayMs?: number;
  handler: FakeHandler;
}

export class FakeNode {
  readonly host = '127.0.0.1';
  port = 0;
  /** commands received, by upper-case name ("CLUSTER SLOTS" for that one) */
  readonly counts = new Map<string, number>();
  /** CLUSTER SLOTS requests being answered right now, and the most at once */
  slotsInFlight = 0;
  maxSlotsInFlight = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: net.Server | null = null;

  private constructor(private readonly opts: FakeNodeOptions) {}

  static async start(opts: FakeNodeOptions): Promise<FakeNode> {
    const node = new FakeNode(opts);
    await node.listen();
    return node;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    // as Redis does: without it a second small reply waits for the proxy's delayed ACK (~40 ms)
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Replies go out in request order even when CLUSTER SLOTS is answered late.
    let chain: Promise<void> = Promise.resolve();
    const parser = new RedisParser({
      returnReply: (req: unknown) => {
        const args = Array.isArray(req) ? req.map((a) => String(a)) : [String(req)];
        const reply = this.answer(args);
        chain = chain.then(async () => {
          const bytes = await reply;
          if (!socket.destroyed) socket.write(bytes);
        });
      },
      returnError: () => socket.destroy(),
      returnFatalError: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
  }

  private answer(args: string[]): string | Promise<string> {
    const name = (args[0] ?? '').toUpperCase();
    const sub = (args[1] ?? '').toUpperCase();
    const key = name === 'CLUSTER' ? `CLUSTER ${sub}` : name;
    this.counts.set(key, this.count(key) + 1);
    if (key === 'CLUSTER SLOTS') {
      const owner = this.opts.slotsOwner?.() ?? { host: this.host, port: this.port };
      const reply = `*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n${bulk(owner.host)}:${owner.port}\r\n${bulk('f'.repeat(40))}`;
      const delay = this.opts.slotsDelayMs ?? 0;
      if (delay <= 0) return reply;
      this.slotsInFlight++;
      this.maxSlotsInFlight = Math.max(this.maxSlotsInFlight, this.slotsInFlight);
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.slotsInFlight--;
          resolve(reply);
        }, delay);
        this.timers.add(t);
      });
    }
    if (name === 'COMMAND' || name === 'INFO') return `-ERR fake node: no ${name} here\r\n`;
    if (name === 'ASKING') return '+OK\r\n';
    return this.opts.handler(args, this);
  }
}

export function bulk(s: string): string {
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}
