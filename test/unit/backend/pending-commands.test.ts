// A node connection's unwritten commands: written in order, none lost or written twice across
// the two arrays that take turns, the expired ones taken out in order, and none kept alive by the
// spare array once written.
import assert from 'node:assert/strict';
import { PendingCommands } from '../../../lib/backend/pending-commands';

type Cmd = { readonly id: number; readonly deadline: number };

describe('PendingCommands: what a node connection writes at the turn end', () => {
  it('gives every command once, in order, turn after turn (more than the arrays held before too)', () => {
    const p = new PendingCommands<Cmd>();
    let next = 0;
    const written: number[] = [];
    for (let turn = 0; turn < 50; turn++) {
      const n = (turn * 7) % 23;
      for (let i = 0; i < n; i++) p.push({ id: next++, deadline: Infinity });
      assert.equal(p.count, n);
      const count = p.count;
      const cmds = p.drain();
      assert.equal(p.count, 0);
      // a command routed while the turn's are written goes to the next turn
      if (turn % 5 === 0) p.push({ id: -1, deadline: Infinity });
      for (let i = 0; i < count; i++) written.push(cmds[i]!.id);
      p.recycle(cmds, count);
      assert.ok(cmds.slice(0, count).every((c) => c === null), 'the spare array holds no command');
      if (turn % 5 === 0) {
        assert.deepEqual(p.take().map((c) => c.id), [-1]);
      }
    }
    assert.deepEqual(written, Array.from({ length: next }, (_, i) => i));
  });

  it('take() gives the unwritten commands and empties the list', () => {
    const p = new PendingCommands<Cmd>();
    for (let i = 0; i < 5; i++) p.push({ id: i, deadline: Infinity });
    p.recycle(p.drain(), 5);
    p.push({ id: 9, deadline: Infinity });
    p.push({ id: 10, deadline: Infinity });
    assert.deepEqual(p.take().map((c) => c.id), [9, 10]);
    assert.equal(p.count, 0);
    assert.deepEqual(p.take(), []);
  });

  it('expire() takes out those whose deadline passed, in order, and keeps the others in order', () => {
    const p = new PendingCommands<Cmd>();
    assert.deepEqual(p.expire(100), []);
    [10, 20, 30, 40].forEach((d, i) => p.push({ id: i, deadline: d }));
    assert.deepEqual(p.expire(5), []);
    assert.deepEqual(p.expire(25).map((c) => c.id), [0, 1]);
    assert.equal(p.count, 2);
    p.push({ id: 4, deadline: 50 });
    const count = p.count;
    const cmds = p.drain();
    assert.deepEqual(cmds.slice(0, count).map((c) => c!.id), [2, 3, 4]);
  });
});
