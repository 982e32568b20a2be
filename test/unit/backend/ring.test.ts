// Ring: the in-flight FIFO of a backend connection. at/set reach a place from the oldest, across
// the wrap of the array and after it grew (a connection answers overdue commands in place).
import assert from 'node:assert/strict';
import { Ring } from '../../../lib/backend/ring';

describe('Ring', function () {
  it('at() and set() address places from the oldest, across the wrap and after growing', function () {
    const ring = new Ring<number>(4);
    for (let i = 0; i < 3; i++) ring.push(i);
    ring.shift();
    ring.shift();
    for (let i = 3; i < 6; i++) ring.push(i); // wraps: [2, 3, 4, 5]
    assert.deepEqual([0, 1, 2, 3].map((i) => ring.at(i)), [2, 3, 4, 5]);
    ring.set(2, 40);
    ring.push(6); // grows
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => ring.at(i)), [2, 3, 40, 5, 6]);
    assert.equal(ring.at(5), undefined);
    ring.set(7, 99); // past the end: nothing
    assert.deepEqual(ring.drain(), [2, 3, 40, 5, 6]);
  });
});
