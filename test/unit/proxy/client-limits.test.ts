// A client's limits with a fake socket: the query buffer, and the output buffer of its mode or,
// without one, of ordinary clients, read at each check (they change at run time).
import assert from 'node:assert/strict';
import { ClientLimits, type OutputLimits } from '../../../lib/proxy/client-limits';

/** LimitSettings, writable as PROXY CONFIG SET changes them */
interface Settings {
  config: { maxPending: number; maxQueryBuffer: number };
  normalOutputLimits: OutputLimits | null;
}

function limits(normal: OutputLimits | null) {
  const socket = { writableLength: 0, isPaused: () => false, pause: () => {}, resume: () => {} };
  const settings: Settings = { config: { maxPending: 10, maxQueryBuffer: 1024 }, normalOutputLimits: normal };
  return { limits: new ClientLimits(socket, settings), socket, settings };
}

describe('client limits', function () {
  it('query buffer: past maxQueryBuffer bytes of an unfinished command', function () {
    const { limits: l, settings } = limits(null);
    assert.equal(l.queryBufferExceeded(1024), false);
    assert.equal(l.queryBufferExceeded(1025), true);
    settings.config.maxQueryBuffer = 4096;
    assert.equal(l.queryBufferExceeded(1025), false, 'the setting is read at each check');
  });

  it('output buffer: the hard limit of ordinary clients, none when unset', function () {
    const { limits: l, socket, settings } = limits({ hard: 1000, soft: Infinity, softSeconds: 0 });
    socket.writableLength = 1000;
    assert.equal(l.outputExceeded(null), false);
    socket.writableLength = 1001;
    assert.equal(l.outputExceeded(null), true);
    settings.normalOutputLimits = null;
    assert.equal(l.outputExceeded(null), false);
  });

  it('output buffer: the limits of the client\'s mode win over those of ordinary clients', function () {
    const { limits: l, socket } = limits({ hard: 1000, soft: Infinity, softSeconds: 0 });
    socket.writableLength = 5000;
    assert.equal(l.outputExceeded({ hard: 10_000, soft: 8000, softSeconds: 60 }), false);
    socket.writableLength = 9000;
    assert.equal(l.outputExceeded({ hard: 10_000, soft: 8000, softSeconds: 60 }), false, 'over the soft limit, not for long yet');
    socket.writableLength = 10_001;
    assert.equal(l.outputExceeded({ hard: 10_000, soft: 8000, softSeconds: 60 }), true);
  });
});
