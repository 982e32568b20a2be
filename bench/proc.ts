// CPU time of a process from /proc (Linux), for "proxy CPU seconds per million requests".
import { execSync } from 'node:child_process';
import fs from 'node:fs';

export const TICKS = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds in user space and in the kernel, of a process or added up. */
export interface CpuTimes {
  user: number;
  system: number;
}

/** User and kernel CPU seconds used so far by `pid` (and its threads). */
export function cpuTimes(pid: number): CpuTimes {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / TICKS, system: Number(fields[12]) / TICKS };
}

/** user + system CPU seconds used so far by `pid` (and its threads). */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** `to` - `from`, in microseconds per request of `requests`. */
export function perRequest(from: CpuTimes, to: CpuTimes, requests: number): CpuTimes {
  return { user: ((to.user - from.user) / requests) * 1e6, system: ((to.system - from.system) / requests) * 1e6 };
}

/** "user + kernel" of a per-request figure, in µs with two decimals. */
export function userKernel(t: CpuTimes): string {
  return `${t.user.toFixed(2)} + ${t.system.toFixed(2)}`;
}

/** user + system CPU seconds used so far by all of `pids` (the masters of a cluster, say). */
export function cpuSecondsOf(pids: number[]): number {
  return pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
}

/**
 * Machine-wide CPU ticks so far (/proc/stat): all of them, and those the hypervisor gave to other
 * guests (steal). A shared VM slows runs unevenly: between two full runs of the same code, direct
 * MSET -P1 stayed at 47k req/s while the proxy's went from 19k to 27k. Steal is the part of that
 * the guest can see.
 */
export function machineTicks(): MachineTicks {
  try {
    // user nice system idle iowait irq softirq steal (guest time, after them, is inside user)
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: cpu.reduce((a, b) => a + b, 0), steal: cpu[7] ?? 0, idle: (cpu[3] ?? 0) + (cpu[4] ?? 0) };
  } catch {
    return { total: 0, steal: 0, idle: 0 };
  }
}

/**
 * Machine-wide ticks: all, stolen, and idle (no process of any guest's had work: on a closed loop
 * such as redis-benchmark's, the cores the processes leave unused while they wait on each other).
 */
export interface MachineTicks {
  total: number;
  steal: number;
  idle: number;
}

/** `to` - `from`, added into `sum` (for a share over several runs). */
export function addTicks(sum: MachineTicks, from: MachineTicks, to: MachineTicks): void {
  sum.total += to.total - from.total;
  sum.steal += to.steal - from.steal;
  sum.idle += to.idle - from.idle;
}

/** Percent of the ticks that were `what` ('-' without /proc). */
export function tickShare(t: MachineTicks, what: 'steal' | 'idle'): string {
  return t.total > 0 ? ((100 * t[what]) / t.total).toFixed(1) : '-';
}

/** Percent of the machine's CPU time stolen between two machineTicks() samples. */
export function stealPercent(from: MachineTicks, to: MachineTicks): string {
  const d = { total: 0, steal: 0, idle: 0 };
  addTicks(d, from, to);
  return tickShare(d, 'steal');
}
