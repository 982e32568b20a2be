// For tests that compare the proxy's bytes with one Redis's: hooks of the calling describe() that
// start a proxy on the shared cluster and a standalone Redis 7.0 beside it, and stop both.
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { sharedCluster } from './mocha-hooks';
import { startProxy, type RunningProxy } from './proxy';

export interface ProxyAndRedis {
  proxy: RunningProxy;
  redis: StandaloneRedis;
}

/** Registers the hooks; the fields are set once before() has run. */
export function proxyBesideRedis(): ProxyAndRedis {
  const pair = {} as ProxyAndRedis;
  before(async function () {
    [pair.proxy, pair.redis] = await Promise.all([startProxy((await sharedCluster()).seeds()), startStandalone()]);
  });
  after(async function () {
    await Promise.all([pair.proxy?.stop(), pair.redis?.stop()]);
  });
  return pair;
}
