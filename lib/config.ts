// Settings: one typed defaults table, read from SLOTPROXY_* variables and the matching --flags
// (flags win). `slotproxy --help` prints this table; a bad value stops start-up with one line.
import fs from 'node:fs';
import os from 'node:os';

export type OptionType = 'string' | 'int' | 'bool' | 'size' | 'enum' | 'seeds' | 'workers';

interface OptionSpec {
  env: string;
  type: OptionType;
  default: string;
  help: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

export const OPTIONS = {
  host: { env: 'SLOTPROXY_HOST', type: 'string', default: '127.0.0.1', help: 'address to listen on' },
  port: { env: 'SLOTPROXY_PORT', type: 'int', default: '7777', min: 0, max: 65535, help: 'port to listen on (0: any free port)' },
  cluster: {
    env: 'SLOTPROXY_CLUSTER',
    type: 'seeds',
    default: '',
    help: 'comma-separated host:port seeds of the Redis Cluster; start-up needs one to answer',
  },
  configFile: {
    env: 'SLOTPROXY_CONFIG_FILE',
    type: 'string',
    default: '',
    help: 'file of SLOTPROXY_NAME=value lines (over the environment, under flags); read again on SIGHUP',
  },
  shutdownTimeoutMs: {
    env: 'SLOTPROXY_SHUTDOWN_TIMEOUT_MS',
    type: 'int',
    default: '10000',
    min: 0,
    max: 3600000,
    help: 'on SIGTERM/SIGINT, how long requests in flight may take to finish before connections are closed',
  },
  demo: {
    env: 'SLOTPROXY_DEMO',
    type: 'bool',
    default: 'no',
    help: 'start a throwaway local cluster (redis-server on free ports) and proxy it',
  },
  demoMasters: { env: 'SLOTPROXY_DEMO_MASTERS', type: 'int', default: '3', min: 1, max: 100, help: 'masters of the --demo cluster' },
  demoReplicas: { env: 'SLOTPROXY_DEMO_REPLICAS', type: 'int', default: '1', min: 0, max: 5, help: 'replicas per master of the --demo cluster' },
  backendConnections: {
    env: 'SLOTPROXY_BACKEND_CONNECTIONS',
    type: 'int',
    default: '1',
    min: 1,
    max: 64,
    help: 'multiplexed connections per master; each client is pinned to one, which keeps its commands in order',
  },
  blockingConnections: {
    env: 'SLOTPROXY_BLOCKING_CONNECTIONS',
    type: 'int',
    default: '256',
    min: 1,
    max: 100000,
    help: 'dedicated connections per node for blocking commands (BLPOP, XREAD BLOCK ...); beyond it they are refused',
  },
  refreshMs: { env: 'SLOTPROXY_REFRESH_MS', type: 'int', default: '5000', min: 100, max: 3600000, help: 'periodic topology refresh (CLUSTER SLOTS)' },
  refreshMinIntervalMs: {
    env: 'SLOTPROXY_REFRESH_MIN_INTERVAL_MS',
    type: 'int',
    default: '200',
    min: 0,
    max: 60000,
    help: 'least time between two refreshes triggered by MOVED or lost connections',
  },
  requestTimeoutMs: {
    env: 'SLOTPROXY_REQUEST_TIMEOUT_MS',
    type: 'int',
    default: '10000',
    min: 0,
    max: 3600000,
    help: 'a request not answered within this gets an error; a backend that stalls this long is disconnected (0: never)',
  },
  connectTimeoutMs: { env: 'SLOTPROXY_CONNECT_TIMEOUT_MS', type: 'int', default: '2000', min: 10, max: 600000, help: 'backend connect timeout' },
  maxRedirects: {
    env: 'SLOTPROXY_MAX_REDIRECTS',
    type: 'int',
    default: '16',
    min: 0,
    max: 1000,
    help: 'MOVED/ASK/TRYAGAIN/CLUSTERDOWN retries of one request before its error goes to the client',
  },
  retryDelayMs: {
    env: 'SLOTPROXY_RETRY_DELAY_MS',
    type: 'int',
    default: '20',
    min: 1,
    max: 10000,
    help: 'first back-off after TRYAGAIN/CLUSTERDOWN; doubles per retry up to 25x',
  },
  maxClients: { env: 'SLOTPROXY_MAX_CLIENTS', type: 'int', default: '10000', min: 1, max: 10000000, help: 'client connections (like maxclients)' },
  maxPending: {
    env: 'SLOTPROXY_MAX_PENDING',
    type: 'int',
    default: '50000',
    min: 16,
    max: 100000000,
    help: 'commands of one client waiting for their replies before the proxy stops reading from it (backpressure)',
  },
  clientOutputLimit: {
    env: 'SLOTPROXY_CLIENT_OUTPUT_LIMIT',
    type: 'size',
    default: '256mb',
    min: 0,
    help: 'replies queued for a client that does not read them before it is closed (0: no limit; subscribers: 32mb, or 8mb for 60 s)',
  },
  timeout: { env: 'SLOTPROXY_TIMEOUT', type: 'int', default: '0', min: 0, max: 100000000, help: 'close clients idle this many seconds, except blocked and subscribed ones (like timeout; 0: never)' },
  tcpKeepalive: { env: 'SLOTPROXY_TCP_KEEPALIVE', type: 'int', default: '300', min: 0, max: 100000, help: 'TCP keepalive of client connections, seconds (like tcp-keepalive; 0: off)' },
  maxQueryBuffer: {
    env: 'SLOTPROXY_MAX_QUERY_BUFFER',
    type: 'size',
    default: '1gb',
    min: 1024,
    help: 'bytes of one unfinished command a client may send (like client-query-buffer-limit)',
  },
  maxBulkLength: {
    env: 'SLOTPROXY_MAX_BULK_LENGTH',
    type: 'size',
    default: '512mb',
    min: 1,
    max: 2 ** 31 - 64,
    help: 'largest argument accepted (like proto-max-bulk-len)',
  },
  password: {
    env: 'SLOTPROXY_PASSWORD',
    type: 'string',
    default: '',
    help: 'password clients must give with AUTH (like requirepass); empty: none',
  },
  usersFile: {
    env: 'SLOTPROXY_USERS_FILE',
    type: 'string',
    default: '',
    help: 'users in Redis ACL file syntax (user <name> on >password ~keys:* +@read ...) for AUTH <user> <password>',
  },
  aclPubsubDefault: {
    env: 'SLOTPROXY_ACL_PUBSUB_DEFAULT',
    type: 'enum',
    default: 'resetchannels',
    values: ['resetchannels', 'allchannels'],
    help: 'channels of users-file users whose rules name none (like acl-pubsub-default; Redis 7: resetchannels)',
  },
  aclScripts: {
    env: 'SLOTPROXY_ACL_SCRIPTS',
    type: 'enum',
    default: 'refuse',
    values: ['refuse', 'cluster'],
    help: 'EVAL/FCALL of users with key, command or channel rules: refused (NOPERM), or run on the nodes as that user, created there from the users file, so Redis checks what the script does (docs/security.md)',
  },
  protectedMode: {
    env: 'SLOTPROXY_PROTECTED_MODE',
    type: 'bool',
    default: 'yes',
    help: 'without a password, refuse clients that do not connect from loopback (like protected-mode)',
  },
  tlsCert: { env: 'SLOTPROXY_TLS_CERT', type: 'string', default: '', help: 'PEM certificate: clients must then connect with TLS' },
  tlsKey: { env: 'SLOTPROXY_TLS_KEY', type: 'string', default: '', help: 'PEM private key of SLOTPROXY_TLS_CERT' },
  tlsCa: { env: 'SLOTPROXY_TLS_CA', type: 'string', default: '', help: 'PEM CA certificates that client certificates are checked against' },
  tlsAuthClients: {
    env: 'SLOTPROXY_TLS_AUTH_CLIENTS',
    type: 'bool',
    default: 'no',
    help: 'require clients to present a certificate signed by SLOTPROXY_TLS_CA',
  },
  redisTls: { env: 'SLOTPROXY_REDIS_TLS', type: 'bool', default: 'no', help: 'connect to the cluster nodes with TLS' },
  redisTlsCa: { env: 'SLOTPROXY_REDIS_TLS_CA', type: 'string', default: '', help: 'PEM CA certificates the nodes are checked against (default: the system roots)' },
  redisTlsCert: { env: 'SLOTPROXY_REDIS_TLS_CERT', type: 'string', default: '', help: 'PEM client certificate for the nodes, if they ask for one' },
  redisTlsKey: { env: 'SLOTPROXY_REDIS_TLS_KEY', type: 'string', default: '', help: 'PEM private key of SLOTPROXY_REDIS_TLS_CERT' },
  redisUsername: { env: 'SLOTPROXY_REDIS_USERNAME', type: 'string', default: '', help: 'user for AUTH on every connection to the cluster' },
  redisPassword: { env: 'SLOTPROXY_REDIS_PASSWORD', type: 'string', default: '', help: 'password for AUTH on every connection to the cluster' },
  adminCommands: {
    env: 'SLOTPROXY_ADMIN_COMMANDS',
    type: 'bool',
    default: 'no',
    help: 'let clients run CONFIG GET (one master) and CONFIG SET/RESETSTAT (every node) through the proxy',
  },
  slowlogUs: {
    env: 'SLOTPROXY_SLOWLOG_US',
    type: 'int',
    default: '10000',
    min: -1,
    max: 2 ** 31 - 1,
    help: 'requests slower than this many microseconds, as the proxy sees them, go to SLOWLOG (-1: off)',
  },
  slowlogMaxLen: { env: 'SLOTPROXY_SLOWLOG_MAX_LEN', type: 'int', default: '128', min: 0, max: 1000000, help: 'entries SLOWLOG keeps' },
  workers: {
    env: 'SLOTPROXY_WORKERS',
    type: 'workers',
    default: '1',
    min: 1,
    max: 256,
    help: 'processes serving clients on the one port, each with its own backend connections (auto: one per core); SLOTPROXY_MAX_CLIENTS applies to each',
  },
  metricsPort: {
    env: 'SLOTPROXY_METRICS_PORT',
    type: 'int',
    default: '0',
    min: 0,
    max: 65535,
    help: 'port of the Prometheus endpoint (http://SLOTPROXY_HOST:port/metrics; 0: off)',
  },
  parser: {
    env: 'SLOTPROXY_PARSER',
    type: 'enum',
    default: 'auto',
    values: ['auto', 'native', 'js'],
    help: 'scanners: native addon, pure JS, or auto (native when it loads)',
  },
  logLevel: {
    env: 'SLOTPROXY_LOG_LEVEL',
    type: 'enum',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    help: 'pino log level',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

type ValueOf<T extends OptionType> = T extends 'int' | 'size' | 'workers' ? number : T extends 'bool' ? boolean : T extends 'seeds' ? Seed[] : string;

export type Config = { [K in OptionName]: ValueOf<(typeof OPTIONS)[K]['type']> } & {
  parser: 'auto' | 'native' | 'js';
};

export interface Seed {
  host: string;
  port: number;
}

export class ConfigError extends Error {}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

export function flagName(name: OptionName): string {
  return '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

export function parseSeed(text: string): Seed | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

function parseValue(name: OptionName, raw: string, source: string): unknown {
  const spec: OptionSpec = OPTIONS[name];
  const bad = (expect: string): never => {
    throw new ConfigError(`${source} must be ${expect}, got ${JSON.stringify(raw)}`);
  };
  const range = (n: number, unit = ''): number => {
    if (spec.min !== undefined && n < spec.min) bad(`at least ${spec.min}${unit}`);
    if (spec.max !== undefined && n > spec.max) bad(`at most ${spec.max}${unit}`);
    return n;
  };
  switch (spec.type) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) bad(`an integer between ${spec.min} and ${spec.max}`);
      return range(Number(raw));
    }
    case 'size': {
      const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
      if (!m || !(m[2].toLowerCase() in SIZE_UNITS)) bad('a size such as 1024, 64kb, 512mb or 1gb');
      return range(Number(m![1]) * SIZE_UNITS[m![2].toLowerCase()], ' bytes');
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['yes', 'true', '1', 'on', ''].includes(v)) return true;
      if (['no', 'false', '0', 'off'].includes(v)) return false;
      return bad('yes or no');
    }
    case 'workers': {
      if (raw.trim().toLowerCase() === 'auto') return os.availableParallelism();
      if (!/^\d+$/.test(raw.trim())) bad(`auto or a number of processes between ${spec.min} and ${spec.max}`);
      return range(Number(raw));
    }
    case 'enum':
      if (!spec.values!.includes(raw)) bad(`one of ${spec.values!.join(', ')}`);
      return raw;
    case 'seeds': {
      if (raw.trim() === '') return [];
      return raw.split(',').map((part) => parseSeed(part) ?? bad('comma-separated host:port pairs such as 10.0.0.1:7000,10.0.0.2:7000'));
    }
  }
}

