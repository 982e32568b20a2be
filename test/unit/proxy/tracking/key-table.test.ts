// The proxy's tracking table: who read which key, invalidations to exactly those readers, NOLOOP's
// forgetting, slots moved, and the bound (the oldest keys invalidated for their readers).
import assert from 'node:assert/strict';
import { KeyTable, type Invalidations } from '../../../../lib/proxy/tracking/key-table';
import { slotOf } from '../../../../lib/protocol/crc16';

class Reader {
  active = true;
  constructor(readonly name: string) {}
}

const k = (s: string): Buffer => Buffer.from(s);
const shown = (inv: Invalidations<Reader>): Record<string, string[]> => Object.fromEntries([...inv].map(([r, keys]) => [r.name, keys.map(String)]));

describe('tracking key table', function () {
  it('invalidates a key for the readers that read it, once', function () {
    const table = new KeyTable<Reader>(100, () => undefined);
    const [a, b] = [new Reader('a'), new Reader('b')];
    table.remember(k('x'), a);
    table.remember(k('x'), b);
    table.remember(k('x'), a);
    table.remember(k('y'), b);
    assert.equal(table.size, 2);
    assert.equal(table.items, 3);
    assert.deepEqual(shown(table.invalidate([k('x'), k('nobody')])), { a: ['x'], b: ['x'] });
    assert.deepEqual(shown(table.invalidate([k('x')])), {}, 'forgotten after its invalidation');
    assert.equal(table.items, 1);
  });

  it('skips readers no longer tracking; forgets a writer with NOLOOP', function () {
    const table = new KeyTable<Reader>(100, () => undefined);
    const [a, b] = [new Reader('a'), new Reader('b')];
    table.remember(k('x'), a);
    table.remember(k('x'), b);
    table.forget(k('x'), a);
    b.active = false;
    assert.deepEqual(shown(table.invalidate([k('x')])), {});
    assert.equal(table.items, 0);
  });

  it('invalidates the keys of moved slots only', function () {
    const table = new KeyTable<Reader>(100, () => undefined);
    const a = new Reader('a');
    for (const key of ['{s1}x', '{s1}y', '{s2}z']) table.remember(k(key), a);
    const moved = slotOf('{s1}');
    assert.deepEqual(shown(table.invalidateSlots([moved, 1])), { a: ['{s1}x', '{s1}y'] });
    assert.equal(table.size, 1);
  });

  it('past maxKeys, the oldest keys are invalidated for their readers (also when the bound is lowered)', function () {
    const evicted: Record<string, string[]>[] = [];
    const table = new KeyTable<Reader>(2, (inv) => evicted.push(shown(inv)));
    const a = new Reader('a');
    for (const key of ['one', 'two', 'three']) table.remember(k(key), a);
    assert.deepEqual(evicted, [{ a: ['one'] }]);
    assert.equal(table.size, 2);
    table.maxKeys = 1;
    table.evict();
    assert.deepEqual(evicted[1], { a: ['two'] });
    assert.equal(table.items, 1);
  });
});
