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
 * guests (steal). On a shared VM the steal share moves a run's ratios by more than most code
 * changes; runs are only comparable when it is low.
 */
export function machineTicks(): { total: number; steal: number } {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
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
