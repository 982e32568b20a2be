// A plain request/response Redis connection for the control path: topology discovery, command
// metadata, the harness and scripts. Replies are decoded into values with redis-parser; this is
// never used for client traffic.
import type net from 'node:net';
import RedisParser from 'redis-parser';
import { dial, type TlsMaterial } from './dial';
import { command } from '../protocol/resp';

export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisReplyError';
  }
}

export interface ControlOptions {
  connectTimeoutMs?: number;
  /** per command; the connection is closed when it passes */
  commandTimeoutMs?: number;
  username?: string;
  password?: string;
  returnBuffers?: boolean;
  tls?: TlsMaterial | null;
}

interface Waiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class ControlConnection {
  private readonly waiters: Waiter[] = [];
  private closedError: Error | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly socket: net.Socket,
    readonly address: string,
    private readonly commandTimeoutMs: number,
  ) {}

  static async connect(host: string, port: number, opts: ControlOptions = {}): Promise<ControlConnection> {
    const address = `${host}:${port}`;
    const { socket, ready } = dial(host, port, opts.tls ?? null);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${address} timed out after ${opts.connectTimeoutMs ?? 2000} ms`));
      }, opts.connectTimeoutMs ?? 2000);
      socket.once(ready, () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`connect to ${address} failed: ${err.message}`));
      });
    });
    const conn = new ControlConnection(socket, address, opts.commandTimeoutMs ?? 5000);
    const parser = new RedisParser({
      returnReply: (reply: unknown) => conn.settle(reply, null),
      returnError: (err: Error) => conn.settle(null, new RedisReplyError(err.message)),
      returnFatalError: (err: Error) => conn.fail(new Error(`bad reply from ${address}: ${err.message}`)),
      returnBuffers: opts.returnBuffers ?? false,
    });
    socket.on('data', (chunk) => parser.execute(chunk));
    socket.on('error', (err) => conn.fail(new Error(`connection to ${address} failed: ${err.message}`)));
    socket.on('close', () => conn.fail(new Error(`connection to ${address} closed`)));
    if (opts.password !== undefined) {
      const args = opts.username ? ['AUTH', opts.username, opts.password] : ['AUTH', opts.password];
      await conn.call(...args).catch((err) => {
        conn.close();
        throw err;
      });
    }
    return conn;
  }

  call(...args: (string | Buffer | number)[]): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.socket.write(command(args.map((a) => (typeof a === 'number' ? String(a) : a))));
      this.armTimer();
    });
  }

  close(): void {
    this.fail(new Error(`connection to ${this.address} closed by us`));
  }

  private armTimer(): void {
    if (this.timer || !this.waiters.length) return;
    this.timer = setTimeout(() => {
      this.fail(new Error(`${this.address} did not answer within ${this.commandTimeoutMs} ms`));
    }, this.commandTimeoutMs);
  }

  private settle(reply: unknown, err: Error | null): void {
    const w = this.waiters.shift();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.armTimer();
    if (!w) return;
    if (err) w.reject(err);
    else w.resolve(reply);
  }

  private fail(err: Error): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.closedError) this.closedError = err;
    this.socket.destroy();
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

/** One command on a fresh connection. */
export async function callOnce(host: string, port: number, args: (string | number)[], opts: ControlOptions = {}): Promise<unknown> {
  const conn = await ControlConnection.connect(host, port, opts);
  try {
    return await conn.call(...args);
  } finally {
    conn.close();
  }
}
