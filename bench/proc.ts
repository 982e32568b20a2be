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
