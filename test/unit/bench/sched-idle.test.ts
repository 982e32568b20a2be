// bench/sched-idle.ts reduces `perf sched timehist` output to idle shares: checked on a small
// trace written in perf's format, where the answers are known by hand.
import assert from 'node:assert/strict';
import { idleFigures, type Role } from '../../../bench/sched-idle';

// time [cpu] task wait-ms delay-ms run-ms: each line is a switch-out after `run` ms of running.
const TRACE = `
           time    cpu  task name                       wait time  sch delay   run time
                        [tid/pid]                          (msec)     (msec)     (msec)
--------------- ------  ------------------------------  ---------  ---------  ---------
     100.002000 [0000]  <idle>                              0.000      0.000      2.000
     100.002000 [0001]  node[700/700]                       0.000      0.000      2.000
     100.003000 [0001]  redis-benchmark[500]                0.000      1.500      1.000
     100.004000 [0000]  redis-server[600]                   0.000      0.000      2.000
     100.004000 [0001]  V8 Worker[701/700]                  0.000      0.500      1.000
`;

const role: Role = (name, pid) => (name === 'redis-benchmark' ? 'generator' : name === 'redis-server' ? 'masters' : pid === 700 ? 'proxy' : null);

describe('bench/sched-idle: perf sched timehist reduced', () => {
  it('measures the idle share and the idle time during which a woken task waited elsewhere', () => {
    const f = idleFigures(TRACE, 2, role);
    // 4 ms traced on 2 CPUs, 2 ms of them idle
    assert.equal(f.idleShare.toFixed(3), '0.250');
    // redis-benchmark was woken at 100.0005 and ran at 100.002 on CPU 1: it waited through
    // 1.5 of CPU 0's 2 idle ms; the worker's wait (100.0025-100.003) came after the idle stretch
    assert.equal(f.idleWhileWaiting.toFixed(3), '0.750');
    assert.equal(f.delays.get('generator')?.count, 1);
    assert.equal(f.delays.get('generator')!.avgMicros.toFixed(0), '1500');
    // a thread of the proxy counts as the proxy (tid/pid), and tasks without a role are left out
    assert.equal(f.delays.get('proxy')?.count, 1);
    assert.equal(f.delays.get('proxy')!.avgMicros.toFixed(0), '500');
    assert.equal(f.delays.size, 2);
  });

  it('gives zeros for a trace without switches', () => {
    const f = idleFigures('no samples\n', 2, role);
    assert.equal(f.idleShare, 0);
    assert.equal(f.idleWhileWaiting, 0);
    assert.equal(f.delays.size, 0);
  });
});
