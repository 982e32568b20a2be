// slotproxy's decisions about commands, as rows: every command not listed here is routed by its
// key specs (keyless ones to any master), except blocking ones (dedicated connections) and
// keyless admin commands (refused until they are implemented across the cluster).
import type { FamilyName, Handler, LocalCommand } from './handlers';
import type { CommandInfo } from './command-info';

const local = (name: LocalCommand): Handler => ({ kind: 'local', name });
const family = (f: FamilyName, variant: string): Handler => ({ kind: 'family', family: f, variant });
const notYet = (what: string): Handler => ({
  kind: 'refused',
  message: `ERR ${what} is not supported by slotproxy yet`,
});

export const POLICIES: Readonly<Record<string, Handler>> = {
  // answered by the proxy
  ping: local('ping'),
  echo: local('echo'),
  quit: local('quit'),
  select: local('select'),
  hello: local('hello'),
  auth: local('auth'),
  info: family('fanout', 'info'),
  readonly: local('ok'), // no replica reads yet: accepted so cluster-aware clients connect
  readwrite: local('ok'),
  asking: local('ok'), // the proxy follows ASK itself; a client's ASKING must not reach a shared connection
  'client|setname': local('client-setname'),
  'client|getname': local('client-getname'),
  'client|id': local('client-id'),
  'client|setinfo': local('client-setinfo'),
  'client|getredir': local('client-getredir'),
  'client|no-evict': local('ok'),
  'client|help': { kind: 'keyed' },
  'client|no-touch': local('ok'),
  'cluster|keyslot': local('cluster-keyslot'),
  // what this server accepts, the proxy's own commands included (DOCS and GETKEYS: a master)
  command: local('command'),
  'command|count': local('command-count'),
  'command|list': local('command-list'),
  'command|info': local('command-info'),

  // blocking only with BLOCK
  xread: { kind: 'blocking-with-option', option: 'BLOCK' },
  xreadgroup: { kind: 'blocking-with-option', option: 'BLOCK' },

  // Redis Cluster answers these itself with the error a cluster gives
  swapdb: { kind: 'keyed' },
  lastsave: { kind: 'keyed' },
  role: { kind: 'keyed' },

  // families with modules of their own (lib/proxy/families/)
  mget: family('split', 'mget'),
  mset: family('split', 'mset'),
  del: family('split', 'sum'),
  unlink: family('split', 'sum'),
  exists: family('split', 'sum'),
  touch: family('split', 'sum'),
  scan: family('fanout', 'scan'),
  keys: family('fanout', 'keys'),
  dbsize: family('fanout', 'dbsize'),
  randomkey: family('fanout', 'randomkey'),
  flushall: family('fanout', 'flush'),
  flushdb: family('fanout', 'flush'),
  wait: family('fanout', 'wait'),
  'script|load': family('fanout', 'script-load'),
  'script|flush': family('fanout', 'script-flush'),
  'script|exists': family('fanout', 'script-exists'),
  'script|kill': family('fanout', 'script-kill'),
  'function|load': family('fanout', 'function-load'),
  'function|delete': family('fanout', 'all-ok'),
  'function|flush': family('fanout', 'all-ok'),
  'function|restore': family('fanout', 'all-ok'),
  'function|list': family('fanout', 'first'),
  'function|dump': family('fanout', 'first'),
  'function|stats': family('fanout', 'first'),
  'script|help': family('fanout', 'first'),
  'function|help': family('fanout', 'first'),
  'function|kill': family('fanout', 'script-kill'),
  multi: family('transaction', 'multi'),
  exec: family('transaction', 'exec'),
  discard: family('transaction', 'discard'),
  watch: family('transaction', 'watch'),
  unwatch: family('transaction', 'unwatch'),
  subscribe: family('pubsub', 'subscribe'),
  psubscribe: family('pubsub', 'psubscribe'),
  unsubscribe: family('pubsub', 'unsubscribe'),
  punsubscribe: family('pubsub', 'punsubscribe'),
  ssubscribe: family('pubsub', 'ssubscribe'),
  sunsubscribe: family('pubsub', 'sunsubscribe'),
  'pubsub|channels': family('pubsub', 'channels'),
  'pubsub|numsub': family('pubsub', 'numsub'),
  'pubsub|numpat': family('pubsub', 'numpat'),
  'pubsub|shardchannels': family('pubsub', 'shardchannels'),
  'pubsub|shardnumsub': family('pubsub', 'shardnumsub'),
  'pubsub|help': { kind: 'keyed' },
  'cluster|slots': family('cluster', 'slots'),
  'cluster|shards': family('cluster', 'shards'),
  'cluster|nodes': family('cluster', 'nodes'),
  'cluster|info': family('cluster', 'info'),
  'cluster|myid': family('cluster', 'myid'),
  'cluster|myshardid': family('cluster', 'myshardid'),
  'cluster|countkeysinslot': family('cluster', 'countkeysinslot'),
  'cluster|getkeysinslot': family('cluster', 'getkeysinslot'),
  'cluster|help': { kind: 'keyed' },
  'client|info': family('client', 'info'),
  'client|list': family('client', 'list'),
  'client|kill': family('client', 'kill'),
  reset: family('client', 'reset'),
  'config|get': family('admin', 'config-get'),
  'config|set': family('admin', 'config-set'),
  'config|resetstat': family('proxy', 'config-resetstat'),
  'config|help': { kind: 'keyed' },
  // the proxy's own slow log and admin commands (lib/proxy/families/proxy-admin.ts)
  slowlog: family('proxy', 'slowlog'),
  'slowlog|get': family('proxy', 'slowlog'),
  'slowlog|len': family('proxy', 'slowlog'),
  'slowlog|reset': family('proxy', 'slowlog'),
  'slowlog|help': family('proxy', 'slowlog'),
  proxy: family('proxy', 'help'),
  'proxy|topology': family('proxy', 'topology'),
  'proxy|config': family('proxy', 'config'),
  'proxy|refresh': family('proxy', 'refresh'),
  'proxy|clients': family('proxy', 'clients'),
  'proxy|resetstat': family('proxy', 'resetstat'),
  'proxy|help': family('proxy', 'help'),

  // connection state that must not reach a shared backend connection
  monitor: notYet('MONITOR'),
  cluster: notYet('this CLUSTER subcommand'),
  client: notYet('this CLIENT subcommand'),
  config: notYet('this CONFIG subcommand'),
  script: notYet('this SCRIPT subcommand'),
  function: notYet('this FUNCTION subcommand'),
  pubsub: notYet('this PUBSUB subcommand'),
  sync: { kind: 'refused', message: 'ERR replication through slotproxy is not possible: connect replicas to cluster nodes directly' },
  psync: { kind: 'refused', message: 'ERR replication through slotproxy is not possible: connect replicas to cluster nodes directly' },
  replconf: { kind: 'refused', message: 'ERR replication through slotproxy is not possible: connect replicas to cluster nodes directly' },

  // Redis 7 treats these as HTTP sent to the port (src/server.c securityWarningCommand)
  post: { kind: 'close' },
  'host:': { kind: 'close' },
};

