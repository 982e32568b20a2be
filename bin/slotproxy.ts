#!/usr/bin/env node
// The slotproxy daemon: reads SLOTPROXY_* settings and flags, finds the cluster (or starts a
// throwaway one with --demo), then proxies until SIGINT/SIGTERM.
import { ConfigError, helpText, loadConfig, parseSeed, type Config } from '../lib/config';
import { configureLogging, logger } from '../lib/log';
import { LocalCluster } from '../lib/localcluster/local-cluster';
import { createScanners } from '../lib/protocol/scanners';
import { Proxy } from '../lib/server';
import { VERSION } from '../lib/version';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(process.env, argv.filter((a) => a !== '--version'));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`slotproxy: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (argv.includes('--version')) {
    try {
      const s = createScanners(config.parser);
      console.log(`slotproxy ${VERSION} (scanners: ${s.kind}: ${s.reason})`);
      return 0;
    } catch (err) {
      console.log(`slotproxy ${VERSION} (scanners: none: ${(err as Error).message})`);
      return 1;
    }
  }
  if (config.demo && config.cluster.length > 0) {
    console.error('slotproxy: --demo starts its own cluster; unset SLOTPROXY_CLUSTER (or --cluster) to use it');
    return 2;
  }
  if (!config.demo && config.cluster.length === 0) {
    console.error('slotproxy: no cluster configured: set SLOTPROXY_CLUSTER=host:port[,host:port...], or try `slotproxy --demo` on a throwaway local cluster');
    return 2;
  }
  configureLogging(config.logLevel);
  const log = logger('main');

  let cluster: LocalCluster | null = null;
  if (config.demo) {
    log.info(`--demo: starting a local cluster of ${config.demoMasters} masters with ${config.demoReplicas} replica(s) each`);
    cluster = await LocalCluster.start({ masters: config.demoMasters, replicasPerMaster: config.demoReplicas });
    config.cluster = cluster.seeds().split(',').map((s) => parseSeed(s)!);
  }

  let proxy: Proxy;
  try {
    proxy = await Proxy.start(config);
  } catch (err) {
    log.fatal((err as Error).message);
    console.error(`slotproxy: ${(err as Error).message}`);
    await cluster?.stop();
    return 1;
  }
  log.info({ address: proxy.address, version: VERSION, scanners: proxy.scanners.kind }, `slotproxy ${VERSION} listening on ${proxy.address}`);
  if (cluster) {
    console.log(
      `\nslotproxy is proxying a demo cluster (${cluster.seeds()}).\n` +
        `Connect as to one Redis server:  redis-cli -h ${config.host} -p ${proxy.listenPort}\n` +
        'Press Ctrl-C to stop the proxy and the demo cluster.\n',
    );
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info(`${signal}: shutting down`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await proxy.stop();
  await cluster?.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`slotproxy: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
