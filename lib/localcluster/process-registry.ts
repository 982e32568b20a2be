// Every redis-server this process starts is recorded here, so that none outlives us: not when a
// test fails, not on Ctrl-C, not on an uncaught exception, and (through the watchdog below) not
// even when this process dies without running any JavaScript (SIGKILL, a crash in native code).
// Only PIDs recorded here are ever signalled; nothing here looks processes up by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let installed = false;

/** Records a spawned child until it exits; installs the exit/signal hooks on first use. */
export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (child.pid !== undefined) watch(child.pid);
}

/** Records a directory we created, to be removed if the process exits before stop() did it. */
export function trackTempDir(dir: string): void {
  install();
  tempDirs.add(dir);
  // The watchdog's line protocol splits on whitespace; such a dir is left to the exit hook.
  if (!/\s/.test(dir)) tellWatchdog(`dir ${dir}`);
}

export function untrackTempDir(dir: string): void {
  if (tempDirs.delete(dir) && !/\s/.test(dir)) tellWatchdog(`undir ${dir}`);
}

export function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** PIDs of children that have not exited yet (for diagnostics and tests). */
export function trackedPids(): number[] {
  return [...children].filter(isRunning).map((c) => c.pid!);
}

/** Synchronous on purpose: it runs inside process.on('exit'), where nothing async gets to run. */
export function killAllSync(): void {
  for (const child of children) {
    if (!isRunning(child)) continue;
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      // Already gone between the check and the kill.
    }
  }
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a leftover temp dir is harmless, a throw inside 'exit' is not.
    }
  }
  tempDirs.clear();
}

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

function onSignal(signal: NodeJS.Signals): void {
  // Someone else (the daemon's graceful shutdown, a test runner) listens too: let them shut down
  // in order; our 'exit' hook still kills whatever is left when they finally exit. We run first
  // (prependListener), so a `once` listener of theirs is still counted here.
  if (process.listenerCount(signal) > 1) return;
  killAllSync();
  process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
}

function install(): void {
  if (installed) return;
  installed = true;
  // An uncaught exception also ends in 'exit', so it needs no hook of its own.
  process.on('exit', killAllSync);
  process.prependListener('SIGINT', onSignal);
  process.prependListener('SIGTERM', onSignal);
}

// The watchdog: a small shell process reading lines on a pipe from us: "pid PID STARTTIME" for
// each server, "dir PATH" / "undir PATH" for our temp dirs. The pipe only reaches end-of-file when
// this process is gone, however it died; the watchdog then SIGKILLs each recorded PID whose start
// time (field 22 of /proc/PID/stat) still matches, so a PID the kernel has since given to another
// process is left alone, and removes the dirs still recorded. Linux-only (/proc); elsewhere the
// exit and signal hooks above are all there is.
const WATCHDOG_SCRIPT = `
trap '' INT HUP
set -f
pids=""; dirs=""
while read -r kind a b; do
  case "$kind" in
    pid) pids="$pids $a:$b" ;;
    dir) dirs="$dirs $a" ;;
    undir) kept=""; for d in $dirs; do [ "$d" = "$a" ] || kept="$kept $d"; done; dirs=$kept ;;
  esac
done
killed=""
for entry in $pids; do
  pid=\${entry%%:*}
  stat=$(cat /proc/$pid/stat 2>/dev/null) || continue
  set -- \${stat##*) }
  shift 19
  [ "$1" = "\${entry#*:}" ] && kill -KILL "$pid" 2>/dev/null && killed=1
done
# Give the killed servers a moment to close their files before their dirs go.
[ -n "$killed" ] && sleep 0.2
for d in $dirs; do rm -rf -- "$d"; done
exit 0
`;

let watchdog: ChildProcess | null | undefined;

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function tellWatchdog(line: string): void {
  if (watchdog === undefined) {
    try {
      // detached: a terminal's Ctrl-C must not take the watchdog down together with us.
      watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
      watchdog.on('error', () => undefined);
      watchdog.stdin!.on('error', () => undefined);
      // Neither the watchdog nor its pipe may keep this process alive.
      watchdog.unref();
      (watchdog.stdin as Socket).unref();
    } catch {
      watchdog = null;
    }
  }
  watchdog?.stdin?.write(`${line}\n`);
}

function watch(pid: number): void {
  const start = startTime(pid);
  if (start !== null) tellWatchdog(`pid ${pid} ${start}`);
}
