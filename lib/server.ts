// The proxy: discovers the cluster, builds the command table, listens for clients and wires
// sessions to the router. Start-up fails with one clear message when no seed answers.
import net from 'node:net';
import tls from 'node:tls';
import { tick } from './clock';
import { AclChecker } from './auth/acl-check';
import type { PubsubDefault } from './auth/acl-rules';
import type { UserLinks } from './auth/user-links';
import { DENIED, protectedModeRefuses } from './auth/protected-mode';
import { Authenticator } from './auth/users';
import { applyUsers } from './proxy/users-reload';
import { HandshakeGuard, handshakeTimeoutMs } from './auth/tls-handshakes';
import { ClusterScripts } from './auth/cluster-scripts';
import { ControlConnection, type ControlOptions } from './backend/control-connection';
import { readTlsFiles, type TlsMaterial } from './backend/dial';
import { parseCommandReply } from './commands/command-info';
import { readPolicyOf } from './commands/access';
import { CommandTable, mergeCommandInfos } from './commands/table';
import { takeOver, type Config } from './config';
import { formatAddress, parseAddress } from './cluster/cluster-slots';
import { TopologyRefresher, type RefresherOptions } from './cluster/refresher';
import type { SlotMap } from './cluster/slot-map';
import { logger, setLogLevel } from './log';
import { CommandStats } from './metrics/command-stats';
import { SlowLog } from './metrics/slowlog';
import { MetricsServer } from './metrics/metrics-server';
import { createMetricsRegistry } from './metrics/prometheus';
import type { ScanLimits } from './protocol/js-request-scanner';
import { createScanners, type RequestScanner, type Scanners } from './protocol/scanners';
import { command, error } from './protocol/resp';
import { ClientMemory, clientMemoryLimit } from './proxy/client-memory';
import { ClientSession } from './proxy/client-session';
import type { Peers, ProxyContext, SessionInfo } from './proxy/context';
import type { ProxyStats } from './metrics/view';
import { ProxyTracking } from './proxy/tracking/proxy-tracking';
import { Router, type RouterOptions } from './proxy/router';
import { flushClientReplies } from './proxy/reply-writes';
import { VERSION } from './version';

const MAX_CLIENTS_REPLY = error('ERR max number of clients reached');

export class Proxy implements ProxyContext {
  readonly version = VERSION;
  readonly startedAt = Date.now();
  readonly stats: ProxyStats = { connectionsReceived: 0, connectionsRejected: 0, commandsProcessed: 0, evictedClients: 0 };
  readonly sessions = new Set<ClientSession>();
  /** SLOTPROXY_MAXMEMORY_CLIENTS in bytes, re-derived by applyConfig() */
  private clientMemoryLimit = 0;
  readonly clientMemory = new ClientMemory(() => this.clientMemoryLimit, this.stats);
  readonly scripts = new Map<string, Buffer>();
  /** the other workers, when SLOTPROXY_WORKERS > 1 (INFO and RESETSTAT cover them all) */
  peers: Peers | null = null;
  readonly commandStats: CommandStats;
  readonly slowlog: SlowLog;
  readonly acl: AclChecker;
  get userLinks(): UserLinks | null {
    return this.clusterScripts?.links ?? null;
  }
  readonly inlineScanner: RequestScanner;
  readonly router: Router;
  readonly tracking: ProxyTracking;
  listenPort = 0;
  normalOutputLimits: { hard: number; soft: number; softSeconds: number } | null = null;
  private nextClientId = 1;
  private server: net.Server | null = null;
  private metricsServer: MetricsServer | null = null;
  /** the router reads these per request: PROXY CONFIG SET changes them in place */
  private readonly routerOptions: RouterOptions;
  /** the log level applyConfig() last saw */
  private logLevel: string;
  private sweeper: NodeJS.Timeout | null = null;
  private idleSweeper: NodeJS.Timeout | null = null;
  /** TLS connections still in their handshake (lib/auth/tls-handshakes.ts) */
  private handshakes: HandshakeGuard | null = null;
  /** SLOTPROXY_ACL_SCRIPTS=cluster: scripts of restricted users run on the nodes as them */
  private clusterScripts: ClusterScripts | null = null;
  private readonly log = logger('proxy');

