// Which servers back the cluster shared by the integration tests: local redis-server processes
// (the default, and what CI runs) or containers started through testcontainers. Only the shared
// cluster can move; tests that start their own LocalCluster kill, pause and restart processes,
// which this interface does not offer.
import { LocalCluster } from '../../lib/localcluster/local-cluster';

export const BACKEND_VAR = 'SLOTPROXY_TEST_BACKEND';
export const BACKENDS = ['local', 'testcontainers'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface SharedNode {
  readonly host: string;
  /** The same port on the host and, for containers, inside the container. */
  readonly port: number;
}

/** What the tests that use the shared cluster need of it, and no more. */
export interface SharedCluster {
  readonly nodes: readonly SharedNode[];
  seeds(): string;
  /** redis-cli against one node; resolves its trimmed stdout, error replies included. */
  cli(node: SharedNode | number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Throws on a name it does not know, so a typo is not silently run on the default backend. */
export function backendName(env: NodeJS.ProcessEnv = process.env): BackendName {
  const raw = (env[BACKEND_VAR] ?? '').trim();
  if (raw === '') return 'local';
  const known = BACKENDS.find((b) => b === raw.toLowerCase());
  if (!known) throw new Error(`${BACKEND_VAR}=${raw}: unknown test backend; use ${BACKENDS.join(' or ')} (local is the default)`);
  return known;
}

export async function startSharedCluster(env: NodeJS.ProcessEnv = process.env): Promise<SharedCluster> {
  if (backendName(env) === 'local') return LocalCluster.start();
  // Loaded only here, so that the default run never needs testcontainers or its dependencies.
  const { ContainerCluster } = await import('./container-cluster');
  return ContainerCluster.start(env);
}
