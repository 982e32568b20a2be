import assert from 'node:assert/strict';
import { BackendCommand } from '../../../lib/backend/backend-command';
import type { BackendNode } from '../../../lib/backend/backend-node';
import { tick } from '../../../lib/clock';
import { Access, ReadPolicy, type ReadFence } from '../../../lib/commands/access';
import { SlotMap } from '../../../lib/cluster/slot-map';
import { newReadStats, ReadRouter, type ReadStats } from '../../../lib/proxy/read-router';

const M = 'm:1';
const R1 = 'r:1';
const R2 = 'r:2';

class Read extends BackendCommand {
  constructor(
    slot: number,
    private readonly fence: ReadFence | null,
  ) {
    super(Buffer.from('GET'), slot, 1, Infinity);
    this.access = Access.Read;
  }
  onReply(): void {}
  onFailure(): void {}
  sendTo(): void {}
  get abandoned(): boolean {
    return false;
  }
  override readFence(): ReadFence | null {
    return this.fence;
  }
}

function setup(): { reads: ReadRouter; stats: ReadStats; state(a: string): { usable: boolean; safeRound: number; reads: number } } {
  const stats = newReadStats();
  const nodes = new Map<string, BackendNode>();
  const nodeOf = (a: string): BackendNode => nodes.get(a) ?? (nodes.set(a, { address: a } as BackendNode), nodes.get(a)!);
  const reads = new ReadRouter({ pollMs: 10, maxLagMs: 100, control: {} }, nodeOf, stats, () => {});
  reads.mapChanged(
    SlotMap.fromRanges([
      { start: 0, end: 9999, shard: { master: M, replicas: [R1, R2] } },
      { start: 10000, end: 16383, shard: { master: 'm:2', replicas: [] } },
    ]),
  );
  for (const a of [M, R1, R2]) {
    const s = reads.health.state(a);
    s.usable = true;
    s.safeRound = 10;
  }
  return { reads, stats, state: (a) => reads.health.state(a) };
}

const fence = (policy: ReadPolicy, pending = 0, round = 0): ReadFence => ({ policy, pending, round });

/** Where `n` reads of slot 5 go: addresses, 'master' for null. */
function targets(reads: ReadRouter, f: ReadFence | null, n = 6, slot = 5): string[] {
  return Array.from({ length: n }, () => reads.replicaFor(new Read(slot, f))?.address ?? 'master');
}

describe('read routing (lib/proxy/read-router.ts)', function () {
  after(() => tick());

  it('replica and prefer-replica: the replicas in turn, the master when none is usable', function () {
    for (const policy of [ReadPolicy.Replica, ReadPolicy.PreferReplica]) {
      const { reads, state, stats } = setup();
      assert.deepEqual(new Set(targets(reads, fence(policy))), new Set([R1, R2]));
      state(R1).usable = false;
      assert.deepEqual(new Set(targets(reads, fence(policy))), new Set([R2]));
      state(R2).usable = false;
      assert.deepEqual(new Set(targets(reads, fence(policy))), new Set(['master']));
      assert.deepEqual([stats.replica, stats.master, stats.ownWrites], [12, 6, 0]);
      // a shard without replicas: its master
      assert.deepEqual(targets(reads, fence(policy), 2, 12000), ['master', 'master']);
      reads.close();
    }
  });

  it('prefer-master: the master while it answers, a replica while it does not', function () {
    const { reads, state } = setup();
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.PreferMaster))), new Set(['master']));
    state(M).usable = false;
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.PreferMaster))), new Set([R1, R2]));
    reads.close();
  });

  it('any: master and replicas in turn; a master that does not answer is skipped', function () {
    const { reads, state } = setup();
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.Any))), new Set(['master', R1, R2]));
    state(M).usable = false;
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.Any))), new Set([R1, R2]));
    reads.close();
  });

  it('master, or no fence (a client not tracked): always the master, not counted', function () {
    const { reads, stats } = setup();
    assert.deepEqual(targets(reads, fence(ReadPolicy.Master), 3), ['master', 'master', 'master']);
    assert.deepEqual(targets(reads, null, 3), ['master', 'master', 'master']);
    assert.deepEqual([stats.replica, stats.master], [0, 0]);
    reads.close();
  });

  it('read-your-writes: a write unanswered, or a replica short of the write’s round, sends the read to the master', function () {
    const { reads, state, stats } = setup();
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.Replica, 1, 0))), new Set(['master']));
    assert.equal(stats.ownWrites, 6);
    // the write was answered before round 11 started: only a replica that reached round 11 serves
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.Replica, 0, 11))), new Set(['master']));
    assert.equal(stats.ownWrites, 12);
    state(R2).safeRound = 11;
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.Replica, 0, 11))), new Set([R2]));
    assert.equal(state(R2).reads, 6);
    // with `any`, the master is one of the candidates anyway
    assert.deepEqual(new Set(targets(reads, fence(ReadPolicy.Any, 0, 12))), new Set(['master']));
    reads.close();
  });

  it('a slot that met ASK or TRYAGAIN keeps its reads on the master (its replicas do not know it is migrating)', function () {
    const { reads } = setup();
    tick();
    reads.slotMigrating(5);
    assert.deepEqual(targets(reads, fence(ReadPolicy.Replica), 3, 5), ['master', 'master', 'master']);
    assert.notDeepEqual(new Set(targets(reads, fence(ReadPolicy.Replica), 3, 6)), new Set(['master']));
    reads.close();
  });
});
