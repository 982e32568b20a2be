import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, configTable, flagName, helpText, loadConfig, OPTIONS, takeOver, type OptionName } from '../../lib/config';

describe('configuration', function () {
  it('defaults come from the one defaults table', function () {
    const c = loadConfig({}, []);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 7777);
    assert.deepEqual(c.cluster, []);
    assert.equal(c.maxQueryBuffer, 1024 ** 3);
    assert.equal(c.maxBulkLength, 512 * 1024 ** 2);
    assert.equal(c.parser, 'auto');
    assert.equal(c.demo, false);
  });

  it('reads SLOTPROXY_* variables, and flags win over them', function () {
    const c = loadConfig({ SLOTPROXY_PORT: '8000', SLOTPROXY_CLUSTER: '10.0.0.1:7000, [::1]:7001' }, ['--port', '9000', '--demo', '--log-level=debug']);
    assert.equal(c.port, 9000);
    assert.deepEqual(c.cluster, [
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
    ]);
    assert.equal(c.demo, true);
    assert.equal(c.logLevel, 'debug');
  });

  it('sizes take units', function () {
    assert.equal(loadConfig({ SLOTPROXY_MAX_QUERY_BUFFER: '64kb' }, []).maxQueryBuffer, 65536);
    assert.equal(loadConfig({ SLOTPROXY_MAX_QUERY_BUFFER: '2MB' }, []).maxQueryBuffer, 2 * 1024 * 1024);
    assert.equal(loadConfig({ SLOTPROXY_MAX_QUERY_BUFFER: '5000' }, []).maxQueryBuffer, 5000);
  });

  it('shares are a size or a percentage', function () {
    assert.equal(loadConfig({}, []).maxmemoryClients, '50%');
    assert.equal(loadConfig({ SLOTPROXY_MAXMEMORY_CLIENTS: '16mb' }, []).maxmemoryClients, String(16 * 1024 * 1024));
    assert.equal(loadConfig({}, ['--maxmemory-clients', '25%']).maxmemoryClients, '25%');
    assert.equal(loadConfig({ SLOTPROXY_MAXMEMORY_CLIENTS: '0' }, []).maxmemoryClients, '0');
  });

  const bad: [Record<string, string>, string[], RegExp][] = [
    [{ SLOTPROXY_PORT: 'x' }, [], /^SLOTPROXY_PORT must be an integer between 0 and 65535, got "x"$/],
    [{ SLOTPROXY_READ_FROM: 'slave' }, [], /^SLOTPROXY_READ_FROM must be one of master, prefer-master, replica, prefer-replica, any, got "slave"$/],
    [{ SLOTPROXY_REPLICA_MAX_LAG_MS: '0' }, [], /^SLOTPROXY_REPLICA_MAX_LAG_MS must be at least 1/],
    [{}, ['--port', '-1'], /^--port must be at least 0/],
    [{ SLOTPROXY_CLUSTER: 'a:b' }, [], /^SLOTPROXY_CLUSTER must be comma-separated host:port pairs/],
    [{ SLOTPROXY_CLUSTER: 'h:70000' }, [], /^SLOTPROXY_CLUSTER must be/],
    [{ SLOTPROXY_PARSER: 'c' }, [], /^SLOTPROXY_PARSER must be one of auto, native, js/],
    [{ SLOTPROXY_DEMO: 'perhaps' }, [], /^SLOTPROXY_DEMO must be yes or no/],
    [{ SLOTPROXY_MAX_BULK_LENGTH: '4gb' }, [], /^SLOTPROXY_MAX_BULK_LENGTH must be at most/],
    [{ SLOTPROXY_MAXMEMORY_CLIENTS: '101%' }, [], /^SLOTPROXY_MAXMEMORY_CLIENTS must be a size such as 64mb or 1gb, or a percentage such as 50%/],
    [{}, ['--nope'], /^unknown option --nope/],
    [{}, ['stray'], /^unexpected argument "stray"/],
    [{}, ['--port'], /^--port needs a value/],
  ];
  for (const [env, argv, message] of bad) {
    it(`refuses ${JSON.stringify(env)} ${argv.join(' ')} with one clear line`, function () {
      assert.throws(() => loadConfig(env, argv), (err: Error) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'));
    });
  }

  it('every option has a flag named after it', function () {
    for (const name of Object.keys(OPTIONS) as OptionName[]) assert.match(flagName(name), /^--[a-z]+(-[a-z]+)*$/);
  });

  it('a reload takes over the live settings and names every other one that changed', function () {
    const names = Object.keys(OPTIONS) as OptionName[];
    const current = loadConfig({}, []);
    const emptyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-conf-')), 'empty.env');
    fs.writeFileSync(emptyFile, '');
    // each setting changed to another valid value, by its command-line spelling
    const argv = names.flatMap((name) => {
      const spec = OPTIONS[name] as { type: string; default: string; values?: readonly string[]; min?: number };
      const other: Record<string, () => string> = {
        bool: () => (spec.default === 'yes' ? 'no' : 'yes'),
        enum: () => spec.values!.find((v) => v !== spec.default)!,
        seeds: () => '10.0.0.9:7000',
        share: () => '25%',
        string: () => (name === 'configFile' ? emptyFile : `changed-${name}`),
      };
      const value = (other[spec.type] ?? (() => String(spec.default === String(spec.min) ? Number(spec.min) + 1 : spec.min)))();
      return [`${flagName(name)}=${value}`];
    });
    const next = loadConfig({}, argv);
    for (const name of names) assert.notDeepEqual(next[name], current[name], `${name} was changed`);
    const restart = takeOver(current, next);
    assert.deepEqual(restart, names.filter((n) => !OPTIONS[n].live).map((n) => OPTIONS[n].env));
    for (const name of names) assert.deepEqual(current[name], OPTIONS[name].live ? next[name] : loadConfig({}, [])[name], name);
    assert.deepEqual(takeOver(current, { ...current }), [], 'nothing changed, nothing to restart');
    fs.rmSync(path.dirname(emptyFile), { recursive: true });
  });

  it('--help marks the live settings', function () {
    const help = helpText();
    for (const name of Object.keys(OPTIONS) as OptionName[]) {
      const line = help.split('\n').find((l) => l.startsWith(`  ${flagName(name)} `))!;
      assert.equal(line.endsWith(', live)'), OPTIONS[name].live, line);
    }
  });

  it("the README's configuration table is the generated one", function () {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    assert.ok(readme.includes(configTable()), "README.md is out of date: run node dist/scripts/sync-readme.js");
  });
});
