// A real Redis Cluster of local redis-server processes on free loopback ports, for the test suite
// and for `slotproxy --demo`. Every process it starts is recorded (process-registry.ts) and ended
// by PID on stop(), on exit, on SIGINT/SIGTERM and after an uncaught exception.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { addrOf, parseClusterNodes, stabilityProblem, VIEW_COMMANDS, type ClusterNodeInfo, type NodeView } from './cluster-state';
import { BUS_PORT_OFFSET, canBind, findFreePort, MAX_CLUSTER_PORT, releasePort, reservePort } from './free-port';
import { untrackTempDir } from './process-registry';
import { runRedisCli } from './redis-cli';
import { checkLoopbackHost, freshTempDir, PORT_ATTEMPTS, RedisStartError, signalProcess, sleep, spawnRedis, terminate, waitForPing, within, type RedisProcess } from './redis-process';
import { respCommands } from './resp-client';
import { stopAllStandalones } from './standalone';

export { parseClusterNodes, type ClusterNodeInfo } from './cluster-state';
export { trackedPids } from './process-registry';
export { startStandalone, type StandaloneRedis } from './standalone';

export interface LocalClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  host?: string;
  ports?: number[];
  dir?: string;
  nodeTimeoutMs?: number;
  redisServer?: string;
  redisCli?: string;
  extraArgs?: string[];
  password?: string;
  /** nodes speak TLS only (clients, cluster bus and replication), with these PEM files */
  tls?: { ca: string; cert: string; key: string };
}

export interface LocalNode {
  host: string;
  port: number;
  /** Updated in place by restart(). */
  pid: number;
  dir: string;
  logFile: string;
}

interface ResolvedOptions {
  masters: number;
  replicasPerMaster: number;
  host: string;
  ports: number[] | undefined;
  nodeTimeoutMs: number;
  redisServer: string;
  redisCli: string;
  extraArgs: string[];
  password: string | undefined;
  tls: { ca: string; cert: string; key: string } | undefined;
}

interface NodeState {
  proc: RedisProcess;
  alive: boolean;
  paused: boolean;
}

// Everything started and not yet stopped, so the test harness can stop what a failing test left.
const liveClusters = new Set<LocalCluster>();

/** Stops every LocalCluster and standalone server of this process that is still running. */
export async function stopAllLocalServers(): Promise<void> {
  await Promise.all([...[...liveClusters].map((c) => c.stop()), stopAllStandalones()]);
}

