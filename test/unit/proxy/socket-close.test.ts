// Ending a client connection after its last reply, with a fake socket: closed for good once the
// reply reached the kernel, or once the writes stall (a client that does not read), never while
// a reading client is still receiving its replies.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { closeAfterWrites } from '../../../lib/proxy/socket-close';

class FakeSocket extends EventEmitter {
  writableEnded = false;
  destroyed = false;
  writableLength = 0;
  ends = 0;
  private finished: (() => void) | null = null;

  end(cb?: () => void): void {
    this.ends++;
    this.writableEnded = true;
    this.finished = cb ?? null;
    if (this.writableLength === 0) this.finish();
  }

  /** the kernel took the last bytes */
  finish(): void {
    this.writableLength = 0;
    this.finished?.();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('closing a client after its last reply', function () {
  it('is closed for good as soon as the reply is written', function () {
    const s = new FakeSocket();
    closeAfterWrites(s);
    assert.equal(s.destroyed, true);
  });

  it('waits for the replies still queued, then closes', function () {
    const s = new FakeSocket();
    s.writableLength = 500;
    closeAfterWrites(s);
    assert.equal(s.destroyed, false);
    s.finish();
    assert.equal(s.destroyed, true);
  });

  it('is closed anyway when the client stops reading', async function () {
    const s = new FakeSocket();
    s.writableLength = 500;
    closeAfterWrites(s, 20);
    await sleep(60);
    assert.equal(s.destroyed, true);
  });

  it('is kept open while the client reads, however slowly', async function () {
    const s = new FakeSocket();
    s.writableLength = 50_000;
    closeAfterWrites(s, 100);
    // a little progress every 10 ms, for three times the bound
    for (let i = 0; i < 30; i++) {
      await sleep(10);
      s.writableLength -= 1000;
    }
    assert.equal(s.destroyed, false);
    s.finish();
    assert.equal(s.destroyed, true);
  });

  it('ends a socket once, however often it is asked', function () {
    const s = new FakeSocket();
    s.writableLength = 10;
    closeAfterWrites(s);
    closeAfterWrites(s);
    assert.equal(s.ends, 1);
    s.destroy();
  });
});
