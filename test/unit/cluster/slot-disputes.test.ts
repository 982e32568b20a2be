// SlotDisputes: a MOVED that reverses its slot's previous MOVED, recently, marks two nodes that
// disagree about the slot; anything else is an ordinary stale map.
import assert from 'node:assert/strict';
import { SlotDisputes } from '../../../lib/cluster/slot-disputes';

const A = '127.0.0.1:7001';
const B = '127.0.0.1:7002';
const C = '127.0.0.1:7003';

describe('SlotDisputes', function () {
  it('a MOVED back to where the slot was just redirected from is a dispute; the way on is not', function () {
    const d = new SlotDisputes();
    assert.equal(d.moved(100, A, B, 0, 1000), false, 'a first MOVED');
    assert.equal(d.moved(100, B, A, 10, 1000), true, 'B sends back to A');
    assert.equal(d.moved(100, A, B, 20, 1000), true, 'and A to B again');
    assert.equal(d.moved(100, B, C, 30, 1000), false, 'a chain onwards');
    assert.equal(d.moved(200, C, B, 40, 1000), false, 'slots are apart');
  });

  it('a node that names itself is no dispute', function () {
    const d = new SlotDisputes();
    assert.equal(d.moved(100, A, A, 0, 1000), false);
    assert.equal(d.moved(100, A, A, 1, 1000), false);
  });

  it('a reversal after the window is a slot moving back, not a dispute', function () {
    const d = new SlotDisputes();
    d.moved(100, A, B, 0, 1000);
    assert.equal(d.moved(100, B, A, 1001, 1000), false);
  });
});
