// The proxy never allows what Redis refuses: one users file is loaded by a standalone Redis 7
// (--aclfile) and by the proxy (SLOTPROXY_USERS_FILE), and every user runs every command of
// acl-matrix.ts on both. Only allowed/refused is compared (a standalone Redis and a cluster differ
// in much else): refused is NOPERM, NOAUTH, or a script stopped by ACL. Where the proxy refuses
// what Redis allows (a safe difference) the pairs are listed in the output.
import assert from 'node:assert/strict';
import { LocalCluster, startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { RespError, respCommands } from '../../lib/localcluster/resp-client';
import { runAs, usersFile, type UsersFile } from '../harness/acl-pair';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { COMMANDS, SETUP, USERS, usersLines, type AclUser } from './acl-matrix';

const REFUSED = /^(NOPERM|NOAUTH) |^EXECABORT Transaction discarded because of: (NOPERM|NOAUTH) |The user executing the script can't/;

interface Outcome {
  refused: boolean;
  text: string;
}

/** AUTH as `user` and `cmd` on a fresh connection; only the command's first reply counts. */
async function outcome(port: number, user: AclUser, cmd: string[]): Promise<Outcome> {
  try {
    const text = await runAs(port, user.name, cmd, user.password);
    return { refused: text.startsWith('-') && REFUSED.test(text.slice(1)), text: text.slice(0, 120) };
  } catch (err) {
    return { refused: false, text: `no reply: ${(err as Error).message}` };
  }
}

/** Runs `jobs` with at most `width` in flight. */
async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

export interface Comparison {
  pairs: number;
  redisRefused: number;
  /** the proxy allowed what Redis refused: must stay empty */
  unsafe: string[];
  /** the proxy refused what Redis allowed (or refused with another error than an ACL one) */
  stricter: { pair: string; redis: string; proxy: string }[];
  /** no reply from the proxy (closed or timed out) */
  silent: string[];
  byPair: Map<string, { redis: Outcome; proxy: Outcome }>;
}

export async function compare(proxyPort: number, redisPort: number): Promise<Comparison> {
  const jobs = USERS.flatMap((u) => COMMANDS.map((c) => async () => ({ u, c, both: await Promise.all([outcome(redisPort, u, c), outcome(proxyPort, u, c)]) })));
  const results = await pool(jobs, 12);
  const cmp: Comparison = { pairs: results.length, redisRefused: 0, unsafe: [], stricter: [], silent: [], byPair: new Map() };
  for (const { u, c, both } of results) {
    const [redis, proxy] = both;
    const name = `${u.name}: ${c.map((a) => (a.length > 40 ? a.slice(0, 37) + '...' : a)).join(' ')}`;
    cmp.byPair.set(`${u.name} ${c.join(' ')}`, { redis, proxy });
    if (redis.refused) cmp.redisRefused++;
    if (proxy.text.startsWith('no reply')) cmp.silent.push(`${name} (${proxy.text})`);
    if (redis.refused && !proxy.refused) cmp.unsafe.push(`${name}\n      redis: ${redis.text}\n      proxy: ${proxy.text}`);
    if (!redis.refused && proxy.refused) cmp.stricter.push({ pair: name, redis: redis.text, proxy: proxy.text });
  }
  return cmp;
}

export async function setUp(port: number): Promise<void> {
  const replies = await respCommands('127.0.0.1', port, [['AUTH', 'default', 'defaultpw'], ...SETUP], { timeoutMs: 10_000 });
  const failed = replies.filter((r) => r instanceof RespError);
  assert.deepEqual(failed, [], `setting up ${port}`);
}

/** The pairs the proxy refuses and Redis does not, grouped by the proxy's reply. */
export function report(title: string, cmp: Comparison): void {
  console.log(`      ${title}: ${cmp.pairs} user x command pairs, ${cmp.redisRefused} refused by Redis; the proxy refuses ${cmp.stricter.length} more:`);
  const groups = new Map<string, typeof cmp.stricter>();
  for (const s of cmp.stricter) {
    const key = s.proxy.slice(0, 100);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [proxyReply, pairs] of groups) {
    const redisReplies = [...new Set(pairs.map((p) => p.redis.slice(0, 60)))].slice(0, 3).join(' | ');
    console.log(`        proxy ${proxyReply} (${pairs.length}); Redis: ${redisReplies}`);
    for (const p of pairs) console.log(`          ${p.pair}`);
  }
}

describe('ACL: the proxy never allows what Redis refuses (differential)', function () {
  this.timeout(300_000);
  let users: UsersFile;
  let cluster: LocalCluster;
  let redis: StandaloneRedis;
  let proxy: RunningProxy;
  let clusterMode: RunningProxy;

  before(async function () {
    users = usersFile(usersLines());
    const file = users.file;
    // a cluster of its own: users allowed FLUSHALL, FUNCTION and SCRIPT commands run them
    [cluster, redis] = await Promise.all([LocalCluster.start({ masters: 3, replicasPerMaster: 0 }), startStandalone({ extraArgs: ['--aclfile', file] })]);
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_USERS_FILE: file });
    clusterMode = await startProxy(cluster.seeds(), { SLOTPROXY_USERS_FILE: file, SLOTPROXY_ACL_SCRIPTS: 'cluster' });
    await Promise.all([setUp(redis.port), setUp(proxy.port)]);
  });

  after(async function () {
    await clusterMode?.stop();
    await proxy?.stop();
    await Promise.all([cluster?.stop(), redis?.stop()]);
    users?.remove();
  });

  it('every user x command: refused by the proxy wherever Redis refuses (scripts refused for restricted users)', async function () {
    const cmp = await compare(proxy.port, redis.port);
    report('SLOTPROXY_ACL_SCRIPTS=refuse', cmp);
    assert.deepEqual(cmp.unsafe, [], `the proxy allowed ${cmp.unsafe.length} commands Redis refuses:\n    ${cmp.unsafe.join('\n    ')}`);
    assert.deepEqual(cmp.silent, [], 'every command gets a reply from the proxy');
    assert.ok(cmp.pairs >= 2000, `${cmp.pairs} pairs`);
    assert.ok(cmp.redisRefused >= 500, `Redis refused ${cmp.redisRefused} pairs: the users file restricts enough to test something`);
    // the example, both ways: Redis stops the script, the proxy refuses it
    const ivan = cmp.byPair.get(`ivan EVAL ${"return redis.call('get', 'bar{foo1}')"} 1 foo1`)!;
    assert.match(ivan.redis.text, /can't access at least one of the keys/);
    assert.match(ivan.proxy.text, /^-NOPERM slotproxy cannot see which keys/);
    // and an unrestricted user's scripts run through the proxy (bar{foo1} holds what the last script wrote)
    assert.match(cmp.byPair.get(`all EVAL ${"return redis.call('get', 'bar{foo1}')"} 1 foo1`)!.proxy.text, /^("\w+"|null)$/);
  });

  it('SLOTPROXY_ACL_SCRIPTS=cluster: scripts run on the nodes as their user, who refuse what Redis refuses', async function () {
    const cmp = await compare(clusterMode.port, redis.port);
    report('SLOTPROXY_ACL_SCRIPTS=cluster', cmp);
    assert.deepEqual(cmp.unsafe, [], `the proxy allowed ${cmp.unsafe.length} commands Redis refuses:\n    ${cmp.unsafe.join('\n    ')}`);
    assert.deepEqual(cmp.silent, [], 'every command gets a reply from the proxy');
    const scripts = cmp.stricter.filter((s) => /EVAL|FCALL/.test(s.pair));
    assert.deepEqual(scripts, [], 'no script Redis runs is refused');
    const ivan = cmp.byPair.get(`ivan EVAL ${"return redis.call('get', 'bar{foo1}')"} 1 foo1`)!;
    assert.match(ivan.proxy.text, /The user executing the script can't access at least one of the keys/);
    assert.equal(cmp.byPair.get(`ivan EVAL ${"return redis.call('get', KEYS[1])"} 1 foo1`)!.proxy.text.startsWith('-'), false);
  });
});