export class LocalCluster {
  readonly nodes: LocalNode[] = [];
  readonly host: string;
  readonly password: string | undefined;
  private readonly states = new Map<LocalNode, NodeState>();
  private readonly usedPorts = new Set<number>();
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly opts: ResolvedOptions,
    /** Where each node has its subdirectory (named after its port) with nodes.conf and redis.log. */
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {
    this.host = opts.host;
    this.password = opts.password;
  }

  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const opts: ResolvedOptions = {
      masters: options.masters ?? 3,
      replicasPerMaster: options.replicasPerMaster ?? 1,
      host: checkLoopbackHost(options.host ?? '127.0.0.1'),
      nodeTimeoutMs: options.nodeTimeoutMs ?? 2000,
      redisServer: options.redisServer ?? 'redis-server',
      redisCli: options.redisCli ?? 'redis-cli',
      extraArgs: options.extraArgs ?? [],
      ports: options.ports,
      password: options.password,
      tls: options.tls,
    };
    if (!Number.isInteger(opts.masters) || opts.masters < 3) {
      throw new Error(`masters: ${opts.masters}: Redis Cluster needs at least 3 masters`);
    }
    if (!Number.isInteger(opts.replicasPerMaster) || opts.replicasPerMaster < 0) {
      throw new Error(`replicasPerMaster: ${opts.replicasPerMaster}: must be a whole number, 0 or more`);
    }
    const count = opts.masters * (1 + opts.replicasPerMaster);
    if (opts.ports) {
      if (opts.ports.length !== count) {
        throw new Error(`ports: ${opts.ports.length} given, but ${opts.masters} masters with ${opts.replicasPerMaster} replica(s) each need ${count}`);
      }
      for (const p of opts.ports) {
        if (!Number.isInteger(p) || p < 1 || p > MAX_CLUSTER_PORT) {
          throw new Error(`ports: ${p}: use ports from 1 to ${MAX_CLUSTER_PORT}, since each node also listens on port+${BUS_PORT_OFFSET}`);
        }
      }
    }
    const dir = options.dir ?? (await freshTempDir('slotproxy-cluster-'));
    if (options.dir) await mkdir(dir, { recursive: true });
    const cluster = new LocalCluster(opts, dir, !options.dir);
    liveClusters.add(cluster);
    try {
      const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => cluster.startNode(opts.ports?.[i])));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      cluster.nodes.push(...started.map((r) => (r as PromiseFulfilledResult<LocalNode>).value));
      await cluster.cli(cluster.nodes[0]!, '--cluster', 'create', ...cluster.nodes.map((n) => addrOf(n.host, n.port)), '--cluster-replicas', String(opts.replicasPerMaster), '--cluster-yes');
      // cluster_state:ok comes before every replica is attached and synced; failover tests need
      // both, so wait for the full replica count too.
      const expected = opts.masters * opts.replicasPerMaster;
      await cluster.pollUntil(30_000, `stable with all ${expected} replicas attached`, async () => {
        const problem = await cluster.stabilityProblem();
        if (problem) return problem;
        const replicas = (await cluster.clusterNodes()).filter((n) => n.role === 'replica').length;
        return replicas === expected ? null : `${replicas} of ${expected} replicas attached`;
      });
      return cluster;
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      throw err;
    }
  }

  private async startNode(explicitPort: number | undefined): Promise<LocalNode> {
    for (let attempt = 1; ; attempt++) {
      let port: number;
      if (explicitPort !== undefined) {
        port = explicitPort;
        if (!(await canBind(this.host, port)) || !(await canBind(this.host, port + BUS_PORT_OFFSET))) {
          throw new Error(`port ${port} or its cluster bus port ${port + BUS_PORT_OFFSET} on ${this.host} is in use: pick other ports, or leave ports unset to get free ones`);
        }
        reservePort(port);
      } else {
        port = await findFreePort(this.host, true);
      }
      this.usedPorts.add(port);
      const nodeDir = path.join(this.dir, String(port));
      // start() always builds a new cluster: a nodes.conf left in a reused dir would make the node
      // remember an old one.
      await rm(nodeDir, { recursive: true, force: true });
      await mkdir(nodeDir, { recursive: true });
      const node: LocalNode = { host: this.host, port, pid: 0, dir: nodeDir, logFile: path.join(nodeDir, 'redis.log') };
      try {
        await this.launch(node);
        return node;
      } catch (err) {
        // Someone else bound the port between our check and redis-server's bind: try another.
        if (!(err instanceof RedisStartError && err.portTaken && explicitPort === undefined && attempt < PORT_ATTEMPTS)) throw err;
      }
    }
  }

  private serverArgs(node: LocalNode): string[] {
    const auth = this.password !== undefined ? ['--requirepass', this.password, '--masterauth', this.password] : [];
    const t = this.opts.tls;
    const ports = t
      ? ['--port', '0', '--tls-port', String(node.port), '--tls-cluster', 'yes', '--tls-replication', 'yes',
         '--tls-cert-file', t.cert, '--tls-key-file', t.key, '--tls-ca-cert-file', t.ca, '--tls-auth-clients', 'optional']
      : ['--port', String(node.port)];
    return [
      ...ports, '--bind', node.host,
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(this.opts.nodeTimeoutMs),
      '--appendonly', 'no', '--save', '', '--daemonize', 'no',
      '--dir', node.dir, '--logfile', node.logFile, '--protected-mode', 'no',
      // The default 5 s wait for more replicas before a diskless full sync would hold up every
      // start and every rejoin of a restarted node.
      '--repl-diskless-sync-delay', '0',
      ...auth, ...this.opts.extraArgs,
    ];
  }

  private async launch(node: LocalNode): Promise<void> {
    const proc = spawnRedis(this.opts.redisServer, this.serverArgs(node));
    const state: NodeState = { proc, alive: proc.child.pid !== undefined, paused: false };
    this.states.set(node, state);
    node.pid = proc.child.pid ?? 0;
    void proc.exited.then(() => {
      state.alive = false;
    });
    await waitForPing(proc, node.host, node.port, node.logFile, { password: this.password, binary: this.opts.redisServer, tls: this.opts.tls });
  }

  seeds(): string {
    return this.nodes.map((n) => addrOf(n.host, n.port)).join(',');
  }

  /** The node with this port, if it is one of ours. */
  node(port: number): LocalNode | undefined {
    return this.nodes.find((n) => n.port === port);
  }

  /** Running and not paused with SIGSTOP. */
  isLive(node: LocalNode): boolean {
    const s = this.states.get(node);
    return !!s && s.alive && !s.paused;
  }

  liveNodes(): LocalNode[] {
    return this.nodes.filter((n) => this.isLive(n));
  }

  cli(node: LocalNode | number, ...args: string[]): Promise<string> {
    const target = typeof node === 'number' ? (this.node(node) ?? { host: this.host, port: node }) : node;
    return runRedisCli({ host: target.host, port: target.port, password: this.password, tls: this.opts.tls }, args, { binary: this.opts.redisCli, timeoutMs: 60_000 });
  }

  async clusterNodes(): Promise<ClusterNodeInfo[]> {
    const errors: string[] = [];
    for (const n of this.liveNodes()) {
      try {
        const [reply] = await respCommands(n.host, n.port, [['CLUSTER', 'NODES']], { password: this.password, timeoutMs: 2000, tls: this.opts.tls });
        if (typeof reply === 'string') return parseClusterNodes(reply);
        errors.push(`${addrOf(n.host, n.port)}: ${String(reply instanceof Error ? reply.message : reply)}`);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    throw new Error(`no live node answered CLUSTER NODES (${errors.join('; ') || 'none is running'})`);
  }

  async masters(): Promise<LocalNode[]> {
    const masterAddrs = new Set((await this.clusterNodes()).filter((n) => n.role === 'master').map((n) => addrOf(n.host, n.port)));
    return this.liveNodes().filter((n) => masterAddrs.has(addrOf(n.host, n.port)));
  }

  /** What keeps the cluster from being settled right now, or null; see cluster-state.ts. */
  async stabilityProblem(): Promise<string | null> {
    const live = this.liveNodes();
    if (live.length === 0) return 'no node is running';
    const views: NodeView[] = [];
    for (const n of live) {
      const addr = addrOf(n.host, n.port);
      try {
        const [clusterInfo, clusterSlots, clusterNodes, replication] = await respCommands(n.host, n.port, VIEW_COMMANDS, { password: this.password, timeoutMs: 1000, tls: this.opts.tls });
        views.push({ addr, clusterInfo: clusterInfo!, clusterSlots: clusterSlots!, clusterNodes: clusterNodes!, replication: replication! });
      } catch (err) {
        return (err as Error).message;
      }
    }
    return stabilityProblem(views, new Set(live.map((n) => addrOf(n.host, n.port))));
  }

  waitForStable(timeoutMs = 30_000): Promise<void> {
    return this.pollUntil(timeoutMs, 'stable', () => this.stabilityProblem());
  }

  private async pollUntil(timeoutMs: number, what: string, problem: () => Promise<string | null>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.stopping) throw new Error(`cluster ${this.seeds()} was stopped while waiting until ${what}`);
      let p: string | null;
      try {
        p = await problem();
      } catch (err) {
        p = (err as Error).message;
      }
      if (p === null) return;
      if (Date.now() >= deadline) {
        const keep = this.ownsDir ? ' until stop() removes them; pass the dir option to keep them' : '';
        throw new Error(`cluster ${this.seeds()} did not become ${what} within ${timeoutMs} ms: ${p} (node logs are in ${this.dir}/<port>/redis.log${keep})`);
      }
      await sleep(100);
    }
  }

  kill(node: LocalNode, signal: NodeJS.Signals = 'SIGKILL'): void {
    const s = this.states.get(node);
    if (!s) throw new Error(`${addrOf(node.host, node.port)} is not a node of cluster ${this.seeds()}`);
    if (!signalProcess(s.proc, signal)) {
      throw new Error(`${addrOf(node.host, node.port)} is not running (killed earlier?): restart() it before signalling it`);
    }
    // SIGKILL cannot be caught: count the node as gone now rather than when 'exit' arrives, so a
    // waitForStable() right after this does not see the old, still-"ok" cluster.
    if (signal === 'SIGKILL') s.alive = false;
    if (signal === 'SIGSTOP') s.paused = true;
    if (signal === 'SIGCONT') s.paused = false;
  }

  async restart(node: LocalNode): Promise<void> {
    const s = this.states.get(node);
    if (!s) throw new Error(`${addrOf(node.host, node.port)} is not a node of cluster ${this.seeds()}`);
    if (this.stopping) throw new Error(`cluster ${this.seeds()} is stopped; start a new one`);
    // Right after kill() the process may not have exited (and freed its ports) yet; one that
    // nobody signalled never will.
    if (!(await within(s.proc.exited, 5000))) {
      throw new Error(`${addrOf(node.host, node.port)} is still running: kill() it before restart()`);
    }
    await this.launch(node);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    try {
      await Promise.all([...this.states.values()].map((s) => terminate(s.proc)));
    } finally {
      for (const p of this.usedPorts) releasePort(p);
      if (this.ownsDir) {
        await rm(this.dir, { recursive: true, force: true });
        untrackTempDir(this.dir);
      }
      liveClusters.delete(this);
    }
  }
}
