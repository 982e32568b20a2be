// The raw test client ends an exchange at its sentinel's reply only: a reply split across reads,
// or a PONG of the input's own PING arriving alone, must not end it early (the flake of
// local-commands' "PING and ECHO" test).
import assert from 'node:assert/strict';
import net from 'node:net';
import { exchange } from '../../harness/raw-client';
import { frameEnd, frames } from '../../harness/resp-frames';

/** A loopback server that answers each connection's bytes with `script`: writes spaced apart. */
async function scripted(script: (received: string) => string[]): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((socket) => {
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
      const sentinel = /PING (sentinel-\w+)\r\n/.exec(received);
      if (!sentinel) return;
      const writes = [...script(received), `$${sentinel[1].length}\r\n${sentinel[1]}\r\n`];
      const next = (): void => {
        const w = writes.shift();
        if (w === undefined || socket.destroyed) return;
        socket.write(w);
        setTimeout(next, 20);
      };
      next();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('raw test client (test/harness/raw-client.ts)', function () {
  it('a PONG of the input arriving alone does not end the exchange', async function () {
    const s = await scripted(() => ['+PONG\r\n', '+PONG\r\n']);
    try {
      const r = await exchange(s.port, 'PING\r\nPING\r\n');
      assert.equal(r.data.toString(), '+PONG\r\n+PONG\r\n');
      assert.equal(r.closed, false);
    } finally {
      s.close();
    }
  });

  it('a reply split across reads is read whole', async function () {
    const s = await scripted(() => ['$4\r\nx\r', '\ny\r\n*2\r\n+PO', 'NG\r\n:1\r\n']);
    try {
      const r = await exchange(s.port, 'ECHO x\r\n');
      assert.equal(r.data.toString(), '$4\r\nx\r\ny\r\n*2\r\n+PONG\r\n:1\r\n');
    } finally {
      s.close();
    }
  });
});

describe('RESP framing of the test harness (test/harness/resp-frames.ts)', function () {
  it('finds where each reply ends, and -1 for a reply not all there', function () {
    const all = Buffer.from('+OK\r\n$-1\r\n*2\r\n$1\r\na\r\n:2\r\n%1\r\n+k\r\n#t\r\n|1\r\n+a\r\n:1\r\n,1.5\r\n_\r\n>2\r\n+p\r\n~0\r\n');
    const ends = frames(all).map(([, end]) => end);
    assert.equal(ends.at(-1), all.length);
    assert.equal(ends.length, 7);
    for (let cut = 1; cut < all.length; cut++) {
      const part = all.subarray(0, cut);
      assert.deepEqual(frames(part).map(([, end]) => end), ends.filter((e) => e <= cut), `cut at ${cut}`);
    }
  });

  it('refuses bytes that are not a reply', function () {
    assert.throws(() => frameEnd(Buffer.from('HTTP/1.1 400\r\n'), 0), /not a RESP reply/);
  });
});
