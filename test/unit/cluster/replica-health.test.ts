import assert from 'node:assert/strict';
import { infoValue, NodeReadState, ReplicaHealth } from '../../../lib/cluster/replica-health';
import { SlotMap } from '../../../lib/cluster/slot-map';

const REPLICA_INFO = '# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:7000\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\nslave_repl_offset:8812\r\nmaster_replid:f29a8e\r\n';

describe('replica poller (without a network)', function () {
  it('reads INFO fields by name, whole lines only', function () {
    assert.equal(infoValue(REPLICA_INFO, 'role'), 'slave');
    assert.equal(infoValue(REPLICA_INFO, 'slave_repl_offset'), '8812');
    assert.equal(infoValue(REPLICA_INFO, 'master_replid'), 'f29a8e');
    assert.equal(infoValue(REPLICA_INFO, 'repl_offset'), '');
    assert.equal(infoValue('# Replication\r\nrole:master', 'role'), 'master');
  });

  it('a node takes no reads until polled, and keeps its state object while the map lists it', function () {
    const health = new ReplicaHealth({ pollMs: 10, maxLagMs: 100, control: {} }, { unreachable: () => {} });
    const map = SlotMap.fromRanges([{ start: 0, end: 16383, shard: { master: 'm:1', replicas: ['r:1', 'r:2'] } }]);
    health.watch(map);
    const r1 = health.state('r:1');
    assert.ok(r1 instanceof NodeReadState);
    assert.equal(r1.usable, false);
    assert.equal(r1.reason, 'not polled yet');
    health.watch(map);
    assert.equal(health.state('r:1'), r1, 'the same object: the read routing holds it');
    assert.deepEqual(health.states().map((s) => s.address).sort(), ['m:1', 'r:1', 'r:2']);
    // r:2 leaves the map: it is no longer polled, and says why it takes no reads
    const r2 = health.state('r:2');
    health.watch(SlotMap.fromRanges([{ start: 0, end: 16383, shard: { master: 'm:1', replicas: ['r:1'] } }]));
    assert.equal(r2.reason, 'not in the slot map');
    assert.deepEqual(health.states().map((s) => s.address).sort(), ['m:1', 'r:1']);
    // a replica promoted: what was measured of it as a replica is forgotten
    r1.usable = true;
    r1.safeRound = 7;
    health.watch(SlotMap.fromRanges([{ start: 0, end: 16383, shard: { master: 'r:1', replicas: ['m:1'] } }]));
    assert.equal(r1.usable, false);
    assert.equal(r1.safeRound, -1);
    assert.equal(r1.reason, 'became a master');
    health.stop();
  });

  it('rounds count up; a write answered now waits for the next one', function () {
    const health = new ReplicaHealth({ pollMs: 10, maxLagMs: 100, control: {} }, { unreachable: () => {} });
    assert.equal(health.nextRound, 1);
    health.tick();
    health.tick();
    assert.equal(health.nextRound, 3);
    health.stop();
  });
});
