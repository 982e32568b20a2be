#!/usr/bin/env node
// The slotproxy daemon: reads SLOTPROXY_* settings and flags, finds the cluster (or starts a
// throwaway one with --demo), then proxies until SIGINT/SIGTERM.
import cluster from 'node:cluster';
import { ConfigError, helpText, loadConfig, parseSeed, takeOver, type Config } from '../lib/config';
import { configureLogging, logger, setLogLevel } from '../lib/log';
import { LocalCluster } from '../lib/localcluster/local-cluster';
import { createScanners } from '../lib/protocol/scanners';
import { Proxy } from '../lib/server';
import { VERSION } from '../lib/version';
import { Supervisor } from '../lib/workers/supervisor';
import { WorkerLink } from '../lib/workers/worker-link';

/** The settings from the environment, the config file and the flags (read again on SIGHUP). */
function readSettings(argv: string[]): Config {
  return loadConfig(process.env, argv.filter((a) => a !== '--version'));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return 0;
  }
  let config: Config;
  try {
    config = readSettings(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`slotproxy: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (argv.includes('--version')) {
    try {
      const s = createScanners(config.parser, config.socketReads, config.ioUring);
      console.log(`slotproxy ${VERSION} (scanners: ${s.kind}: ${s.reason}; io_uring: ${s.ioUringNote})`);
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
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, argv);
  return runProxy(config, argv);
}

/** A throwaway local cluster for --demo; null without it. */
async function demoCluster(config: Config): Promise<LocalCluster | null> {
  if (!config.demo) return null;
  logger('main').info(`--demo: starting a local cluster of ${config.demoMasters} masters with ${config.demoReplicas} replica(s) each`);
  const local = await LocalCluster.start({ masters: config.demoMasters, replicasPerMaster: config.demoReplicas });
  config.cluster = local.seeds().split(',').map((s) => parseSeed(s)!);
  return local;
}

function demoBanner(local: LocalCluster | null, config: Config, port: number): void {
  if (!local) return;
  console.log(
    `\nslotproxy is proxying a demo cluster (${local.seeds()}).\n` +
      `Connect as to one Redis server:  redis-cli -h ${config.host} -p ${port}\n` +
      'Press Ctrl-C to stop the proxy and the demo cluster.\n',
  );
}

function untilStopSignal(config: Config): Promise<void> {
  const log = logger('main');
  return new Promise<void>((resolve) => {
    let stopping = false;
    // A second signal must not kill the process mid-drain: Ctrl-C reaches every worker from the
    // terminal and then again from the primary, and systemd signals the whole group.
    const stop = (signal: string): void => {
      if (stopping) {
        log.info(`${signal}: already stopping`);
        return;
      }
      stopping = true;
      log.info(`${signal}: stopped accepting clients; finishing requests in flight (up to ${config.shutdownTimeoutMs} ms)`);
      resolve();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/**
 * In a worker, what the primary decided: the demo cluster it started, and no metrics listener
 * (the primary serves metrics for all workers).
 */
function forThisProcess(config: Config): Config {
  if (!cluster.isWorker) return config;
  config.workers = 1;
  config.metricsPort = 0;
  config.demo = false;
  const seeds = process.env.SLOTPROXY_WORKER_SEEDS;
  if (seeds) config.cluster = seeds.split(',').map((s) => parseSeed(s)!);
  return config;
}

/** SLOTPROXY_WORKERS > 1: fork the workers and look after them. */
async function runPrimary(config: Config, argv: string[]): Promise<number> {
  const log = logger('main');
  const local = await demoCluster(config);
  const env: Record<string, string> = local ? { SLOTPROXY_WORKER_SEEDS: local.seeds() } : {};
  const supervisor = new Supervisor(config, env);
  let ready;
  try {
    ready = await supervisor.start();
  } catch (err) {
    log.fatal((err as Error).message);
    console.error(`slotproxy: ${(err as Error).message}`);
    await local?.stop();
    return 1;
  }
  log.info(
    { address: ready.address, version: VERSION, scanners: ready.scanners, workers: supervisor.pids.length, pids: supervisor.pids, masters: ready.masters, slots: ready.slots },
    `slotproxy ${VERSION} listening on ${ready.address}; ${supervisor.pids.length} workers; ${ready.scanners} scanners (${ready.reason}); cluster of ${ready.masters} masters serving ${ready.slots} slots`,
  );
  if (config.metricsPort > 0) {
    try {
      const port = await supervisor.serveMetrics();
      log.info(`Prometheus metrics of all workers on http://${config.host}:${port}/metrics`);
    } catch (err) {
      log.error((err as Error).message);
    }
  }
  demoBanner(local, config, Number(ready.address.slice(ready.address.lastIndexOf(':') + 1)));
  process.on('SIGHUP', () => {
    // the workers re-read the settings themselves and log what needs a restart; the primary takes
    // over the live ones it uses (log level, shutdown timeout)
    try {
      takeOver(config, readSettings(argv));
      setLogLevel(config.logLevel);
    } catch (err) {
      log.error(`SIGHUP: settings not reloaded: ${(err as Error).message}`);
    }
    supervisor.reload();
  });
  await untilStopSignal(config);
  await supervisor.stop();
  await local?.stop();
  return 0;
}

/** One process serving clients: the whole proxy, or one of several workers. */
async function runProxy(config: Config, argv: string[]): Promise<number> {
  const log = logger('main');
  forThisProcess(config);
  const local = await demoCluster(config);
  let proxy: Proxy;
  try {
    // client ids stay unique across workers, so CLIENT KILL ID never meets another's client
    proxy = await Proxy.start(config, { clientIdBase: cluster.isWorker ? cluster.worker!.id * 2 ** 32 : 0 });
  } catch (err) {
    log.fatal((err as Error).message);
    console.error(`slotproxy: ${(err as Error).message}`);
    await local?.stop();
    return 1;
  }
  const map = proxy.router.slotMap;
  const facts = { address: proxy.address, scanners: proxy.scanners.kind, reason: proxy.scanners.reason, masters: map.masters.length, slots: map.coveredSlots() };
  if (cluster.isWorker) {
    const link = new WorkerLink(proxy);
    proxy.peers = link;
    process.send!({ slotproxy: 'ready', ...facts });
    log.debug({ ...facts, pid: process.pid }, `worker ${process.pid} listening`);
  } else {
    log.info(
      { ...facts, version: VERSION },
      `slotproxy ${VERSION} listening on ${facts.address}; ${facts.scanners} scanners (${facts.reason}); cluster of ${facts.masters} masters serving ${facts.slots} slots`,
    );
  }
  demoBanner(local, config, proxy.listenPort);

  // SIGHUP reads the settings again (environment, config file) and takes over those that can
  // change at run time.
  process.on('SIGHUP', () => {
    try {
      const next = forThisProcess(readSettings(argv));
      if (local) next.cluster = config.cluster;
      const restart = proxy.reload(next);
      log.info({ needRestart: restart }, restart.length ? `SIGHUP: settings reloaded; these need a restart: ${restart.join(', ')}` : 'SIGHUP: settings reloaded');
    } catch (err) {
      log.error(`SIGHUP: settings not reloaded: ${(err as Error).message}`);
    }
  });
  await untilStopSignal(config);
  await proxy.shutdown(config.shutdownTimeoutMs);
  await local?.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`slotproxy: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