  private constructor(
    readonly config: Config,
    readonly scanners: Scanners,
    readonly table: CommandTable,
    readonly clusterVersion: string,
    readonly refresher: TopologyRefresher,
    /** the refresher reads these per refresh: applyConfig() changes them in place */
    private readonly refresherOptions: RefresherOptions,
    public auth: Authenticator,
    backendTls: TlsMaterial | null,
  ) {
    this.inlineScanner = scanners.newRequestScanner();
    this.acl = new AclChecker();
    this.commandStats = new CommandStats(table.rows.length, table.get('exec')?.id);
    this.slowlog = new SlowLog(config.slowlogUs, config.slowlogMaxLen);
    this.logLevel = config.logLevel;
    this.routerOptions = {
      connections: config.backendConnections,
      dedicatedLimit: config.blockingConnections,
      connectTimeoutMs: config.connectTimeoutMs,
      handshake: backendHandshake(config),
      tls: backendTls,
      maxRedirects: config.maxRedirects,
      retryDelayMs: config.retryDelayMs,
      requestTimeoutMs: config.requestTimeoutMs,
      readFrom: readPolicyOf(config.readFrom),
      replicas: { pollMs: config.replicaPollMs, maxLagMs: config.replicaMaxLagMs, control: refresherOptions.control },
    };
    this.router = new Router(scanners, this.routerOptions, {
      refreshNeeded: (reason) => void this.refresher.refresh(reason),
      connectionLost: (conn, _reason, node) => node && this.tracking.connectionLost(conn, node),
      mapChanged: (before, after) => this.tracking.mapChanged(before, after),
    });
    this.tracking = new ProxyTracking(this.router, table, config.trackingTableMaxKeys, () => this.routerOptions.requestTimeoutMs || 15_000);
    this.applyConfig();
  }

  /**
   * Re-derives everything that depends on the settings changeable at run time (the `live` column
   * of OPTIONS): what is not read where it is used. Settings read per use (max clients, max
   * pending, timeouts, protected mode ...) need nothing here.
   */
  private applyConfig(): void {
    const c = this.config;
    this.slowlog.thresholdMicros = c.slowlogUs;
    this.slowlog.maxLen = c.slowlogMaxLen;
    this.slowlog.trim();
    this.tracking.setMaxKeys(c.trackingTableMaxKeys);
    this.routerOptions.maxRedirects = c.maxRedirects;
    this.routerOptions.retryDelayMs = c.retryDelayMs;
    this.routerOptions.requestTimeoutMs = c.requestTimeoutMs;
    this.routerOptions.replicas.pollMs = c.replicaPollMs;
    this.routerOptions.replicas.maxLagMs = c.replicaMaxLagMs;
    this.refresherOptions.minIntervalMs = c.refreshMinIntervalMs;
    this.scanners.setLimits(scanLimits(c));
    this.clientMemoryLimit = clientMemoryLimit(c.maxmemoryClients, c.workers);
    this.normalOutputLimits = c.clientOutputLimit > 0 ? { hard: c.clientOutputLimit, soft: Infinity, softSeconds: 0 } : null;
    // the level is the process's: set only when it changes, so an embedding program keeps its own
    if (c.logLevel !== this.logLevel) setLogLevel(c.logLevel);
    this.logLevel = c.logLevel;
    if (this.server) this.startSweepers();
  }

  /**
   * Takes over the settings of `next` that can change at run time (OPTIONS' `live` column) and
   * re-derives what depends on them; returns the variables of the others that differ: they need
   * a restart. SIGHUP passes every setting read again, PROXY CONFIG SET the current ones with a
   * few changed. Throws, changing nothing, when the users file cannot be read. The users file is
   * read again every time: clients of users removed or switched off are closed, the others go on
   * under their user's new rules (lib/proxy/users-reload.ts).
   */
  reload(next: Config): string[] {
    const auth = new Authenticator(next.password, next.usersFile, next.aclPubsubDefault as PubsubDefault);
    auth.resolve(this.table);
    const needRestart = takeOver(this.config, next);
    this.useUsers(auth, next.aclPubsubDefault as PubsubDefault);
    this.applyConfig();
    return needRestart;
  }

  useUsers(auth: Authenticator, pubsub = this.config.aclPubsubDefault as PubsubDefault): number {
    this.auth = auth;
    this.clusterScripts?.usersChanged(auth.users.values(), pubsub, this.router.slotMap.allNodes());
    const closed = applyUsers(this.sessions, auth);
    if (closed > 0) this.log.info({ closed }, `users changed: closed ${closed} connections of users removed, switched off or with changed channel rules`);
    return closed;
  }

  /**
   * Stops accepting clients, lets the requests in flight finish for up to `timeoutMs`, then
   * closes everything (SIGTERM/SIGINT).
   */
  async shutdown(timeoutMs: number): Promise<void> {
    const server = this.server;
    if (server) server.close();
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (const s of this.sessions) if (s.pending === 0) s.closeNow();
      if (this.sessions.size === 0 || Date.now() >= end) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.stop();
  }

  /** Port of the Prometheus endpoint, 0 when it is off. */
  get metricsPort(): number {
    return this.metricsServer?.port ?? 0;
  }

