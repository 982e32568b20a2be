// Mocha root hooks (loaded through .mocharc.json's `require`): whatever a test left running —
// because it failed before its own after(), or never had one — is stopped once the run ends.
// Also home of the one cluster shared by every test that does not change the topology.
import { stopAllLocalServers } from '../../lib/localcluster/local-cluster';
import { startSharedCluster, type SharedCluster } from './cluster-backend';

export type { SharedCluster } from './cluster-backend';

let shared: Promise<SharedCluster> | null = null;

/**
 * One default cluster (3 masters + 3 replicas), started the first time this is called and reused
 * after. Tests that kill nodes, fail over or move slots must start their own. A failed start is
 * remembered, so the tests that depend on it fail fast with the same error instead of each
 * waiting for a start of its own. Local redis-server processes unless SLOTPROXY_TEST_BACKEND says
 * otherwise (cluster-backend.ts, docs/testing.md).
 */
export function sharedCluster(): Promise<SharedCluster> {
  shared ??= startSharedCluster(process.env);
  return shared;
}

interface ProxyHarness {
  stopAllProxies?: () => Promise<void>;
}

/**
 * The proxy harness, if a test loaded it: proxies are stopped before the clusters so they do not
 * spend the shutdown reconnecting to nodes being killed. Looked up in the require cache rather than
 * imported, so that a run which never started a proxy does not load the whole proxy stack (and
 * its native addon) just to stop nothing.
 */
function loadedProxyHarness(): ProxyHarness | undefined {
  try {
    return require.cache[require.resolve('./proxy')]?.exports as ProxyHarness | undefined;
  } catch {
    return undefined;
  }
}

export const mochaHooks = {
  async afterAll(): Promise<void> {
    try {
      await loadedProxyHarness()?.stopAllProxies?.();
    } finally {
      const cluster = shared;
      shared = null;
      // Containers are not in stopAllLocalServers()'s registry; a start that failed has nothing
      // to stop (ContainerCluster.start() cleans up after itself).
      await Promise.all([cluster?.then((c) => c.stop(), () => undefined), stopAllLocalServers()]);
    }
  },
};