/**
 * One option's value from text, with the checks start-up applies (PROXY CONFIG SET uses them
 * too); throws ConfigError naming `source`.
 */
export function parseOption<K extends OptionName>(name: K, raw: string, source: string): Config[K] {
  return parseValue(name, raw, source) as Config[K];
}

/** A value as text the way an operator would write it back (CONFIG GET style). */
export function formatOption(name: OptionName, value: Config[OptionName]): string {
  const spec: OptionSpec = OPTIONS[name];
  if (spec.type === 'bool') return value ? 'yes' : 'no';
  if (spec.type === 'seeds') return (value as Seed[]).map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)).join(',');
  return String(value);
}

/** SLOTPROXY_NAME=value lines of a config file; # comments and blank lines are skipped. */
export function readConfigFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`SLOTPROXY_CONFIG_FILE ${file} cannot be read: ${(err as Error).message}`);
  }
  const known = new Set(Object.values(OPTIONS).map((o: OptionSpec) => o.env));
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!known.has(name)) throw new ConfigError(`${file}:${i + 1}: expected SLOTPROXY_NAME=value with a known name, got ${JSON.stringify(line.slice(0, 60))}`);
    if (name === 'SLOTPROXY_CONFIG_FILE') throw new ConfigError(`${file}:${i + 1}: a config file cannot name another one`);
    out[name] = line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  });
  return out;
}

