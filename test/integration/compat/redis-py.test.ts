// redis-py (Debian's python3-redis 4.3.4), redis.Redis and redis.cluster.RedisCluster, through the
// proxy and straight to the cluster. Each pattern group is one python script
// (test/integration/compat/py/) that runs both modes both ways and prints JSON; the results of
// the direct runs and of the proxy's must match.
import assert from 'node:assert/strict';
import { comparableJson, runPython, runToken } from '../../harness/compat';
import { comparable, dataScripts, type Cmd } from './command-scripts';
import { MODES, SIDES, useCompatEnv, type Mode, type Side } from './differential';

const SALT = 'py';
type Tokens = Record<Mode, Record<Side, string>>;
type Results = Record<string, Record<Side, unknown>>;

describe('compatibility: redis-py through the proxy and directly', function () {
  this.timeout(90_000);
  const env = useCompatEnv(SALT);

  function tokens(): Tokens {
    const side = (): Record<Side, string> => ({ direct: runToken('dx'), proxy: runToken('px') });
    return { standalone: side(), cluster: side() };
  }

  /** Runs a pattern group's script; returns its results per mode, the run tokens replaced. */
  async function group(script: string, extra: (t: Tokens) => Record<string, unknown> = () => ({})): Promise<Results> {
    const t = tokens();
    const { viaProxy, master, seed, tag } = env();
    const input = { proxy: viaProxy, master, seed, tag, tokens: t, ...extra(t) };
    const raw = (await runPython(script, input)) as Record<string, Record<Side, unknown>>;
    const out: Results = {};
    for (const [mode, sides] of Object.entries(raw)) {
      out[mode] = { direct: comparableJson(sides.direct, t[mode as Mode].direct), proxy: comparableJson(sides.proxy, t[mode as Mode].proxy) };
    }
    return out;
  }

  function same(results: Results, mode: string): void {
    assert.ok(results[mode], `no results for ${mode}`);
    assert.deepEqual(results[mode].proxy, results[mode].direct);
  }

  describe('data types (one command at a time through execute_command)', function () {
    const families = Object.keys(dataScripts(String));
    let results: Results;
    let scripts: Record<Mode, Record<Side, Record<string, Cmd[]>>>;

    before(async function () {
      results = await group('data_types.py', (t) => {
        const of = (token: string): Record<string, Cmd[]> => dataScripts((name) => `${env().tag}${token}:${name}`);
        scripts = {
          standalone: { direct: of(t.standalone.direct), proxy: of(t.standalone.proxy) },
          cluster: { direct: of(t.cluster.direct), proxy: of(t.cluster.proxy) },
        };
        return { scripts };
      });
    });

    for (const mode of MODES) {
      for (const family of families) {
        it(`${mode}: ${family}`, function () {
          const sides = results[mode] as Record<Side, Record<string, unknown[]> | { error: string }>;
          for (const side of SIDES) assert.ok(!('error' in sides[side]), `${side}: ${JSON.stringify(sides[side])}`);
          const direct = (sides.direct as Record<string, unknown[]>)[family];
          const proxy = (sides.proxy as Record<string, unknown[]>)[family];
          const cmds = scripts[mode].proxy[family];
          for (let i = 0; i < cmds.length; i++) {
            const name = String(cmds[i][0]);
            assert.deepEqual(comparable(name, proxy[i]), comparable(name, direct[i]), String(comparableJson(cmds[i].join(' '), 'px')));
          }
        });
      }
    }
  });

  describe('application patterns', function () {
    /** The group's script, both modes (or those named), each the same directly and through the proxy. */
    async function sameBothWays(script: string, modes: readonly Mode[] = MODES): Promise<void> {
      const r = await group(script);
      for (const mode of modes) same(r, mode);
    }

    it('pipelines, with an error in the middle', () => sameBothWays('pipelines.py'));
    it('transactions: MULTI/EXEC with an error inside, EXECABORT, WATCH (redis.Redis)', () => sameBothWays('transactions.py', ['standalone']));
    it('pub/sub: channels and patterns', () => sameBothWays('pubsub.py'));
    it('scripts: register_script, SCRIPT LOAD and EVALSHA, FUNCTION LOAD and FCALL', () => sameBothWays('scripts.py'));
    it('blocking commands woken by another client, and timing out', () => sameBothWays('blocking.py'));
    it('SCAN iteration, HSCAN / SSCAN / ZSCAN', () => sameBothWays('scan.py'));
    it('big values (2 MB)', () => sameBothWays('big_values.py'));
  });
});
