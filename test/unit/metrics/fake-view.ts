// A small ProxyView for formatting tests: real CommandStats, SlowLog and SlotMap, stand-ins for
// sessions, nodes and the router.
import { ConnState } from '../../../lib/backend/backend-connection';
import { SlotMap } from '../../../lib/cluster/slot-map';
import { loadConfig } from '../../../lib/config';
import { CommandStats } from '../../../lib/metrics/command-stats';
import { SlowLog } from '../../../lib/metrics/slowlog';
import type { ConnectionView, NodeView, ProxyView } from '../../../lib/metrics/view';

export const ROWS = ['', 'get', 'set', 'client|id', 'incr'];
export const row = (name: string): number => ROWS.indexOf(name);

export function node(address: string, states: ConnState[], dedicated = 0, inFlight = 0, queued = 0): NodeView {
  const conns: ConnectionView[] = states.map((state, i) => ({ state, inFlight: i === 0 ? inFlight : 0, queued: i === 0 ? queued : 0 }));
  return { address, dedicatedOpen: dedicated, multiplexed: () => conns };
}

export function fakeView(): ProxyView & { nodes: NodeView[]; flags: string[]; refresher: { stats: { refreshes: number; failures: number; lastError: string; lastReason: string; lastAt: number } } } {
  const map = SlotMap.fromRanges([
    { start: 0, end: 5460, shard: { master: '10.0.0.1:7000', replicas: ['10.0.0.4:7000'] } },
    { start: 5461, end: 10922, shard: { master: '10.0.0.2:7000', replicas: ['10.0.0.5:7000'] } },
    { start: 10923, end: 16383, shard: { master: '10.0.0.3:7000', replicas: [] } },
  ]);
  const nodes: NodeView[] = [
    node('10.0.0.2:7000', [ConnState.Ready], 2, 5, 1),
    node('10.0.0.1:7000', [ConnState.Ready, ConnState.Connecting]),
    node('10.0.0.3:7000', [ConnState.Closed]),
    node('10.0.0.4:7000', [], 1),
  ];
  const flags = ['N', 'N', 'b', 'P', 'x'];
  const sessions = Object.assign(
    flags.map((f) => ({ flags: f })),
    { size: flags.length },
  );
  const view = {
    config: loadConfig({}, []),
    version: '9.9.9',
    clusterVersion: '7.0.15',
    startedAt: Date.now() - 90_000,
    listenPort: 7777,
    scanners: { kind: 'js' },
    stats: { connectionsReceived: 12, connectionsRejected: 1, commandsProcessed: 345, evictedClients: 5 },
    clientMemory: { used: 123456, limit: 1 << 30 },
    sessions,
    commandStats: new CommandStats(ROWS.length),
    slowlog: new SlowLog(0, 10),
    table: { rows: ROWS.map((name, i) => (i === 0 ? undefined : { name })) },
    router: {
      stats: { moved: 4, ask: 3, tryagain: 2, clusterdown: 1, reroutes: 7 },
      readStats: { replica: 40, master: 12, ownWrites: 5, retried: 1 },
      slotMap: map,
      allNodes: () => nodes,
      replicaStates: () => [
        { address: '10.0.0.1:7000', usable: true, lagMs: 0, offset: 500, reads: 0, reason: '' },
        { address: '10.0.0.4:7000', usable: true, lagMs: 3, offset: 480, reads: 40, reason: '' },
        { address: '10.0.0.5:7000', usable: false, lagMs: 2500, offset: 100, reads: 0, reason: '2500 ms behind 10.0.0.2:7000, past the limit' },
      ],
    },
    refresher: { stats: { refreshes: 6, failures: 2, lastError: 'no cluster node answered\r\nCLUSTER SLOTS', lastReason: 'MOVED', lastAt: Date.now() - 3000 } },
    nodes,
    flags,
  };
  return view;
}
