// A users file loaded both by a standalone Redis (--aclfile) and by a proxy (SLOTPROXY_USERS_FILE),
// for tests that compare what each answers to the same user.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { RespError, respCommands, type RespValue } from '../../lib/localcluster/resp-client';
import { sharedCluster } from './mocha-hooks';
import { startProxy, type RunningProxy } from './proxy';

/** A reply as text: errors as "-message", the rest as JSON. */
export const showReply = (r: RespValue | undefined): string => (r instanceof RespError ? `-${r.message}` : (JSON.stringify(r) ?? 'nothing'));

export interface UsersFile {
  readonly file: string;
  write(lines: readonly string[]): void;
  remove(): void;
}

/** A users file in a fresh temp dir. */
export function usersFile(lines: readonly string[]): UsersFile {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-users-'));
  const file = path.join(dir, 'users.acl');
  const write = (l: readonly string[]): void => fs.writeFileSync(file, l.join('\n') + '\n');
  write(lines);
  return { file, write, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** AUTH as `user` (password `<user>pw` unless given) then `cmd`, on a fresh connection: the command's reply as text. */
export async function runAs(port: number, user: string, cmd: string[], password = `${user}pw`): Promise<string> {
  const replies = await respCommands('127.0.0.1', port, [['AUTH', user, password], cmd], { timeoutMs: 10_000 });
  return showReply(replies[1]);
}

export interface AclPair {
  readonly users: UsersFile;
  readonly proxy: RunningProxy;
  readonly redis: StandaloneRedis;
  /** the reply of the proxy and of Redis to `cmd` run by `user` */
  both(user: string, cmd: string[]): Promise<[string, string]>;
  stop(): Promise<void>;
}

/** The proxy in front of the shared cluster and a standalone Redis, both with `lines` as users. */
export async function startAclPair(lines: readonly string[], proxyEnv: Record<string, string> = {}): Promise<AclPair> {
  const users = usersFile(lines);
  const [proxy, redis] = await Promise.all([
    startProxy((await sharedCluster()).seeds(), { SLOTPROXY_USERS_FILE: users.file, ...proxyEnv }),
    startStandalone({ extraArgs: ['--aclfile', users.file] }),
  ]);
  return {
    users,
    proxy,
    redis,
    both: (user, cmd) => Promise.all([runAs(proxy.port, user, cmd), runAs(redis.port, user, cmd)]),
    async stop() {
      await Promise.all([proxy.stop(), redis.stop()]);
      users.remove();
    },
  };
}

/** In a describe: a pair started before its tests and stopped after them; call the result in the tests. */
export function aclPairFor(lines: readonly string[], proxyEnv: Record<string, string> = {}): () => AclPair {
  let pair: AclPair | null = null;
  before(async function () {
    pair = await startAclPair(lines, proxyEnv);
  });
  after(async function () {
    await pair?.stop();
  });
  return () => pair!;
}

/**
 * Rules as Redis 7.0 describes them, with the single commands of each selector sorted: Redis
 * lists those in the order of its command dict, which changes every time it starts.
 */
export function normalized(rules: string): string {
  // each selector "(...)" and the root rules around them, on their own
  return rules.replace(/\(([^)]*)\)|[^()]+/g, (part, inner: string | undefined) => {
    const words = (inner ?? part).split(' ');
    const singles = words.filter((w) => /^[+-][^@]/.test(w)).sort();
    const rest = words.filter((w) => !/^[+-][^@]/.test(w));
    const text = [...rest.slice(0, rest.length - (rest.at(-1) === '' ? 1 : 0)), ...singles, ...(rest.at(-1) === '' ? [''] : [])].join(' ');
    return inner === undefined ? text : `(${text})`;
  });
}

/** GETUSER's reply with its "commands" normalized. */
export function getuserNormalized(reply: RespValue): RespValue {
  if (!Array.isArray(reply)) return reply;
  const fields = [...reply];
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'commands') fields[i + 1] = normalized(String(fields[i + 1]));
    if (fields[i] === 'selectors') fields[i + 1] = (fields[i + 1] as RespValue[]).map(getuserNormalized);
  }
  return fields;
}