/**
 * Reads the configuration from the environment and argv. Throws ConfigError with a one-line
 * message naming the variable or flag and what it expects.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Config {
  const config: Record<string, unknown> = {};
  const names = Object.keys(OPTIONS) as OptionName[];
  // The config file is named by the flag or the environment; its values sit between the two.
  const fileFlag = argv.findIndex((a) => a === '--config-file' || a.startsWith('--config-file='));
  const file = fileFlag >= 0 ? (argv[fileFlag].includes('=') ? argv[fileFlag].split('=').slice(1).join('=') : argv[fileFlag + 1]) : env.SLOTPROXY_CONFIG_FILE;
  if (file) env = { ...env, ...readConfigFile(file), SLOTPROXY_CONFIG_FILE: file };
  for (const name of names) {
    const spec = OPTIONS[name];
    const fromEnv = env[spec.env];
    config[name] = parseValue(name, fromEnv ?? spec.default, fromEnv === undefined ? `default of ${spec.env}` : spec.env);
  }
  const byFlag = new Map(names.map((n) => [flagName(n), n] as const));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}; see slotproxy --help`);
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const name = byFlag.get(flag);
    if (!name) throw new ConfigError(`unknown option ${flag}; see slotproxy --help`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (OPTIONS[name].type === 'bool' && (i + 1 >= argv.length || argv[i + 1].startsWith('--'))) value = 'yes';
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new ConfigError(`${flag} needs a value; see slotproxy --help`);
    config[name] = parseValue(name, value, flag);
  }
  // Filled by computed names, `config` is in V8's dictionary mode; the hot path reads settings
  // per request, so hand out a copy with fast properties.
  return { ...config } as Config;
}

export function helpText(): string {
  const lines = [
    'Usage: slotproxy [--option value ...]',
    '',
    'A Redis Cluster proxy: clients connect to it as to one standalone Redis server.',
    'Every option is also an environment variable; flags win over the environment.',
    '',
  ];
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec: OptionSpec = OPTIONS[name];
    const kind = spec.type === 'enum' ? spec.values!.join('|') : spec.type;
    lines.push(`  ${flagName(name)} <${kind}>  (${spec.env}, default: ${spec.default === '' ? '""' : spec.default})`);
    lines.push(`      ${spec.help}`);
  }
  lines.push('', '  --help      print this and exit', '  --version   print the version and the scanners in use, and exit');
  return lines.join('\n');
}

/** The README's configuration table (a unit test keeps the README equal to it). */
export function configTable(): string {
  const rows = ['| variable | flag | default | meaning |', '|---|---|---|---|'];
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec: OptionSpec = OPTIONS[name];
    const def = spec.default === '' ? '(none)' : `\`${spec.default}\``;
    const values = spec.type === 'enum' ? ` (${spec.values!.join(', ')})` : '';
    rows.push(`| \`${spec.env}\` | \`${flagName(name)}\` | ${def} | ${spec.help}${values} |`);
  }
  return rows.join('\n');
}
