// CONFIG RESETSTAT for the proxy's own statistics: what Redis resets (command statistics and the
// total_* counters), plus the proxy's redirect and refresh counts. State is kept: clients,
// connections, the slot map, the last refresh error, the slow log (SLOWLOG RESET clears that).
// The Prometheus counters are read from the same numbers, so they restart from zero too; rate()
// takes that as it takes a restart.
import type { ProxyView } from './view';

export function resetProxyStats(view: Pick<ProxyView, 'commandStats' | 'stats' | 'router' | 'refresher'>): void {
  view.commandStats.reset();
  view.stats.connectionsReceived = 0;
  view.stats.connectionsRejected = 0;
  view.stats.commandsProcessed = 0;
  view.stats.evictedClients = 0;
  const r = view.router.stats;
  r.moved = r.ask = r.tryagain = r.clusterdown = r.reroutes = 0;
  const reads = view.router.readStats;
  reads.replica = reads.master = reads.ownWrites = reads.retried = 0;
  for (const node of view.router.replicaStates()) (node as { reads: number }).reads = 0;
  view.refresher.stats.refreshes = 0;
  view.refresher.stats.failures = 0;
}
