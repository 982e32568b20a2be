// The settings slotproxy has: one typed row per setting (variable, default, range, whether it can
// change at run time, help text). lib/config.ts reads them; `slotproxy --help`, the README's table
// (scripts/sync-readme.ts), SIGHUP and PROXY CONFIG read this table.

export type OptionType = 'string' | 'int' | 'bool' | 'size' | 'enum' | 'seeds' | 'workers';

export interface OptionSpec {
  env: string;
  /**
   * Changeable at run time: SIGHUP takes the new value over and PROXY CONFIG SET accepts it.
   * True only where every reader picks a change up (read per use, or re-derived by
   * Proxy.applyConfig); otherwise a change waits for a restart, and both say so.
   */
  live: boolean;
  type: OptionType;
  default: string;
  help: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

export const OPTIONS = {
  host: { env: 'SLOTPROXY_HOST', live: false, type: 'string', default: '127.0.0.1', help: 'address to listen on' },
  port: { env: 'SLOTPROXY_PORT', live: false, type: 'int', default: '7777', min: 0, max: 65535, help: 'port to listen on (0: any free port)' },
  cluster: {
    env: 'SLOTPROXY_CLUSTER',
    live: false,
    type: 'seeds',
    default: '',
    help: 'comma-separated host:port seeds of the Redis Cluster; start-up needs one to answer',
  },
  configFile: {
    env: 'SLOTPROXY_CONFIG_FILE',
    live: false,
    type: 'string',
    default: '',
    help: 'file of SLOTPROXY_NAME=value lines (over the environment, under flags); read again on SIGHUP',
  },
  shutdownTimeoutMs: {
    env: 'SLOTPROXY_SHUTDOWN_TIMEOUT_MS',
    live: true,
    type: 'int',
    default: '10000',
    min: 0,
    max: 3600000,
    help: 'on SIGTERM/SIGINT, how long requests in flight may take to finish before connections are closed',
  },
  demo: {
    env: 'SLOTPROXY_DEMO',
    live: false,
    type: 'bool',
    default: 'no',
    help: 'start a throwaway local cluster (redis-server on free ports) and proxy it',
  },
  demoMasters: { env: 'SLOTPROXY_DEMO_MASTERS', live: false, type: 'int', default: '3', min: 1, max: 100, help: 'masters of the --demo cluster' },
  demoReplicas: { env: 'SLOTPROXY_DEMO_REPLICAS', live: false, type: 'int', default: '1', min: 0, max: 5, help: 'replicas per master of the --demo cluster' },
  backendConnections: {
    env: 'SLOTPROXY_BACKEND_CONNECTIONS',
    live: false,
    type: 'int',
    default: '1',
    min: 1,
    max: 64,
    help: 'multiplexed connections per master; each client is pinned to one, which keeps its commands in order',
  },
  blockingConnections: {
    env: 'SLOTPROXY_BLOCKING_CONNECTIONS',
    live: false,
    type: 'int',
    default: '256',
    min: 1,
    max: 100000,
    help: 'dedicated connections per node for blocking commands (BLPOP, XREAD BLOCK ...); beyond it they are refused',
  },
  refreshMs: { env: 'SLOTPROXY_REFRESH_MS', live: false, type: 'int', default: '5000', min: 100, max: 3600000, help: 'periodic topology refresh (CLUSTER SLOTS)' },
  refreshMinIntervalMs: {
    env: 'SLOTPROXY_REFRESH_MIN_INTERVAL_MS',
    live: true,
    type: 'int',
    default: '200',
    min: 0,
    max: 60000,
    help: 'least time between two refreshes triggered by MOVED or lost connections',
  },
  requestTimeoutMs: {
    env: 'SLOTPROXY_REQUEST_TIMEOUT_MS',
    live: true,
    type: 'int',
    default: '10000',
    min: 0,
    max: 3600000,
    help: 'a request not answered within this gets an error; a backend that stalls this long is disconnected (0: never)',
  },
  connectTimeoutMs: { env: 'SLOTPROXY_CONNECT_TIMEOUT_MS', live: false, type: 'int', default: '2000', min: 10, max: 600000, help: 'backend connect timeout' },
  maxRedirects: {
    env: 'SLOTPROXY_MAX_REDIRECTS',
    live: true,
    type: 'int',
    default: '16',
    min: 0,
    max: 1000,
    help: 'MOVED/ASK/TRYAGAIN/CLUSTERDOWN retries of one request before its error goes to the client',
  },
  retryDelayMs: {
    env: 'SLOTPROXY_RETRY_DELAY_MS',
    live: true,
    type: 'int',
    default: '20',
    min: 1,
    max: 10000,
    help: 'first back-off after TRYAGAIN/CLUSTERDOWN; doubles per retry up to 25x',
  },
  maxClients: { env: 'SLOTPROXY_MAX_CLIENTS', live: true, type: 'int', default: '10000', min: 1, max: 10000000, help: 'client connections (like maxclients)' },
  maxPending: {
    env: 'SLOTPROXY_MAX_PENDING',
    live: true,
    type: 'int',
    default: '50000',
    min: 16,
    max: 100000000,
    help: 'commands of one client waiting for their replies before the proxy stops reading from it (backpressure)',
  },
  clientOutputLimit: {
    env: 'SLOTPROXY_CLIENT_OUTPUT_LIMIT',
    live: true,
    type: 'size',
    default: '256mb',
    min: 0,
    help: 'replies queued for a client that does not read them before it is closed (0: no limit; subscribers: 32mb, or 8mb for 60 s)',
  },
  timeout: { env: 'SLOTPROXY_TIMEOUT', live: true, type: 'int', default: '0', min: 0, max: 100000000, help: 'close clients idle this many seconds, except blocked and subscribed ones (like timeout; 0: never)' },
  tcpKeepalive: { env: 'SLOTPROXY_TCP_KEEPALIVE', live: true, type: 'int', default: '300', min: 0, max: 100000, help: 'TCP keepalive of client connections, seconds (like tcp-keepalive; 0: off)' },
  maxQueryBuffer: {
    env: 'SLOTPROXY_MAX_QUERY_BUFFER',
    live: true,
    type: 'size',
    default: '1gb',
    min: 1024,
    help: 'bytes of one unfinished command a client may send (like client-query-buffer-limit)',
  },
  maxBulkLength: {
    env: 'SLOTPROXY_MAX_BULK_LENGTH',
    live: true,
    type: 'size',
    default: '512mb',
    min: 1,
    max: 2 ** 31 - 64,
    help: 'largest argument accepted (like proto-max-bulk-len)',
  },
  password: {
    env: 'SLOTPROXY_PASSWORD',
    live: true,
    type: 'string',
    default: '',
    help: 'password clients must give with AUTH (like requirepass); empty: none',
  },
  usersFile: {
    env: 'SLOTPROXY_USERS_FILE',
    live: true,
    type: 'string',
    default: '',
    help: 'users in Redis ACL file syntax (user <name> on >password ~keys:* +@read ...) for AUTH <user> <password>',
  },
  aclPubsubDefault: {
    env: 'SLOTPROXY_ACL_PUBSUB_DEFAULT',
    // the users are built again from the file with it on every reload
    live: true,
    type: 'enum',
    default: 'resetchannels',
    values: ['resetchannels', 'allchannels'],
    help: 'channels of users-file users whose rules name none (like acl-pubsub-default; Redis 7: resetchannels)',
  },
  aclScripts: {
    env: 'SLOTPROXY_ACL_SCRIPTS',
    live: false,
    type: 'enum',
    default: 'refuse',
    values: ['refuse', 'cluster'],
    help: 'EVAL/FCALL of users with key, command or channel rules: refused (NOPERM), or run on the nodes as that user, created there from the users file, so Redis checks what the script does (docs/security.md)',
  },
  protectedMode: {
    env: 'SLOTPROXY_PROTECTED_MODE',
    live: true,
    type: 'bool',
    default: 'yes',
    help: 'without a password, refuse clients that do not connect from loopback (like protected-mode)',
  },
  tlsCert: { env: 'SLOTPROXY_TLS_CERT', live: false, type: 'string', default: '', help: 'PEM certificate: clients must then connect with TLS' },
  tlsKey: { env: 'SLOTPROXY_TLS_KEY', live: false, type: 'string', default: '', help: 'PEM private key of SLOTPROXY_TLS_CERT' },
  tlsCa: { env: 'SLOTPROXY_TLS_CA', live: false, type: 'string', default: '', help: 'PEM CA certificates that client certificates are checked against' },
  tlsAuthClients: {
    env: 'SLOTPROXY_TLS_AUTH_CLIENTS',
    live: false,
    type: 'bool',
    default: 'no',
    help: 'require clients to present a certificate signed by SLOTPROXY_TLS_CA',
  },
  redisTls: { env: 'SLOTPROXY_REDIS_TLS', live: false, type: 'bool', default: 'no', help: 'connect to the cluster nodes with TLS' },
  redisTlsCa: { env: 'SLOTPROXY_REDIS_TLS_CA', live: false, type: 'string', default: '', help: 'PEM CA certificates the nodes are checked against (default: the system roots)' },
  redisTlsCert: { env: 'SLOTPROXY_REDIS_TLS_CERT', live: false, type: 'string', default: '', help: 'PEM client certificate for the nodes, if they ask for one' },
  redisTlsKey: { env: 'SLOTPROXY_REDIS_TLS_KEY', live: false, type: 'string', default: '', help: 'PEM private key of SLOTPROXY_REDIS_TLS_CERT' },
  redisUsername: { env: 'SLOTPROXY_REDIS_USERNAME', live: false, type: 'string', default: '', help: 'user for AUTH on every connection to the cluster' },
  redisPassword: { env: 'SLOTPROXY_REDIS_PASSWORD', live: false, type: 'string', default: '', help: 'password for AUTH on every connection to the cluster' },
  adminCommands: {
    env: 'SLOTPROXY_ADMIN_COMMANDS',
    live: true,
    type: 'bool',
    default: 'no',
    help: 'let clients run CONFIG GET (one master) and CONFIG SET/RESETSTAT (every node) through the proxy',
  },
  trackingTableMaxKeys: {
    env: 'SLOTPROXY_TRACKING_TABLE_MAX_KEYS',
    live: true,
    type: 'int',
    default: '1000000',
    min: 1,
    max: 100000000,
    help: 'keys the client-tracking table holds; past it the oldest are invalidated for their clients (like tracking-table-max-keys)',
  },
  slowlogUs: {
    env: 'SLOTPROXY_SLOWLOG_US',
    live: true,
    type: 'int',
    default: '10000',
    min: -1,
    max: 2 ** 31 - 1,
    help: 'requests slower than this many microseconds, as the proxy sees them, go to SLOWLOG (-1: off)',
  },
  slowlogMaxLen: { env: 'SLOTPROXY_SLOWLOG_MAX_LEN', live: true, type: 'int', default: '128', min: 0, max: 1000000, help: 'entries SLOWLOG keeps' },
  workers: {
    env: 'SLOTPROXY_WORKERS',
    live: false,
    type: 'workers',
    default: '1',
    min: 1,
    max: 256,
    help: 'processes serving clients on the one port, each with its own backend connections (auto: one per core); SLOTPROXY_MAX_CLIENTS applies to each',
  },
  metricsPort: {
    env: 'SLOTPROXY_METRICS_PORT',
    live: false,
    type: 'int',
    default: '0',
    min: 0,
    max: 65535,
    help: 'port of the Prometheus endpoint (http://SLOTPROXY_HOST:port/metrics; 0: off)',
  },
  parser: {
    env: 'SLOTPROXY_PARSER',
    live: false,
    type: 'enum',
    default: 'auto',
    values: ['auto', 'native', 'js'],
    help: 'scanners: native addon, pure JS, or auto (native when it loads)',
  },
  logLevel: {
    env: 'SLOTPROXY_LOG_LEVEL',
    live: true,
    type: 'enum',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    help: 'pino log level',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
