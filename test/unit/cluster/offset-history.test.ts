import assert from 'node:assert/strict';
import { OffsetHistory } from '../../../lib/cluster/offset-history';

describe('OffsetHistory (a master’s offsets, poll round by poll round)', function () {
  /** rounds 1..n sent at 1000 + 10 * round ms, the master at offset 100 * round */
  function history(n: number, capacity = 64): OffsetHistory {
    const h = new OffsetHistory(capacity);
    for (let r = 1; r <= n; r++) h.record(r, 100 * r, 1000 + 10 * r, 'a');
    return h;
  }

  it('a replica that reached the newest offset is 0 ms behind and safe up to the newest round', function () {
    assert.deepEqual(history(5).standing(500, 2000), { round: 5, lagMs: 0 });
    assert.deepEqual(history(5).standing(650, 2000), { round: 5, lagMs: 0 });
  });

  it('a replica behind: the latest round it reached, and the time since that round’s poll was sent', function () {
    // it has offset 300 (round 3, sent at 1030) but not 400: its data is at most 970 ms old at 2000
    assert.deepEqual(history(5).standing(399, 2000), { round: 3, lagMs: 970 });
    assert.deepEqual(history(5).standing(100, 1100), { round: 1, lagMs: 90 });
  });

  it('below every offset kept: round -1 and the time since the oldest poll (at least that far behind)', function () {
    assert.deepEqual(history(5).standing(99, 2000), { round: -1, lagMs: 990 });
    // the ring keeps the latest 4 rounds (7..10): offset 650 is below them all
    assert.deepEqual(history(10, 4).standing(650, 2000), { round: -1, lagMs: 930 });
    assert.deepEqual(history(10, 4).standing(700, 2000), { round: 7, lagMs: 930 });
  });

  it('a new replication history starts the ring again; an empty one answers round -1', function () {
    const h = history(5);
    h.record(6, 50, 1060, 'b');
    assert.equal(h.replid, 'b');
    assert.deepEqual(h.standing(499, 2000), { round: 6, lagMs: 0 });
    assert.deepEqual(h.standing(49, 2000), { round: -1, lagMs: 940 });
    assert.deepEqual(new OffsetHistory(8).standing(10, 0), { round: -1, lagMs: 0 });
    assert.equal(new OffsetHistory(8).empty, true);
  });

  it('rounds the poller skipped (a master still busy) leave gaps that change nothing', function () {
    const h = new OffsetHistory(16);
    h.record(1, 100, 1010, 'a');
    h.record(4, 400, 1040, 'a');
    assert.deepEqual(h.standing(399, 1050), { round: 1, lagMs: 40 });
    assert.deepEqual(h.standing(400, 1050), { round: 4, lagMs: 0 });
  });
});