/** A subcommand of PROXY, the proxy's own admin command (no keys). */
function proxySub(name: string, arity: number, admin: boolean): CommandInfo {
  return {
    name: `proxy|${name}`,
    arity,
    flags: admin ? ['admin', 'noscript', 'loading', 'stale'] : ['noscript', 'loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    aclCategories: admin ? ['admin', 'slow', 'dangerous'] : ['slow'],
    tips: [],
    keySpecs: [],
    subcommands: [],
  };
}

/** Commands slotproxy knows that a Redis 7.0 COMMAND reply lacks (newer or hidden ones). */
export const EXTRA_COMMANDS: CommandInfo[] = [
  {
    name: 'proxy',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    aclCategories: ['slow'],
    tips: [],
    keySpecs: [],
    subcommands: [
      proxySub('topology', 2, false),
      proxySub('config', -3, true),
      proxySub('refresh', 2, true),
      proxySub('clients', 2, true),
      proxySub('resetstat', 2, true),
      proxySub('help', 2, false),
    ],
  },
  { name: 'post', arity: -1, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, aclCategories: ['connection'], tips: [], keySpecs: [], subcommands: [] },
  { name: 'host:', arity: -1, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, aclCategories: ['connection'], tips: [], keySpecs: [], subcommands: [] },
];

/** Subcommands added to containers when the cluster does not describe them (Redis 7.2 additions). */
export const EXTRA_SUBCOMMANDS: Record<string, CommandInfo[]> = {
  client: [
    { name: 'client|setinfo', arity: 4, flags: ['noscript', 'loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, aclCategories: ['slow', 'connection'], tips: [], keySpecs: [], subcommands: [] },
    { name: 'client|no-touch', arity: 3, flags: ['noscript', 'loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, aclCategories: ['slow', 'connection'], tips: [], keySpecs: [], subcommands: [] },
  ],
  cluster: [{ name: 'cluster|myshardid', arity: 2, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, aclCategories: ['slow'], tips: ['nondeterministic_output'], keySpecs: [], subcommands: [] }],
};

/** The handler of a command the cluster describes, from the rows above and its flags. */
export function handlerFor(info: CommandInfo, parent: CommandInfo | null): Handler {
  const own = POLICIES[info.name];
  if (own) return own;
  if (info.flags.includes('blocking')) return { kind: 'blocking' };
  const keyless = info.keySpecs.length === 0;
  const admin = info.aclCategories.includes('admin') || info.aclCategories.includes('dangerous');
  if (keyless && admin) {
    return { kind: 'refused', message: `ERR '${info.name.replace('|', ' ').toUpperCase()}' is an admin command; slotproxy does not send admin commands to cluster nodes yet` };
  }
  if (parent) {
    const inherited = POLICIES[parent.name];
    // a container refused as a whole (CLUSTER, CLIENT ...) keeps that for subcommands not listed
    if (inherited && inherited.kind === 'refused') return inherited;
  }
  return { kind: 'keyed' };
}
