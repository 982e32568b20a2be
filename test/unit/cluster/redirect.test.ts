import assert from 'node:assert/strict';
import { parseClusterSlots } from '../../../lib/cluster/cluster-slots';
import { parseRedirect } from '../../../lib/cluster/redirect';
import { SlotMap } from '../../../lib/cluster/slot-map';

const frame = (s: string): Buffer => Buffer.from(`-${s}\r\n`);

describe('redirect parsing', function () {
  it('reads MOVED and ASK targets', function () {
    assert.deepEqual(parseRedirect(frame('MOVED 3999 127.0.0.1:6381'), 'x'), { slot: 3999, address: '127.0.0.1:6381' });
    assert.deepEqual(parseRedirect(frame('ASK 0 10.1.2.3:7000'), 'x'), { slot: 0, address: '10.1.2.3:7000' });
    assert.deepEqual(parseRedirect(frame('MOVED 16383 [::1]:7000'), 'x'), { slot: 16383, address: '[::1]:7000' });
  });

  it('an empty host means the node that answered (Redis 7 unknown endpoint)', function () {
    assert.deepEqual(parseRedirect(frame('MOVED 12 :7001'), '127.0.0.5'), { slot: 12, address: '127.0.0.5:7001' });
  });

  it('refuses malformed redirects instead of using them', function () {
    for (const bad of [
      'MOVED abc 127.0.0.1:6381',
      'MOVED 16384 127.0.0.1:6381',
      'MOVED -1 127.0.0.1:6381',
      'MOVED 1 127.0.0.1:0',
      'MOVED 1 127.0.0.1:70000',
      'MOVED 1 127.0.0.1',
      'MOVED 1 host name:1',
      'MOVED 1 a/b:1',
      'MOVED',
      'ASK 1',
      'MOVED 1 127.0.0.1:6381 extra',
    ]) {
      assert.equal(parseRedirect(frame(bad), 'x'), null, bad);
    }
  });

  it('a hostile host such as __proto__ is only a name: it never touches object prototypes', function () {
    const t = parseRedirect(frame('MOVED 5 __proto__:1'), 'x');
    assert.deepEqual(t, { slot: 5, address: '__proto__:1' });
    const map = SlotMap.empty().withSlot(5, t!.address);
    assert.equal(map.owner(5), '__proto__:1');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('slot map', function () {
  it('is built from CLUSTER SLOTS and swapped whole on change', function () {
    const reply = [
      [0, 5460, ['127.0.0.1', 7000, 'id0'], ['127.0.0.1', 7003, 'id3']],
      [5461, 10922, ['', 7001, 'id1']],
      [10923, 16383, ['127.0.0.1', 7002, 'id2']],
    ];
    const map = parseClusterSlots(reply, '127.0.0.9');
    assert.equal(map.owner(0), '127.0.0.1:7000');
    assert.equal(map.owner(5461), '127.0.0.9:7001', 'an empty host is the node asked');
    assert.equal(map.owner(16383), '127.0.0.1:7002');
    assert.deepEqual(map.replicas.get('127.0.0.1:7000'), ['127.0.0.1:7003']);
    assert.equal(map.coveredSlots(), 16384);
    const moved = map.withSlot(0, '127.0.0.1:7002');
    assert.equal(moved.owner(0), '127.0.0.1:7002');
    assert.equal(map.owner(0), '127.0.0.1:7000', 'the old map is untouched');
    assert.equal(moved.sameAs(map), false);
  });

  it('refuses replies that are not CLUSTER SLOTS', function () {
    assert.throws(() => parseClusterSlots('OK', 'h'));
    assert.throws(() => parseClusterSlots([[0, 20000, ['h', 1]]], 'h'), /bad range/);
    assert.throws(() => parseClusterSlots([[0, 10, ['h', 'x']]], 'h'), /no usable master/);
  });

  it('unserved slots have no owner', function () {
    const map = parseClusterSlots([[0, 100, ['h', 1]]], 'h');
    assert.equal(map.owner(101), null);
    assert.equal(map.coveredSlots(), 101);
  });
});