  /** Discovers the cluster and starts listening. */
  static async start(config: Config, options: { clientIdBase?: number } = {}): Promise<Proxy> {
    const log = logger('proxy');
    const scanners = createScanners(config.parser, config.socketReads, config.ioUring);
    log.debug({ scanners: scanners.kind, reason: scanners.reason }, `using the ${scanners.kind} scanners (${scanners.reason})`);
    const seeds = config.cluster.map((s) => formatAddress(s.host, s.port));
    if (seeds.length === 0) throw new Error('no cluster configured: set SLOTPROXY_CLUSTER=host:port[,host:port...] or run with --demo');
    let proxy: Proxy | null = null;
    // Users file problems stop start-up before anything else is tried.
    const auth = new Authenticator(config.password, config.usersFile, config.aclPubsubDefault as PubsubDefault);
    if (config.tlsCert) clientTlsOptions(config); // unreadable certificate files stop start-up here
    const backendTls = config.redisTls
      ? readTlsFiles({ ca: config.redisTlsCa || undefined, cert: config.redisTlsCert || undefined, key: config.redisTlsKey || undefined }, 'the cluster (SLOTPROXY_REDIS_TLS_*)')
      : null;
    const control: ControlOptions = {
      tls: backendTls,
      connectTimeoutMs: config.connectTimeoutMs,
      commandTimeoutMs: Math.max(2000, config.connectTimeoutMs),
      ...(config.redisPassword ? { password: config.redisPassword, username: config.redisUsername || undefined } : {}),
    };
    const refresherOptions: RefresherOptions = { seeds, periodMs: config.refreshMs, minIntervalMs: config.refreshMinIntervalMs, control };
    const refresher = new TopologyRefresher(
      refresherOptions,
      () => (proxy ? proxy.router.slotMap.allNodes() : []),
      (result) => proxy?.onTopology(result.map),
    );
    const first = await refresher.fetch();
    const { table, version } = await loadCommands(first.map.masters, control);
    scanners.registerCommands(table.scannerRows());
    auth.resolve(table);
    proxy = new Proxy(config, scanners, table, version, refresher, refresherOptions, auth, backendTls);
    proxy.nextClientId = (options.clientIdBase ?? 0) + 1;
    proxy.router.applyMap(first.map);
    if (config.aclScripts === 'cluster') {
      const options = { control, tls: backendTls, scanners, connectTimeoutMs: config.connectTimeoutMs, requestTimeoutMs: () => proxy!.config.requestTimeoutMs, onReadDone: flushClientReplies };
      try {
        proxy.clusterScripts = await ClusterScripts.start(options, proxy.acl, auth.users.values(), config.aclPubsubDefault as PubsubDefault, first.map.allNodes());
      } catch (err) {
        await proxy.stop();
        throw err;
      }
    }
    log.debug(
      { from: first.from, masters: first.map.masters.length, slots: first.map.coveredSlots(), redisVersion: version },
      `cluster found through ${first.from}: ${first.map.masters.length} masters serving ${first.map.coveredSlots()} slots (Redis ${version})`,
    );
    await proxy.listen();
    if (config.metricsPort > 0) {
      try {
        proxy.metricsServer = await MetricsServer.start(createMetricsRegistry(proxy), config.host, config.metricsPort, (err) =>
          log.error({ err }, 'metrics listener error'),
        );
        log.info(`Prometheus metrics on http://${formatAddress(config.host, proxy.metricsPort)}/metrics`);
      } catch (err) {
        await proxy.stop();
        throw err;
      }
    }
    refresher.start();
    return proxy;
  }

  get address(): string {
    return formatAddress(this.config.host, this.listenPort);
  }

  onSessionClosed(session: SessionInfo): void {
    this.sessions.delete(session as ClientSession);
    this.clientMemory.remove(session as ClientSession);
  }

  async stop(): Promise<void> {
    this.refresher.stop();
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.idleSweeper) clearInterval(this.idleSweeper);
    const server = this.server;
    this.server = null;
    const metrics = this.metricsServer;
    this.metricsServer = null;
    await metrics?.stop();
    for (const s of this.sessions) s.closeNow();
    this.handshakes?.close();
    this.clusterScripts?.close();
    this.tracking.close();
    this.router.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onTopology(map: SlotMap): void {
    const before = this.router.slotMap;
    this.router.applyMap(map);
    this.clusterScripts?.nodesSeen(map.allNodes());
    if (!before.sameAs(map)) {
      this.log.info({ masters: map.masters, slots: map.coveredSlots() }, 'slot map changed');
    }
  }

