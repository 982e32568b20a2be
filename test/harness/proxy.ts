// Starts a slotproxy in the test process in front of a cluster, on a free port.
import { loadConfig, type Config } from '../../lib/config';
import { configureLogging } from '../../lib/log';
import { Proxy } from '../../lib/server';

let logsConfigured = false;

export interface RunningProxy {
  proxy: Proxy;
  port: number;
  host: string;
  stop(): Promise<void>;
}

const running = new Set<RunningProxy>();

/** `seeds` as "host:port,host:port"; env holds SLOTPROXY_* overrides. */
export async function startProxy(seeds: string, env: Record<string, string> = {}): Promise<RunningProxy> {
  if (!logsConfigured) {
    configureLogging(process.env.SLOTPROXY_TEST_LOG_LEVEL ?? 'warn');
    logsConfigured = true;
  }
  const config: Config = loadConfig({ SLOTPROXY_CLUSTER: seeds, SLOTPROXY_PORT: '0', ...env }, []);
  const proxy = await Proxy.start(config);
  const handle: RunningProxy = {
    proxy,
    port: proxy.listenPort,
    host: config.host,
    async stop() {
      running.delete(handle);
      await proxy.stop();
    },
  };
  running.add(handle);
  return handle;
}

/** Stops every proxy a test left running (root afterAll hook). */
export async function stopAllProxies(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
