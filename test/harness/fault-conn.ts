// A raw pipelining RESP client for fault tests: it writes a batch of commands in one write and
// matches replies to requests strictly in FIFO order, so a test sees exactly what the proxy sent
// back (one reply or error per request, in order) without a client library's retries or queues.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import RedisParser from 'redis-parser';

export type Reply = string | number | null | Reply[];

export interface ReplyOutcome {
  ok: boolean;
  /** the reply when ok */
  value?: Reply;
  /** the error text (without '-') or why no reply came */
  error?: string;
  /** performance.now() when the reply (or failure) arrived */
  at: number;
  /** the connection ended before the reply: a violation of "exactly one reply per request" */
  noReply?: boolean;
}

export function encode(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** The inline form of a command (`SET k v\r\n`, as redis-cli or telnet send it); no spaces in args. */
export function encodeInline(args: readonly string[]): Buffer {
  return Buffer.from(`${args.join(' ')}\r\n`);
}

interface Waiter {
  settle(o: ReplyOutcome): void;
}

export class RawConn {
  private readonly waiters: Waiter[] = [];
  private readonly parser: RedisParser;
  closed = false;
  /** replies that arrived when no request was waiting (a protocol violation by the server) */
  extraReplies = 0;
  closeReason = '';

  private constructor(readonly socket: net.Socket) {
    this.parser = new RedisParser({
      returnReply: (reply: Reply) => this.settle({ ok: true, value: reply, at: performance.now() }),
      returnError: (err: Error) => this.settle({ ok: false, error: err.message, at: performance.now() }),
      returnFatalError: (err: Error) => this.fail(`unparsable reply: ${err.message}`),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.parser.execute(chunk));
    socket.on('error', (err) => this.fail(err.message));
    socket.on('close', () => this.fail('connection closed'));
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawConn(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get outstanding(): number {
    return this.waiters.length;
  }

  /** Sends every command in one write; resolves with one outcome per command, in order. */
  send(cmds: readonly (readonly (string | Buffer)[])[]): Promise<ReplyOutcome[]> {
    return this.sendFrames(cmds.map((c) => encode(c)));
  }

  /** Sends commands already encoded (RESP or inline, one command each) in one write. */
  sendFrames(frames: readonly Buffer[]): Promise<ReplyOutcome[]> {
    const out: Promise<ReplyOutcome>[] = [];
    for (let i = 0; i < frames.length; i++) out.push(new Promise((resolve) => this.waiters.push({ settle: resolve })));
    if (this.closed) {
      this.fail(this.closeReason);
    } else {
      this.socket.write(Buffer.concat(frames));
    }
    return Promise.all(out);
  }

  async call(...args: (string | Buffer)[]): Promise<ReplyOutcome> {
    return (await this.send([args]))[0];
  }

  destroy(): void {
    this.socket.destroy();
    this.fail('destroyed by the test');
  }

  private settle(o: ReplyOutcome): void {
    const w = this.waiters.shift();
    if (!w) {
      this.extraReplies++;
      return;
    }
    w.settle(o);
  }

  private fail(reason: string): void {
    if (!this.closed) {
      this.closed = true;
      this.closeReason = reason;
      this.socket.destroy();
    }
    const at = performance.now();
    for (const w of this.waiters.splice(0)) w.settle({ ok: false, error: `no reply: ${reason}`, at, noReply: true });
  }
}
