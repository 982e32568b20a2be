// Issue 23, item 4: INFO with several sections answers as Redis 7.0 does, with the sections that
// describe the data merged from the masters, and errorstats counts errors by prefix as Redis
// does. Compared with a standalone redis-server given the same commands.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startStandalone } from '../../../lib/localcluster/local-cluster';
import { sharedCluster } from '../../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { exchange } from '../../harness/raw-client';
import { command } from '../../../lib/protocol/resp';

/** Section headers and field -> value of an INFO text. */
function parse(text: string): { headers: string[]; fields: Map<string, string>; bySection: Map<string, string[]> } {
  const headers: string[] = [];
  const fields = new Map<string, string>();
  const bySection = new Map<string, string[]>();
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      headers.push(line.slice(2));
      bySection.set(line.slice(2), []);
    } else if (line) {
      const at = line.indexOf(':');
      fields.set(line.slice(0, at), line.slice(at + 1));
      bySection.get(headers[headers.length - 1])!.push(line.slice(0, at));
    }
  }
  return { headers, fields, bySection };
}

describe('one server: INFO with several sections, errorstats (issue 23, item 4)', function () {
  this.timeout(60_000);
  let proxy: RunningProxy;
  let standalone: { port: number; stop(): Promise<void> };
  let viaProxy: Redis;
  let direct: Redis;
  let clusterNode: Redis;

  before(async function () {
    const cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_ADMIN_COMMANDS: 'yes' });
    standalone = await startStandalone();
    viaProxy = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    direct = new Redis({ port: standalone.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clusterNode = new Redis({ port: cluster.nodes[0].port, host: cluster.nodes[0].host, maxRetriesPerRequest: 0 });
  });

  after(async function () {
    viaProxy?.disconnect();
    direct?.disconnect();
    clusterNode?.disconnect();
    await proxy?.stop();
    await standalone?.stop();
  });

  const info = async (c: Redis, ...args: string[]): Promise<string> => String(await c.call('INFO', ...args));

  it('chooses and orders sections as Redis 7.0 does, for any list of arguments', async function () {
    const cases = [
      [], ['default'], ['all'], ['everything'], ['ALL'], ['server', 'clients'], ['clients', 'server'], ['server', 'server'],
      ['foo'], ['foo', 'cpu'], ['commandstats', 'default'], ['default', 'latencystats'], ['errorstats'], ['modules'],
      ['keyspace'], ['persistence', 'replication'], ['all', 'default'], ['Stats', 'MEMORY', 'cluster'],
    ];
    for (const args of cases) {
      assert.deepEqual(parse(await info(viaProxy, ...args)).headers, parse(await info(direct, ...args)).headers, `INFO ${args.join(' ')}`);
    }
  });

  it('frames sections as Redis does: header, fields, one blank line between, an empty reply for unknown ones', async function () {
    for (const args of [['foo'], ['modules'], ['modules', 'foo'], ['server', 'clients'], ['cpu', 'modules']]) {
      const [mine, theirs] = await Promise.all([exchange(proxy.port, command(['INFO', ...args])), exchange(standalone.port, command(['INFO', ...args]))]);
      const shape = (raw: Buffer): string => raw.toString('latin1').replace(/^\$\d+/, '$N').replace(/[^\r\n#:]+:[^\r\n]*/g, 'f:v').replace(/(f:v\r\n)+/g, 'f:v\r\n');
      assert.equal(shape(mine.data), shape(theirs.data), `INFO ${args.join(' ')}`);
    }
  });

  it('the sections describing the data have the fields one server prints (persistence, replication)', async function () {
    const mine = parse(await info(viaProxy, 'persistence', 'replication'));
    const theirs = parse(await info(direct, 'persistence', 'replication'));
    assert.deepEqual(mine.bySection.get('Persistence'), theirs.bySection.get('Persistence'));
    assert.deepEqual(mine.bySection.get('Replication'), theirs.bySection.get('Replication'));
    assert.equal(mine.fields.get('role'), 'master');
    assert.equal(mine.fields.get('loading'), '0');
    // every master of the shared cluster has one replica
    assert.equal(mine.fields.get('connected_slaves'), '1');
    assert.equal(mine.fields.get('rdb_last_bgsave_status'), 'ok');
  });

  it('keyspace hits and misses are the masters’ summed', async function () {
    const before = parse(await info(viaProxy, 'stats')).fields;
    await viaProxy.set('info-sections:hit', 'v');
    await viaProxy.get('info-sections:hit');
    await viaProxy.get('info-sections:miss-a');
    await viaProxy.get('info-sections:miss-b');
    const after = parse(await info(viaProxy, 'stats')).fields;
    assert.equal(Number(after.get('keyspace_hits')) - Number(before.get('keyspace_hits')), 1);
    assert.equal(Number(after.get('keyspace_misses')) - Number(before.get('keyspace_misses')), 2);
  });

  it('describes a one-node cluster as a cluster node does (redis_mode, cluster_enabled)', async function () {
    const mine = parse(await info(viaProxy, 'server', 'cluster')).fields;
    const node = parse(await info(clusterNode, 'server', 'cluster')).fields;
    assert.equal(mine.get('redis_mode'), node.get('redis_mode'));
    assert.equal(mine.get('cluster_enabled'), node.get('cluster_enabled'));
    assert.equal(mine.get('redis_version'), node.get('redis_version'));
  });

  it('errorstats and total_error_replies count what one server counts, by prefix', async function () {
    const script = async (c: Redis): Promise<void> => {
      const quiet = (p: Promise<unknown>): Promise<unknown> => p.catch((e: Error) => e);
      await quiet(c.call('NOSUCHCOMMAND', 'x'));
      await quiet(c.call('GET'));
      await c.set('{es}str', 'x');
      await quiet(c.call('LPUSH', '{es}str', '1'));
      await quiet(c.call('INCR', '{es}str'));
      await quiet(c.call('XREADGROUP', 'GROUP', 'nogroup', 'c', 'STREAMS', '{es}stream', '>'));
      await quiet(c.call('EVALSHA', 'f'.repeat(40), '0'));
      await quiet(c.call('EVAL', "return {err='MYERR custom'}", '0'));
      await quiet(c.call('EVAL', `return redis.error_reply('${'L'.repeat(31)} too long for a prefix')`, '0'));
      await quiet(c.call('EVAL', "return redis.error_reply('NOSPACEATALL')", '0'));
      await quiet(c.call('EVAL', "return redis.call('INCR', KEYS[1])", '1', '{es}str'));
      await c.call('XGROUP', 'CREATE', '{es}stream', 'g', '$', 'MKSTREAM');
      await quiet(c.call('XGROUP', 'CREATE', '{es}stream', 'g', '$'));
      // errors inside a transaction, and a transaction refused at EXEC
      await quiet(c.multi().set('{es}t', 'x').incr('{es}t').lpush('{es}t', 'y').exec());
      await quiet(c.multi().call('NOSUCHCOMMAND').exec());
    };
    await viaProxy.call('PROXY', 'RESETSTAT');
    await direct.call('CONFIG', 'RESETSTAT');
    await script(viaProxy);
    await script(direct);
    const mine = parse(await info(viaProxy, 'errorstats', 'stats'));
    const theirs = parse(await info(direct, 'errorstats', 'stats'));
    assert.deepEqual(mine.bySection.get('Errorstats'), theirs.bySection.get('Errorstats'));
    for (const name of theirs.bySection.get('Errorstats')!) assert.equal(mine.fields.get(name), theirs.fields.get(name), name);
    assert.equal(mine.fields.get('total_error_replies'), theirs.fields.get('total_error_replies'));
  });

  it('errorstat_NOGROUP after an XREADGROUP woken by XGROUP DESTROY, as on one server', async function () {
    const wake = async (port: number, key: string): Promise<unknown> => {
      // no CLIENT SETINFO on connect: Redis 7.0 refuses it (an error to count), the proxy takes it
      const a = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, disableClientInfo: true });
      const b = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, disableClientInfo: true });
      try {
        await b.call('XGROUP', 'CREATE', key, 'g', '$', 'MKSTREAM');
        const blocked = a.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', key, '>').then(
          (v) => v,
          (e: Error) => e.message,
        );
        // the client must be blocked before the group goes: wait until its server says so
        const info = async (): Promise<string> => String(await b.call('INFO', 'clients'));
        for (let i = 0; i < 200 && !/blocked_clients:1/.test(await info()); i++) await new Promise((r) => setTimeout(r, 10));
        await b.call('XGROUP', 'DESTROY', key, 'g');
        return await blocked;
      } finally {
        a.disconnect();
        b.disconnect();
      }
    };
    await viaProxy.call('PROXY', 'RESETSTAT');
    await direct.call('CONFIG', 'RESETSTAT');
    const [mine, theirs] = [await wake(proxy.port, '{es}woken'), await wake(standalone.port, '{es}woken')];
    assert.equal(mine, theirs);
    assert.match(String(theirs), /^NOGROUP /);
    assert.equal(await info(viaProxy, 'errorstats'), await info(direct, 'errorstats'));
    assert.match(await info(viaProxy, 'errorstats'), /^# Errorstats\r\nerrorstat_NOGROUP:count=1\r\n$/);
  });

  it('the proxy’s own refusals count too (CROSSSLOT, as a cluster node counts it)', async function () {
    await viaProxy.call('PROXY', 'RESETSTAT');
    await viaProxy.call('MSETNX', '{a}x', '1', '{b}y', '2').catch(() => undefined);
    assert.match(await info(viaProxy, 'errorstats'), /^# Errorstats\r\nerrorstat_CROSSSLOT:count=1\r\n$/);
  });
});
