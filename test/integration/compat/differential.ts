// How the Node.js clients' cases of the compatibility suite run: a scenario once straight to the
// cluster and once through the proxy, with keys of its own each time, and the results compared.
import assert from 'node:assert/strict';
import { cleanup, compatEnv, comparableJson, runToken, type CompatEnv } from '../../harness/compat';
import { comparable, dataScripts } from './command-scripts';

export type Side = 'direct' | 'proxy';
export const SIDES = ['direct', 'proxy'] as const;
export const MODES = ['standalone', 'cluster'] as const;
export type Mode = (typeof MODES)[number];

/** One side's run of a scenario. */
export interface Run<C> {
  /** a new connected client of this side (closed after the case) */
  open(): Promise<C>;
  /** the key `name` of this run */
  k(name: string): string;
  token: string;
}

/** How a file's client is made and closed, per side. */
export interface ClientKind<C> {
  connect(side: Side): Promise<C>;
  close(c: C): void;
}

/** The file's environment: a proxy of its own, started before its cases and stopped after. */
export function useCompatEnv(salt: string): () => CompatEnv {
  let env: CompatEnv | undefined;
  before(async function () {
    env = await compatEnv(salt);
  });
  after(async function () {
    if (!env) return;
    await cleanup(env, salt);
    await env.proxy.stop();
  });
  return () => env!;
}

/** Runs `scenario` directly, then through the proxy; the two results must be the same. */
export async function differential<C>(env: CompatEnv, kind: ClientKind<C>, scenario: (run: Run<C>) => Promise<unknown>): Promise<unknown> {
  const results: Record<Side, unknown> = { direct: null, proxy: null };
  for (const side of SIDES) {
    const token = runToken(side === 'proxy' ? 'px' : 'dx');
    const opened: C[] = [];
    const run: Run<C> = {
      token,
      k: (name) => `${env.tag}${token}:${name}`,
      open: async () => {
        const c = await kind.connect(side);
        opened.push(c);
        return c;
      },
    };
    try {
      results[side] = comparableJson(await scenario(run), token);
    } finally {
      for (const c of opened) kind.close(c);
    }
  }
  assert.deepEqual(results.proxy, results.direct);
  return results.proxy;
}

/**
 * One data-type script (command-scripts.ts) sent a command at a time with `send`, directly and
 * through the proxy: each reply must be the same both ways.
 */
export async function sameScriptReplies<C>(env: CompatEnv, kind: ClientKind<C>, family: string, send: (c: C, args: string[]) => Promise<unknown>): Promise<void> {
  const results: Record<Side, unknown[]> = { direct: [], proxy: [] };
  const shown: string[] = [];
  for (const side of SIDES) {
    const token = runToken(side === 'proxy' ? 'px' : 'dx');
    const c = await kind.connect(side);
    try {
      for (const cmd of dataScripts((name) => `${env.tag}${token}:${name}`)[family]) {
        const args = cmd.map(String);
        const reply = await send(c, args).then((v) => v, (e: Error) => e);
        results[side].push(comparableJson(comparable(args[0], reply), token));
        if (side === 'proxy') shown.push(String(comparableJson(args.join(' '), token)));
      }
    } finally {
      kind.close(c);
    }
  }
  for (let i = 0; i < results.direct.length; i++) assert.deepEqual(results.proxy[i], results.direct[i], shown[i]);
}
