// Bounded client load through the proxy for topology tests: every request's outcome is recorded
// so a test can assert that no error reached a client and no acknowledged write is missing.
import Redis from 'ioredis';
import { sleep } from './wait';

export interface LoadResult {
  errors: string[];
  /** RPUSH values the proxy acknowledged, per list key, in order */
  pushed: Map<string, string[]>;
  /** INCRs acknowledged per counter key */
  incrs: Map<string, number>;
  /** GETs that returned a value other than the one last written */
  wrongReads: string[];
  batches: number;
}

/**
 * Runs `workers` clients, each sending pipelined batches that RPUSH/INCR/SET/GET the given keys,
 * until stop() is called (or maxBatches per worker). Keys are used as given (tags and all).
 */
export function runLoad(port: number, keys: string[], workers = 3, maxBatches = 100_000): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { errors: [], pushed: new Map(), incrs: new Map(), wrongReads: [], batches: 0 };
  let stopping = false;
  const clients: Redis[] = [];
  const loops: Promise<void>[] = [];
  for (let w = 0; w < workers; w++) {
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: true });
    clients.push(client);
    loops.push(
      (async () => {
        for (let b = 0; b < maxBatches && !stopping; b++) {
          const p = client.pipeline();
          const plan: [string, string, string][] = [];
          for (const key of keys) {
            const value = `w${w}-b${b}`;
            p.rpush(`${key}:list`, value);
            plan.push(['rpush', `${key}:list`, value]);
            p.incr(`${key}:counter`);
            plan.push(['incr', `${key}:counter`, '']);
            p.set(`${key}:w${w}`, value);
            plan.push(['set', `${key}:w${w}`, value]);
            p.get(`${key}:w${w}`);
            plan.push(['get', `${key}:w${w}`, value]);
          }
          let replies: [Error | null, unknown][];
          try {
            replies = (await p.exec()) ?? [];
          } catch (err) {
            result.errors.push(`batch failed: ${(err as Error).message}`);
            continue;
          }
          replies.forEach(([err, value], i) => {
            const [op, key, expect] = plan[i];
            if (err) {
              result.errors.push(`${op} ${key}: ${err.message}`);
              return;
            }
            if (op === 'rpush') {
              const list = result.pushed.get(key) ?? [];
              list.push(expect);
              result.pushed.set(key, list);
            } else if (op === 'incr') {
              result.incrs.set(key, (result.incrs.get(key) ?? 0) + 1);
            } else if (op === 'get' && value !== expect) {
              result.wrongReads.push(`${key}: got ${String(value)}, expected ${expect}`);
            }
          });
          result.batches++;
          await sleep(1);
        }
      })(),
    );
  }
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      for (const c of clients) c.disconnect();
      return result;
    },
  };
}
