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

/** user + system CPU seconds used so far by `pid` (and its threads). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/**
 * Machine-wide CPU ticks so far (/proc/stat): all of them, and those the hypervisor gave to other
 * guests (steal). A shared VM slows runs unevenly: between two full runs of the same code, direct
 * MSET -P1 stayed at 47k req/s while the proxy's went from 19k to 27k. Steal is the part of that
 * the guest can see.
 */
export function machineTicks(): { total: number; steal: number } {
  try {
    // user nice system idle iowait irq softirq steal (guest time, after them, is inside user)
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: cpu.reduce((a, b) => a + b, 0), steal: cpu[7] ?? 0 };
  } catch {
    return { total: 0, steal: 0 };
  }
}

/** Percent of the machine's CPU time stolen between two machineTicks() samples ('-' without /proc). */
export function stealPercent(from: { total: number; steal: number }, to: { total: number; steal: number }): string {
  const total = to.total - from.total;
  return total > 0 ? ((100 * (to.steal - from.steal)) / total).toFixed(1) : '-';
}
