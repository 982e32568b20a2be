// A raw RESP2/RESP3 test connection that hands back whole reply frames, exactly as the server
// wrote them (push frames included, in the order they came): for comparing the proxy's bytes with
// a real Redis's. Frames are cut by slotproxy's own TypeScript reply scanner, which accepts every
// RESP3 type (test/unit/protocol checks it against real Redis 7.0 replies).
import net from 'node:net';
import { ReplyReader, type ReplySink } from '../../lib/protocol/reply-reader';
import { command } from '../../lib/protocol/resp';
import { createJsScanners, type Scanners } from '../../lib/protocol/scanners';

let scanners: Scanners | null = null;

export class Resp3Conn implements ReplySink {
  /** every frame received and not taken yet (latin1) */
  private readonly frames: string[] = [];
  private readonly reader: ReplyReader;
  private waiter: (() => void) | null = null;
  closed = false;
  protocolErrors = 0;

  private constructor(private readonly socket: net.Socket) {
    scanners ??= createJsScanners('test connection');
    this.reader = new ReplyReader(scanners.newReplyScanner(), scanners);
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk, this);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Resp3Conn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new Resp3Conn(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects and says HELLO 3 (its reply is taken). */
  static async resp3(port: number): Promise<Resp3Conn> {
    const c = await Resp3Conn.connect(port);
    const [hello] = await c.call(['HELLO', '3']);
    if (!hello.startsWith('%')) throw new Error(`HELLO 3 answered ${hello}`);
    return c;
  }

  onReply(buf: Buffer, start: number, end: number): void {
    this.frames.push(buf.toString('latin1', start, end));
  }

  onProtocolError(): void {
    this.protocolErrors++;
  }

  /** Writes the commands in one write (a pipeline). */
  send(...commands: string[][]): void {
    this.socket.write(Buffer.concat(commands.map((c) => command(c))));
  }

  /** Writes raw bytes. */
  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next `n` frames, whatever they are (replies and pushes), within `limitMs`. */
  async take(n: number, limitMs = 10_000): Promise<string[]> {
    const until = Date.now() + limitMs;
    while (this.frames.length < n) {
      if (this.closed || this.protocolErrors > 0) throw new Error(`connection ${this.closed ? 'closed' : 'sent bad RESP'} after ${this.frames.length} of ${n} frames: ${JSON.stringify(this.frames)}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`${this.frames.length} of ${n} frames in ${limitMs} ms: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.splice(0, n);
  }

  /** Sends the commands and takes one frame per command. */
  async call(...commands: string[][]): Promise<string[]> {
    this.send(...commands);
    return this.take(commands.length);
  }

  /** Frames received and not taken. */
  get waiting(): number {
    return this.frames.length;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
