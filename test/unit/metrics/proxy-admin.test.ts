import assert from 'node:assert/strict';
import { SlotMap } from '../../../lib/cluster/slot-map';
import { loadConfig, OPTIONS, takeOver, type Config, type OptionName } from '../../../lib/config';
import { slotRanges } from '../../../lib/proxy/families/proxy-admin';
import { configGet, configSet, RUNTIME_SETTINGS, settingName } from '../../../lib/proxy/families/proxy-config';

describe('PROXY admin helpers', function () {
  it('CONFIG GET: glob over setting names, case-insensitive, secrets not shown', function () {
    const config = loadConfig({ SLOTPROXY_PASSWORD: 'hunter2', SLOTPROXY_CLUSTER: '10.0.0.1:7000,[::1]:7001' }, []);
    assert.deepEqual(configGet(config, 'slowlog-*'), ['slowlog-max-len', '128', 'slowlog-us', '10000']);
    assert.deepEqual(configGet(config, 'SLOWLOG-US'), ['slowlog-us', '10000']);
    assert.deepEqual(configGet(config, '*password'), ['password', '(set)', 'redis-password', '']);
    assert.deepEqual(configGet(config, 'cluster'), ['cluster', '10.0.0.1:7000,[::1]:7001']);
    assert.deepEqual(configGet(config, 'protected-mode'), ['protected-mode', 'yes']);
    assert.deepEqual(configGet(config, 'nosuch'), []);
    const all = configGet(config, '*');
    assert.ok(!all.includes('hunter2'));
    assert.ok(all.includes('metrics-port'));
  });

  it('CONFIG SET: live settings only, checked like start-up, all or nothing', function () {
    const config = loadConfig({}, []);
    const settings = { config, reload: (next: Config) => takeOver(config, next) };
    assert.equal(configSet(settings, [['slowlog-us', '500'], ['MAX-REDIRECTS', '3'], ['client-output-limit', '1mb']]), null);
    assert.equal(config.slowlogUs, 500);
    assert.equal(config.maxRedirects, 3);
    assert.equal(config.clientOutputLimit, 1024 * 1024);
    assert.match(configSet(settings, [['port', '1']])!, /^ERR 'port' cannot be changed while slotproxy runs \(set SLOTPROXY_PORT and restart\); PROXY CONFIG SET can change: shutdown-timeout-ms, /);
    assert.match(configSet(settings, [['nosuch', '1']])!, /^ERR unknown setting 'nosuch'; PROXY CONFIG SET can change: /);
    assert.equal(configSet(settings, [['slowlog-us', '7'], ['max-redirects', '-5']]), 'ERR PROXY CONFIG SET failed: max-redirects must be at least 0, got "-5"');
    assert.equal(config.slowlogUs, 500, 'nothing applied when one value is bad');
    assert.equal(configSet(settings, [['timeout', 'soon']]), 'ERR PROXY CONFIG SET failed: timeout must be an integer between 0 and 100000000, got "soon"');
    assert.match(configSet(settings, [['backend-connections', '2']])!, /cannot be changed/);
    assert.equal(configSet(settings, [['max-pending', '100']]), null);
    assert.equal(config.maxPending, 100);
    const failing = { config, reload: (): string[] => { throw new Error('users.acl:1: unknown rule'); } };
    assert.equal(configSet(failing, [['slowlog-us', '9']]), 'ERR PROXY CONFIG SET failed: users.acl:1: unknown rule');
    assert.equal(config.slowlogUs, 500, 'nothing applied when the reload fails');
  });

  it('the live column decides both: PROXY CONFIG SET accepts exactly what SIGHUP takes over', function () {
    const names = Object.keys(OPTIONS) as OptionName[];
    assert.deepEqual(RUNTIME_SETTINGS, names.filter((n) => OPTIONS[n].live));
    for (const name of names) {
      const config = loadConfig({}, []);
      const settings = { config, reload: (next: Config) => takeOver(config, next) };
      const refused = configSet(settings, [[settingName(name), OPTIONS[name].default]]);
      if (OPTIONS[name].live) assert.equal(refused, null, name);
      else assert.match(refused!, new RegExp(`^ERR '${settingName(name)}' cannot be changed while slotproxy runs \\(set ${OPTIONS[name].env} and restart\\)`), name);
    }
  });

  it('every runtime setting names an option', function () {
    for (const name of RUNTIME_SETTINGS) assert.match(settingName(name), /^[a-z]+(-[a-z]+)*$/);
  });

  it('slot ranges per master', function () {
    const map = SlotMap.fromRanges([
      { start: 0, end: 99, shard: { master: 'a:1', replicas: [] } },
      { start: 100, end: 100, shard: { master: 'b:1', replicas: [] } },
      { start: 101, end: 200, shard: { master: 'a:1', replicas: [] } },
      { start: 300, end: 16383, shard: { master: 'c:1', replicas: [] } },
    ]);
    assert.deepEqual(slotRanges(map.owners, map.masters.length), [['0-99', '101-200'], ['100'], ['300-16383']]);
  });
});
