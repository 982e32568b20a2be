import assert from 'node:assert/strict';
import { createMetricsRegistry } from '../../../lib/metrics/prometheus';
import { fakeView, row } from './fake-view';

/** "name{labels}" -> value of a Prometheus text exposition. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('Prometheus metrics', function () {
  it('per-command counters and a histogram built from CommandStats', async function () {
    const view = fakeView();
    const s = view.commandStats;
    s.record(row('get'), false, 10); // < 16 µs
    s.record(row('get'), false, 100); // < 128 µs
    s.record(row('get'), true, 5000); // < 8192 µs
    s.record(row('get'), false, 60_000_000); // beyond the last bucket: only +Inf
    s.record(row('client|id'), false, 3);
    s.record(0, true, 2); // an unknown command
    const m = parseExposition(await createMetricsRegistry(view, { processMetrics: false }).metrics());
    assert.equal(m.get('slotproxy_requests_total{command="get"}'), 4);
    assert.equal(m.get('slotproxy_request_errors_total{command="get"}'), 1);
    assert.equal(m.get('slotproxy_requests_total{command="client|id"}'), 1);
    assert.equal(m.get('slotproxy_requests_total{command="unknown"}'), 1);
    assert.equal(m.has('slotproxy_requests_total{command="set"}'), false, 'commands never called have no series');
    const bucket = (le: string): number | undefined => m.get(`slotproxy_request_duration_seconds_bucket{command="get",le="${le}"}`);
    assert.equal(bucket('0.000016'), 1);
    assert.equal(bucket('0.000064'), 1);
    assert.equal(bucket('0.000128'), 2);
    assert.equal(bucket('0.008192'), 3);
    assert.equal(bucket('33.554432'), 3);
    assert.equal(bucket('+Inf'), 4);
    assert.equal(m.get('slotproxy_request_duration_seconds_count{command="get"}'), 4);
    assert.ok(Math.abs(m.get('slotproxy_request_duration_seconds_sum{command="get"}')! - 60.00511) < 1e-9);
  });

  it('histogram buckets are cumulative and end at the count', async function () {
    const view = fakeView();
    for (let i = 0; i < 500; i++) view.commandStats.record(row('set'), false, (i * 7919) % 3_000_000);
    const text = await createMetricsRegistry(view, { processMetrics: false }).metrics();
    const buckets = [...text.matchAll(/^slotproxy_request_duration_seconds_bucket\{command="set",le="([^"]+)"\} (\d+)$/gm)].map((x) => [x[1], Number(x[2])] as const);
    assert.equal(buckets.length, 23);
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i][1] >= buckets[i - 1][1], `bucket ${buckets[i][0]} below the one before`);
      if (buckets[i][0] !== '+Inf') assert.ok(Number(buckets[i][0]) > Number(buckets[i - 1][0]));
    }
    assert.deepEqual(buckets[buckets.length - 1], ['+Inf', 500]);
  });

  it('cluster, connection, client and refresh metrics', async function () {
    const view = fakeView();
    const m = parseExposition(await createMetricsRegistry(view, { processMetrics: false }).metrics());
    const want: Record<string, number> = {
      'slotproxy_redirects_total{kind="moved"}': 4,
      'slotproxy_redirects_total{kind="ask"}': 3,
      'slotproxy_redirects_total{kind="tryagain"}': 2,
      'slotproxy_redirects_total{kind="clusterdown"}': 1,
      slotproxy_reroutes_total: 7,
      slotproxy_topology_refreshes_total: 6,
      slotproxy_topology_refresh_failures_total: 2,
      slotproxy_cluster_masters: 3,
      slotproxy_cluster_replicas: 2,
      slotproxy_cluster_slots_served: 16384,
      slotproxy_connected_clients: 5,
      'slotproxy_clients{state="normal"}': 2,
      'slotproxy_clients{state="blocked"}': 1,
      'slotproxy_clients{state="subscribed"}': 1,
      'slotproxy_clients{state="transaction"}': 1,
      'slotproxy_backend_connections{node="10.0.0.1:7000",state="ready"}': 1,
      'slotproxy_backend_connections{node="10.0.0.1:7000",state="connecting"}': 1,
      'slotproxy_backend_connections{node="10.0.0.3:7000",state="closed"}': 1,
      'slotproxy_backend_dedicated_connections{node="10.0.0.2:7000"}': 2,
      'slotproxy_backend_dedicated_connections{node="10.0.0.4:7000"}': 1,
      'slotproxy_backend_inflight_requests{node="10.0.0.2:7000"}': 5,
      'slotproxy_backend_queued_requests{node="10.0.0.2:7000"}': 1,
      slotproxy_commands_processed_total: 345,
      slotproxy_connections_received_total: 12,
      slotproxy_connections_rejected_total: 1,
      slotproxy_slowlog_length: 0,
      'slotproxy_info{version="9.9.9",redis_version="7.0.15",scanners="js"}': 1,
    };
    for (const [k, v] of Object.entries(want)) assert.equal(m.get(k), v, k);
    assert.ok(m.get('slotproxy_slot_map_age_seconds')! >= 0);
  });

  it('values are read at each scrape, and series of nodes that are gone disappear', async function () {
    const view = fakeView();
    const registry = createMetricsRegistry(view, { processMetrics: false });
    view.router.stats.moved = 40;
    view.nodes.pop();
    const m = parseExposition(await registry.metrics());
    assert.equal(m.get('slotproxy_redirects_total{kind="moved"}'), 40);
    assert.equal(m.has('slotproxy_backend_dedicated_connections{node="10.0.0.4:7000"}'), false);
  });

  it('registries are private, and process metrics carry the prefix', async function () {
    const a = createMetricsRegistry(fakeView());
    const b = createMetricsRegistry(fakeView());
    assert.notEqual(a, b);
    const names = a.getMetricsAsArray().map((x) => (x as unknown as { name: string }).name);
    assert.ok(names.includes('slotproxy_process_cpu_user_seconds_total'));
    assert.ok(names.every((n) => n.startsWith('slotproxy_')), names.filter((n) => !n.startsWith('slotproxy_')).join());
    assert.match(await b.metrics(), /^slotproxy_nodejs_heap_size_used_bytes \d+/m);
  });
});
