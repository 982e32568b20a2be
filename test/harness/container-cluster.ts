// The shared test cluster as 6 Redis (or Valkey) containers, for machines with a container engine
// but no local redis-server. Each node listens on the same port inside its container and on the
// host, so the addresses the nodes hand out (CLUSTER SLOTS, MOVED) work from the test process.
//
// The nodes announce 127.0.0.1 as a *hostname* (cluster-preferred-endpoint-type hostname) rather
// than with cluster-announce-ip: the announced IP is also where peers dial the cluster bus, and
// inside a container 127.0.0.1 is that container itself. So the bus runs over the containers'
// network by their own IPs, and clients get 127.0.0.1. CLUSTER NODES still shows container IPs.
import type { GenericContainer, Network, StartedNetwork, StartedTestContainer, Wait } from 'testcontainers';
import { addrOf, parseInfo, SLOT_COUNT } from '../../lib/localcluster/cluster-state';
import { findFreePort, releasePort } from '../../lib/localcluster/free-port';
import { respCommands, RespError, type RespValue } from '../../lib/localcluster/resp-client';
import { BACKEND_VAR, type SharedCluster, type SharedNode } from './cluster-backend';

export const IMAGE_VAR = 'SLOTPROXY_TEST_IMAGE';
export const DEFAULT_IMAGE = 'redis:7.2';
const HOST = '127.0.0.1';
const MASTERS = 3;
const REPLICAS = 3;

interface Testcontainers {
  GenericContainer: typeof GenericContainer;
  Network: typeof Network;
  Wait: typeof Wait;
  getContainerRuntimeClient: () => Promise<unknown>;
}

/** Valkey images ship valkey-* binaries; whether they also have redis-* links depends on the build. */
export function binariesFor(image: string): { server: string; cli: string } {
  return /valkey/i.test(image) ? { server: 'valkey-server', cli: 'valkey-cli' } : { server: 'redis-server', cli: 'redis-cli' };
}

/** testcontainers, with "no engine" turned into the one line a person needs to read. */
export async function loadTestcontainers(): Promise<Testcontainers> {
  let tc: Testcontainers;
  try {
    tc = await import('testcontainers');
  } catch (err) {
    throw new Error(`${BACKEND_VAR}=testcontainers: the testcontainers package cannot be loaded (${(err as Error).message.split('\n')[0]}); run \`npm install\``);
  }
  try {
    await tc.getContainerRuntimeClient();
  } catch (err) {
    const why = (err as Error).message;
    if (!/container runtime/i.test(why)) throw err;
    throw new Error(`${BACKEND_VAR}=testcontainers: no container runtime was found (${why}); start Docker or Podman, or point DOCKER_HOST at one, or unset ${BACKEND_VAR} to use local redis-server processes`);
  }
  return tc;
}

/**
 * Why the cluster is not ready for tests yet, from each node's CLUSTER INFO and CLUSTER SLOTS as
 * read from the host, or null. Replicas are only listed in CLUSTER SLOTS once they have synced,
 * and hostnames only once gossip has carried them, so both are waited for.
 */
export function readinessProblem(views: ReadonlyArray<{ port: number; info: RespValue; slots: RespValue }>, ports: readonly number[]): string | null {
  let reference: string | null = null;
  for (const v of views) {
    const error = [v.info, v.slots].find((r) => r instanceof RespError);
    if (error) return `${HOST}:${v.port}: ${error.message}`;
    const info = parseInfo(String(v.info));
    if (info.get('cluster_state') !== 'ok') return `${HOST}:${v.port} reports cluster_state:${info.get('cluster_state')}`;
    if (info.get('cluster_known_nodes') !== String(ports.length)) return `${HOST}:${v.port} knows ${info.get('cluster_known_nodes')} of ${ports.length} nodes`;
    if (!Array.isArray(v.slots)) return `${HOST}:${v.port} answered CLUSTER SLOTS with ${JSON.stringify(v.slots)}`;
    const masters = new Set<string>();
    const replicas = new Set<string>();
    let covered = 0;
    for (const row of v.slots) {
      if (!Array.isArray(row)) continue;
      covered += Number(row[1]) - Number(row[0]) + 1;
      for (const [i, ep] of row.slice(2).entries()) {
        const [host, port] = Array.isArray(ep) ? ep : [];
        if (host !== HOST || !ports.includes(Number(port))) return `${HOST}:${v.port} lists ${String(host)}:${String(port)}, not ${HOST} and one of our ports`;
        (i === 0 ? masters : replicas).add(addrOf(HOST, Number(port)));
      }
    }
    if (covered !== SLOT_COUNT) return `${HOST}:${v.port} lists ${covered} of ${SLOT_COUNT} slots`;
    if (masters.size !== MASTERS || replicas.size !== REPLICAS) return `${HOST}:${v.port} lists ${masters.size} masters and ${replicas.size} synced replicas`;
    const sig = JSON.stringify(v.slots.map((row) => (Array.isArray(row) ? row.slice(0, 3) : row)));
    reference ??= sig;
    if (sig !== reference) return `${HOST}:${v.port} disagrees with ${HOST}:${views[0]!.port} on slot owners`;
  }
  return null;
}

