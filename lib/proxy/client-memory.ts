// The memory of all clients together, and its limit (SLOTPROXY_MAXMEMORY_CLIENTS), as Redis 7.0
// keeps them for maxmemory-clients (src/networking.c, evictClients): once the clients together
// hold more than the limit, the ones holding the most are closed, without a reply, until the
// rest fit. What a client holds here is its unfinished command (query buffer) and the replies
// its socket has not taken yet (output buffer): the memory a client decides the size of.
//
// Kept cheap for the read path, as Redis keeps it: each client reports its bytes when they
// change (per read, per write), the total is kept as it goes, and each client sits in a bucket
// of clients of about its size (powers of two from 32 KiB, Redis's client eviction pools), so
// finding the biggest never looks at every client. Clients that turned CLIENT NO-EVICT on are
// counted but never evicted, as in Redis (which exempts its masters and replicas too: none
// connect to a proxy).
import os from 'node:os';
import { logger } from '../log';

/** What the registry needs of a client. */
export interface MemoryClient {
  /** bytes last reported (owned by the registry: a client starts with 0) */
  memoryBytes: number;
  /** its bucket, -1 when in none (owned by the registry: a client starts with -1) */
  memoryBucket: number;
  /** CLIENT NO-EVICT on */
  readonly noEvict: boolean;
  /** the bytes it holds now (its query and output buffers) */
  measureMemory(): number;
  /** closes it at once, without a reply */
  evict(): void;
}

/** Redis's CLIENT_MEM_USAGE_BUCKET_MIN_LOG and _MAX_LOG: buckets from "up to 32 KiB" to "over 4 GiB". */
const MIN_LOG = 15;
const MAX_LOG = 33;
const BUCKETS = 1 + MAX_LOG - MIN_LOG;

/** The bucket of a client holding `bytes`: 0 up to 32 KiB, then one per power of two. */
export function bucketOf(bytes: number): number {
  if (bytes <= 1 << MIN_LOG) return 0;
  const log = Math.ceil(Math.log2(bytes));
  return Math.min(log, MAX_LOG) - MIN_LOG;
}

export class ClientMemory {
  /** bytes all clients hold */
  used = 0;
  private readonly buckets: Set<MemoryClient>[] = Array.from({ length: BUCKETS }, () => new Set());
  private evicting = false;
  private lastLog = 0;
  private readonly log = logger('clients');

  constructor(
    /** the limit in bytes, read at each check (it changes at run time); 0: none */
    private readonly limitOf: () => number,
    /** evictedClients: clients closed for the limit (INFO evicted_clients; RESETSTAT zeroes it) */
    private readonly stats: { evictedClients: number },
  ) {}

  /** the limit in bytes (0: none) */
  get limit(): number {
    return this.limitOf();
  }

  /** `client` now holds `bytes`; past the limit, clients are evicted. */
  update(client: MemoryClient, bytes: number): void {
    if (bytes === client.memoryBytes) return;
    this.set(client, bytes);
    const limit = this.limitOf();
    if (limit > 0 && this.used >= limit && !this.evicting) this.evict(limit);
  }

  /** CLIENT NO-EVICT changed: the client leaves or joins the buckets. */
  exemptionChanged(client: MemoryClient): void {
    this.set(client, client.memoryBytes, true);
  }

  /** The client is gone. */
  remove(client: MemoryClient): void {
    this.used -= client.memoryBytes;
    client.memoryBytes = 0;
    if (client.memoryBucket >= 0) this.buckets[client.memoryBucket].delete(client);
    client.memoryBucket = -1;
  }

  private set(client: MemoryClient, bytes: number, force = false): void {
    this.used += bytes - client.memoryBytes;
    client.memoryBytes = bytes;
    // (a client back to 0 bytes stays in the first bucket: most reads of a pipelining client end
    // in a command split between reads, and moving between sets per read would cost)
    const bucket = client.noEvict ? -1 : bucketOf(bytes);
    if (bucket === client.memoryBucket && !force) return;
    if (client.memoryBucket >= 0) this.buckets[client.memoryBucket].delete(client);
    client.memoryBucket = bucket;
    if (bucket >= 0) this.buckets[bucket].add(client);
  }

  /**
   * Closes the clients holding the most until the rest hold less than `limit`. As Redis does, a
   * client is measured again first: one whose buffers shrank since it reported (its replies were
   * written) is moved, not evicted. The biggest of the top bucket goes first.
   */
  private evict(limit: number): void {
    this.evicting = true;
    try {
      let b = BUCKETS - 1;
      while (this.used >= limit && b >= 0) {
        const biggest = this.biggest(this.buckets[b]);
        // a client holding nothing would free nothing
        if (biggest === null || biggest.memoryBytes === 0) {
          b--;
          continue;
        }
        const now = biggest.measureMemory();
        if (now < biggest.memoryBytes) {
          this.set(biggest, now);
          continue;
        }
        this.stats.evictedClients++;
        this.logEviction(biggest.memoryBytes, limit);
        this.remove(biggest);
        biggest.evict();
      }
    } finally {
      this.evicting = false;
    }
  }

  private biggest(bucket: Set<MemoryClient>): MemoryClient | null {
    let best: MemoryClient | null = null;
    for (const c of bucket) if (best === null || c.memoryBytes > best.memoryBytes) best = c;
    return best;
  }

  /** At most one line every 10 s: a flood of evictions must not flood the log. */
  private logEviction(bytes: number, limit: number): void {
    const now = Date.now();
    if (now - this.lastLog < 10_000) return;
    this.lastLog = now;
    this.log.warn(
      { bytes, used: this.used, limit, evicted: this.stats.evictedClients },
      `evicting a client holding ${bytes} bytes: all clients together passed SLOTPROXY_MAXMEMORY_CLIENTS (${limit} bytes); ${this.stats.evictedClients} evicted since the statistics were reset`,
    );
  }
}

/** The memory the proxy may use: its cgroup's limit when it has one, else the machine's. */
export function availableMemory(): number {
  const total = os.totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/**
 * SLOTPROXY_MAXMEMORY_CLIENTS in bytes: a size, or a share ("50%") of the memory the proxy may
 * use, split among its workers (each keeps its own clients' total).
 */
export function clientMemoryLimit(setting: string, workers: number, available = availableMemory()): number {
  if (setting.endsWith('%')) return Math.floor(((Number(setting.slice(0, -1)) / 100) * available) / Math.max(1, workers));
  return Number(setting);
}
