// The clients' memory and its limit with fake clients: the total kept as clients report, the
// biggest evicted first and only as many as needed, shrunk clients moved instead of evicted,
// CLIENT NO-EVICT honoured, and the setting's sizes and shares.
import assert from 'node:assert/strict';
import { bucketOf, ClientMemory, clientMemoryLimit, type MemoryClient } from '../../../lib/proxy/client-memory';

const KiB = 1024;
const MiB = 1024 * KiB;

class FakeClient implements MemoryClient {
  memoryBytes = 0;
  memoryBucket = -1;
  noEvict = false;
  evicted = false;
  constructor(
    readonly name: string,
    public holds = 0,
  ) {}
  measureMemory(): number {
    return this.holds;
  }
  evict(): void {
    this.evicted = true;
  }
}

function setup(limit: number) {
  const stats = { evictedClients: 0 };
  const settings = { limit };
  const memory = new ClientMemory(() => settings.limit, stats);
  const evicted: string[] = [];
  const client = (name: string): FakeClient => {
    const c = new FakeClient(name);
    c.evict = () => {
      c.evicted = true;
      evicted.push(name);
      memory.remove(c);
    };
    return c;
  };
  const report = (c: FakeClient, bytes: number): void => {
    c.holds = bytes;
    memory.update(c, bytes);
  };
  return { memory, stats, settings, client, report, evicted };
}

describe('client memory', function () {
  it('buckets: up to 32 KiB in the first, then one per power of two', function () {
    assert.equal(bucketOf(1), 0);
    assert.equal(bucketOf(32 * KiB), 0);
    assert.equal(bucketOf(32 * KiB + 1), 1);
    assert.equal(bucketOf(64 * KiB), 1);
    assert.equal(bucketOf(8 * MiB), 8);
    assert.equal(bucketOf(8 * MiB + 1), 9);
    assert.equal(bucketOf(2 ** 40), 18, 'the last bucket holds everything above 4 GiB');
  });

  it('keeps the total as clients report, and forgets clients that leave', function () {
    const { memory, client, report } = setup(0);
    const a = client('a');
    const b = client('b');
    report(a, 1000);
    report(b, 5000);
    report(a, 300);
    assert.equal(memory.used, 5300);
    memory.remove(b);
    assert.equal(memory.used, 300);
    memory.remove(b);
    assert.equal(memory.used, 300, 'removing twice changes nothing');
  });

  it('past the limit, evicts the biggest first, and only until the rest fit', function () {
    const { memory, stats, client, report, evicted } = setup(10 * MiB);
    const cs = [1, 2, 3, 5, 6].map((m) => client(`${m}MiB`));
    report(cs[0], 1 * MiB);
    report(cs[1], 2 * MiB);
    report(cs[2], 3 * MiB);
    report(cs[4], 6 * MiB);
    assert.deepEqual(evicted, ['6MiB'], '12 MiB: the 6 MiB client goes, 6 MiB are left');
    report(cs[3], 5 * MiB);
    assert.deepEqual(evicted, ['6MiB', '5MiB'], '11 MiB: the biggest is the newcomer');
    assert.equal(memory.used, 6 * MiB);
    assert.equal(stats.evictedClients, 2);
  });

  it('picks the biggest within a bucket too', function () {
    const { client, report, evicted } = setup(15 * MiB);
    // 5, 6, 7 and 8 MiB share a bucket
    for (const m of [5, 8, 6, 7]) report(client(`${m}MiB`), m * MiB);
    assert.deepEqual(evicted, ['8MiB', '7MiB']);
  });

  it('measures a client again before evicting it: one whose replies were written since is kept', function () {
    const { memory, client, report, evicted } = setup(10 * MiB);
    const drained = client('drained');
    const other = client('other');
    report(drained, 8 * MiB);
    drained.holds = 1 * MiB; // its socket took the replies; it has not reported yet
    report(other, 4 * MiB);
    assert.deepEqual(evicted, []);
    assert.equal(memory.used, 5 * MiB);
  });

  it('never evicts a client with CLIENT NO-EVICT on, but counts it', function () {
    const { memory, client, report, evicted } = setup(10 * MiB);
    const exempt = client('exempt');
    exempt.noEvict = true;
    memory.exemptionChanged(exempt);
    const small = client('small');
    report(exempt, 12 * MiB);
    assert.deepEqual(evicted, [], 'nothing else to evict');
    report(small, 10);
    assert.deepEqual(evicted, ['small']);
    exempt.noEvict = false;
    memory.exemptionChanged(exempt);
    report(exempt, 12 * MiB + 1);
    assert.deepEqual(evicted, ['small', 'exempt']);
    assert.equal(memory.used, 0);
  });

  it('reads the limit at each check (it changes at run time); 0 is none', function () {
    const { settings, client, report, evicted } = setup(0);
    const a = client('a');
    report(a, 100 * MiB);
    assert.deepEqual(evicted, []);
    settings.limit = 50 * MiB;
    report(a, 100 * MiB + 1);
    assert.deepEqual(evicted, ['a']);
  });

  it('the setting: a size, or a share of the memory split among workers', function () {
    assert.equal(clientMemoryLimit('16777216', 1, 8 * 1024 * MiB), 16 * MiB);
    assert.equal(clientMemoryLimit('0', 4, 8 * 1024 * MiB), 0);
    assert.equal(clientMemoryLimit('50%', 1, 8 * 1024 * MiB), 4 * 1024 * MiB);
    assert.equal(clientMemoryLimit('50%', 4, 8 * 1024 * MiB), 1024 * MiB);
  });
});