export class ContainerCluster implements SharedCluster {
  readonly nodes: SharedNode[];
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly ports: number[],
    private readonly containers: StartedTestContainer[],
    private readonly network: StartedNetwork,
    private readonly cliBinary: string,
  ) {
    this.nodes = ports.map((port) => ({ host: HOST, port }));
  }

  static async start(env: NodeJS.ProcessEnv = process.env): Promise<ContainerCluster> {
    const tc = await loadTestcontainers();
    const image = env[IMAGE_VAR]?.trim() || DEFAULT_IMAGE;
    const bin = binariesFor(image);
    // withBusPort: the container's bus listens on port + 10000, which must be a valid port too.
    const ports: number[] = [];
    for (let i = 0; i < MASTERS + REPLICAS; i++) ports.push(await findFreePort(HOST, true));
    let network: StartedNetwork;
    try {
      network = await new tc.Network().start();
    } catch (err) {
      for (const p of ports) releasePort(p);
      throw new Error(`${BACKEND_VAR}=testcontainers: no container network could be created: ${(err as Error).message}`);
    }
    const started = await Promise.allSettled(ports.map((port) => startNode(tc, image, bin.server, network, port)));
    const containers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const cluster = new ContainerCluster(ports, containers, network, bin.cli);
    try {
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const peers = containers.map((c, i) => addrOf(c.getIpAddress(network.getName()), ports[i]!));
      await cluster.exec(0, ['--cluster', 'create', ...peers, '--cluster-replicas', String(REPLICAS / MASTERS), '--cluster-yes']);
      await cluster.waitUntilReady(60_000);
      return cluster;
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      throw new Error(`${BACKEND_VAR}=testcontainers: the ${image} cluster did not start: ${(err as Error).message}`);
    }
  }

  seeds(): string {
    return this.nodes.map((n) => addrOf(n.host, n.port)).join(',');
  }

  cli(node: SharedNode | number, ...args: string[]): Promise<string> {
    const port = typeof node === 'number' ? node : node.port;
    const i = this.ports.indexOf(port);
    if (i < 0) return Promise.reject(new Error(`port ${port} is not a node of the container cluster ${this.seeds()}`));
    return this.exec(i, ['-p', String(port), ...args]);
  }

  /** redis-cli inside the node's own container, so the host needs no redis-cli of its own. */
  private async exec(i: number, args: string[]): Promise<string> {
    const res = await this.containers[i]!.exec([this.cliBinary, ...args]);
    if (res.exitCode !== 0) {
      throw new Error(`\`${this.cliBinary} ${args.join(' ')}\` in the container of port ${this.ports[i]} failed (exit ${res.exitCode}): ${(res.stderr.trim() || res.stdout.trim())}`);
    }
    return res.stdout.trim();
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let problem: string | null;
      try {
        const views = await Promise.all(this.ports.map(async (port) => {
          const [info, slots] = await respCommands(HOST, port, [['CLUSTER', 'INFO'], ['CLUSTER', 'SLOTS']], { timeoutMs: 2000 });
          return { port, info: info!, slots: slots! };
        }));
        problem = readinessProblem(views, this.ports);
      } catch (err) {
        problem = (err as Error).message;
      }
      if (problem === null) return;
      if (Date.now() >= deadline) throw new Error(`not ready within ${timeoutMs} ms: ${problem}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await Promise.allSettled(this.containers.map((c) => c.stop()));
        await this.network.stop();
      } finally {
        for (const p of this.ports) releasePort(p);
      }
    })();
    return this.stopping;
  }
}

function startNode(tc: Testcontainers, image: string, server: string, network: StartedNetwork, port: number): Promise<StartedTestContainer> {
  const command = [
    server, '--port', String(port),
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000',
    '--cluster-announce-hostname', HOST, '--cluster-preferred-endpoint-type', 'hostname',
    '--appendonly', 'no', '--save', '', '--protected-mode', 'no',
    // As in LocalCluster: the default 5 s wait before a diskless sync would hold up every start.
    '--repl-diskless-sync-delay', '0',
    // CLUSTER SLOTS lists a replica only once its offset moves, which on an empty master takes
    // the first replication ping: 10 s by default.
    '--repl-ping-replica-period', '1',
  ];
  return new (loopbackContainerClass(tc))(image)
    .withNetwork(network)
    .withExposedPorts({ container: port, host: port })
    .onLoopbackOnly(port)
    .withCommand(command)
    .withWaitStrategy(tc.Wait.forLogMessage(/Ready to accept connections/))
    .withStartupTimeout(60_000)
    .start();
}

/**
 * testcontainers publishes a fixed host port on every interface; a node without a password must
 * not be reachable from the network, so the binding is narrowed to loopback as LocalCluster's are.
 */
function loopbackContainerClass(tc: Testcontainers) {
  return class extends tc.GenericContainer {
    onLoopbackOnly(port: number): this {
      this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: HOST, HostPort: String(port) }] };
      return this;
    }
  };
}
