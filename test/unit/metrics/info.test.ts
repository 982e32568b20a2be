import assert from 'node:assert/strict';
import { bytesToHuman, infoSections, renderInfo } from '../../../lib/metrics/info';
import { mergeKeyspace, mergeMasterInfos } from '../../../lib/metrics/masters-info';
import { fakeView, row } from './fake-view';

/** field -> value of an INFO text, and its section headers in order. */
function parse(text: string): { headers: string[]; fields: Map<string, string> } {
  const headers: string[] = [];
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) headers.push(line.slice(2));
    else if (line) {
      const at = line.indexOf(':');
      fields.set(line.slice(0, at), line.slice(at + 1));
    }
  }
  return { headers, fields };
}

describe('INFO formatting', function () {
  it('chooses sections the way Redis 7 does', function () {
    const def = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
    assert.deepEqual(infoSections([]), def);
    assert.deepEqual(infoSections(['default']), def);
    const all = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];
    assert.deepEqual(infoSections(['all']), all);
    assert.deepEqual(infoSections(['EVERYTHING']), all);
    // several arguments: a union, printed in Redis's order
    assert.deepEqual(infoSections(['keyspace', 'commandstats', 'server']), ['server', 'commandstats', 'keyspace']);
    assert.deepEqual(infoSections(['default', 'latencystats']), [...def.slice(0, 9), 'latencystats', 'cluster', 'keyspace']);
    assert.deepEqual(infoSections(['nosuch']), []);
    assert.deepEqual(infoSections(['nosuch', 'cpu']), ['cpu']);
    // the proxy's own per-replica lines: only when named, in their place
    assert.deepEqual(infoSections(['keyspace', 'replicas', 'cluster']), ['cluster', 'replicas', 'keyspace']);
  });

  it('prints headers, field lines and a blank line between sections; nothing for unknown sections', function () {
    const view = fakeView();
    const text = renderInfo(view, ['server', 'clients']);
    assert.match(text, /^# Server\r\nredis_version:7\.0\.15\r\n/);
    assert.match(text, /\r\n\r\n# Clients\r\nconnected_clients:5\r\n/);
    assert.ok(text.endsWith('\r\n') && !text.endsWith('\r\n\r\n'));
    assert.equal(renderInfo(view, ['nosuch']), '');
    assert.deepEqual(parse(renderInfo(view, ['cpu'])).headers, ['CPU']);
  });

  it('commandstats: Redis 7 fields, subcommands with "|", only called commands, sorted', function () {
    const view = fakeView();
    const s = view.commandStats;
    s.record(row('get'), false, 100);
    s.record(row('get'), false, 200.4);
    s.record(row('get'), true, 300);
    s.record(row('client|id'), false, 5);
    const { headers, fields } = parse(renderInfo(view, ['commandstats']));
    assert.deepEqual(headers, ['Commandstats']);
    assert.deepEqual([...fields.keys()], ['cmdstat_client|id', 'cmdstat_get']);
    assert.equal(fields.get('cmdstat_get'), 'calls=3,usec=600,usec_per_call=200.13,rejected_calls=0,failed_calls=1');
    assert.equal(fields.get('cmdstat_client|id'), 'calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0');
  });

  it('latencystats: p50, p99 and p99.9 from the histogram, %.3f', function () {
    const view = fakeView();
    const s = view.commandStats;
    for (let i = 0; i < 98; i++) s.record(row('set'), false, 10); // bucket [8, 16)
    s.record(row('set'), false, 1000); // [512, 1024)
    s.record(row('set'), false, 40_000); // [32768, 65536)
    const { fields } = parse(renderInfo(view, ['latencystats']));
    assert.equal(fields.get('latency_percentiles_usec_set'), 'p50=16.000,p99=1024.000,p99.9=65536.000');
    assert.equal(fields.size, 1);
  });

  it('cluster: map, refresh and redirect counts, connections by state and per node', function () {
    const view = fakeView();
    const { fields } = parse(renderInfo(view, ['cluster']));
    const want: Record<string, string> = {
      cluster_enabled: '1',
      cluster_masters: '3',
      cluster_replicas: '2',
      cluster_known_nodes: '5',
      cluster_slots_served: '16384',
      cluster_refreshes: '6',
      cluster_refresh_failures: '2',
      cluster_last_refresh_reason: 'MOVED',
      cluster_last_refresh_error: 'no cluster node answered CLUSTER SLOTS',
      cluster_moved: '4',
      cluster_ask: '3',
      cluster_tryagain: '2',
      cluster_clusterdown: '1',
      cluster_reroutes: '7',
      backend_connections_ready: '2',
      backend_connections_connecting: '1',
      backend_connections_closed: '1',
      backend_dedicated_connections: '3',
      backend_inflight_requests: '5',
      backend_queued_requests: '1',
      backend_node0: 'addr=10.0.0.1:7000,role=master,ready=1,connecting=1,closed=0,dedicated=0,inflight=0,queued=0',
      backend_node1: 'addr=10.0.0.2:7000,role=master,ready=1,connecting=0,closed=0,dedicated=2,inflight=5,queued=1',
      backend_node2: 'addr=10.0.0.3:7000,role=master,ready=0,connecting=0,closed=1,dedicated=0,inflight=0,queued=0',
      backend_node3: 'addr=10.0.0.4:7000,role=replica,ready=0,connecting=0,closed=0,dedicated=1,inflight=0,queued=0',
    };
    for (const [k, v] of Object.entries(want)) assert.equal(fields.get(k), v, k);
    assert.match(fields.get('cluster_slot_map_age_seconds')!, /^\d+$/);
    assert.match(fields.get('cluster_last_refresh_age_seconds')!, /^\d+$/);
  });

  it('clients by state, stats, memory', function () {
    const view = fakeView();
    view.commandStats.record(row('get'), true, 1);
    view.commandStats.record(row('get'), false, 1);
    const { fields } = parse(renderInfo(view, ['clients', 'stats', 'memory']));
    assert.equal(fields.get('blocked_clients'), '1');
    assert.equal(fields.get('pubsub_clients'), '1');
    assert.equal(fields.get('transaction_clients'), '1');
    assert.equal(fields.get('total_commands_processed'), '345');
    assert.equal(fields.get('total_error_replies'), '1');
    assert.equal(fields.get('total_replies'), '2');
    assert.ok(Number(fields.get('used_memory')) > 0);
    assert.match(fields.get('used_memory_human')!, /^\d+\.\d\dM$/);
  });

  it('keyspace lines are summed over masters, avg_ttl weighted by expiring keys', function () {
    const a = '# Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=1000\r\n';
    const b = '# Keyspace\r\ndb0:keys=5,expires=6,avg_ttl=3000\r\ndb1:keys=1,expires=0,avg_ttl=0\r\n';
    assert.deepEqual(mergeKeyspace([a, b, '']), ['db0:keys=15,expires=8,avg_ttl=2500', 'db1:keys=1,expires=0,avg_ttl=0']);
    assert.deepEqual(mergeKeyspace([]), []);
    const view = fakeView();
    assert.equal(renderInfo(view, ['keyspace'], mergeMasterInfos([a])), '# Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=1000\r\n');
  });

  it('bytesToHuman as Redis prints it', function () {
    assert.equal(bytesToHuman(1000), '1000B');
    assert.equal(bytesToHuman(1536), '1.50K');
    assert.equal(bytesToHuman(3 * 1024 * 1024), '3.00M');
    assert.equal(bytesToHuman(5.5 * 1024 ** 3), '5.50G');
  });
});
