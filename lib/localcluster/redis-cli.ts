// Runs redis-cli against a local node. Used for what redis-cli does best (`--cluster create`,
// `-c` redirect following) and for tests that want to talk to nodes the way a person would.
import { execFile } from 'node:child_process';
import type { TlsFiles } from '../backend/dial';

export interface CliTarget {
  host: string;
  port: number;
  password?: string;
  tls?: TlsFiles;
}

export interface CliOptions {
  binary?: string;
  timeoutMs?: number;
}

export const REDIS_CLI_MISSING =
  'install it with `apt-get install redis-tools` (or pass the redisCli option with its path)';

/** The redis-cli argument list: connection options first, so `args` may start with more options. */
export function cliArgs(target: CliTarget, args: readonly string[]): string[] {
  const auth = target.password !== undefined ? ['-a', target.password] : [];
  const t = target.tls;
  const tls = t ? ['--tls', ...(t.ca ? ['--cacert', t.ca] : []), ...(t.cert ? ['--cert', t.cert] : []), ...(t.key ? ['--key', t.key] : [])] : [];
  return ['-h', target.host, '-p', String(target.port), ...auth, ...tls, '--no-auth-warning', ...args];
}

/**
 * Resolves redis-cli's stdout, trimmed. Note that redis-cli exits 0 on an error *reply*, printing
 * it ("ERR ...") on stdout, so those resolve too; only failures of redis-cli itself (cannot
 * connect, bad usage, `--cluster` errors) reject.
 */
export function runRedisCli(target: CliTarget, args: readonly string[], opts: CliOptions = {}): Promise<string> {
  const binary = opts.binary ?? 'redis-cli';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const argv = cliArgs(target, args);
  return new Promise((resolve, reject) => {
    execFile(binary, argv, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout.trim());
        return;
      }
      const shown = redactPassword(`${binary} ${argv.join(' ')}`, target.password);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new Error(`${binary} not found: ${REDIS_CLI_MISSING}`));
      } else if (err.killed) {
        reject(new Error(`\`${shown}\` did not finish within ${timeoutMs} ms and was killed`));
      } else {
        // `--cluster` reports its errors on stdout, so fall back to it when stderr is empty.
        const detail = stderr.trim() || stdout.trim() || err.message;
        reject(new Error(`\`${shown}\` failed (exit ${String(code)}): ${detail}`));
      }
    });
  });
}

function redactPassword(text: string, password: string | undefined): string {
  return password ? text.split(` -a ${password} `).join(' -a *** ') : text;
}