  private listen(): Promise<void> {
    const server = this.config.tlsCert ? tls.createServer(clientTlsOptions(this.config), (socket) => this.accept(socket)) : net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    // a failed TLS handshake is the client's problem: it must not reach the listener's error log
    server.on('tlsClientError', () => {});
    if (this.config.tlsCert) {
      const guard = new HandshakeGuard(
        () => ({ maxClients: this.config.maxClients, sessions: this.sessions.size, timeoutMs: handshakeTimeoutMs(this.config.timeout) }),
        () => this.stats.connectionsRejected++,
      );
      server.on('connection', (raw: net.Socket) => guard.connection(raw));
      this.handshakes = guard;
    }
    this.server = server;
    this.startSweepers();
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(`cannot listen on ${this.config.host}:${this.config.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use (set SLOTPROXY_PORT)' : err.message}`));
      });
      server.listen(this.config.port, this.config.host, () => {
        this.listenPort = (server.address() as net.AddressInfo).port;
        server.on('error', (err) => this.log.error({ err }, 'listener error'));
        resolve();
      });
    });
  }

  /** (Re)starts the timers that expire requests and idle clients, for the current settings. */
  private startSweepers(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.idleSweeper) clearInterval(this.idleSweeper);
    this.sweeper = this.idleSweeper = null;
    const timeout = this.config.requestTimeoutMs;
    if (timeout > 0) {
      this.sweeper = setInterval(() => this.router.sweep(tick()), Math.max(10, Math.min(250, timeout / 10)));
      this.sweeper.unref();
    }
    if (this.config.timeout > 0) {
      this.idleSweeper = setInterval(() => this.closeIdleClients(), 1000);
      this.idleSweeper.unref();
    }
  }

  /** Like Redis's timeout: blocked and subscribed clients are spared. */
  private closeIdleClients(): void {
    const limit = Date.now() - this.config.timeout * 1000;
    for (const s of this.sessions) {
      if (s.lastActive < limit && s.flags !== 'b' && s.flags !== 'P') s.closeNow();
    }
  }

  private accept(socket: net.Socket): void {
    this.handshakes?.secured(socket);
    this.stats.connectionsReceived++;
    if (this.sessions.size >= this.config.maxClients) {
      this.stats.connectionsRejected++;
      socket.on('error', () => {});
      // destroyed once written: a socket nobody reads from would never see the peer's close
      socket.write(MAX_CLIENTS_REPLY, () => socket.destroy());
      return;
    }
    if (protectedModeRefuses(this.config.protectedMode, this.auth.required, socket.remoteAddress)) {
      socket.on('error', () => {});
      socket.write(DENIED, () => socket.destroy());
      return;
    }
    this.sessions.add(new ClientSession(this.nextClientId++, socket, this));
  }
}

/** The TLS listener's settings (SLOTPROXY_TLS_*); throws naming the file it cannot read. */
function clientTlsOptions(config: Config): tls.TlsOptions {
  if (!config.tlsKey) throw new Error('SLOTPROXY_TLS_CERT needs SLOTPROXY_TLS_KEY (the private key of that certificate)');
  if (config.tlsAuthClients && !config.tlsCa) throw new Error('SLOTPROXY_TLS_AUTH_CLIENTS=yes needs SLOTPROXY_TLS_CA to check client certificates against');
  const m = readTlsFiles({ cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa || undefined }, 'clients (SLOTPROXY_TLS_*)');
  return { cert: m.cert, key: m.key, ca: m.ca, requestCert: config.tlsAuthClients, rejectUnauthorized: config.tlsAuthClients };
}

/** What the request scanners refuse: Redis 7's limits, with SLOTPROXY_MAX_BULK_LENGTH. */
function scanLimits(config: Config): ScanLimits {
  return { maxMultibulk: 1024 * 1024, maxBulk: config.maxBulkLength, maxInline: 64 * 1024, unauthMultibulk: 10, unauthBulk: 16384 };
}

/** AUTH sent first on every backend connection when the cluster needs credentials. */
function backendHandshake(config: Config): Buffer[] {
  if (!config.redisPassword) return [];
  return [command(config.redisUsername ? ['AUTH', config.redisUsername, config.redisPassword] : ['AUTH', config.redisPassword])];
}

/** COMMAND and the server version from one master; the snapshot stands in when that fails. */
async function loadCommands(masters: readonly string[], control: ControlOptions) {
  const log = logger('commands');
  for (const address of masters) {
    const { host, port } = parseAddress(address);
    let conn: ControlConnection | null = null;
    try {
      conn = await ControlConnection.connect(host, port, control);
      const info = String(await conn.call('INFO', 'server'));
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      const infos = parseCommandReply(await conn.call('COMMAND'));
      return { table: new CommandTable(mergeCommandInfos(infos)), version };
    } catch (err) {
      log.warn({ address, err: (err as Error).message }, 'could not read COMMAND from a master');
    } finally {
      conn?.close();
    }
  }
  log.warn('using the built-in Redis 7.0 command table: no master answered COMMAND');
  return { table: new CommandTable(mergeCommandInfos(null)), version: 'unknown' };
}
