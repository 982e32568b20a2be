// slotproxy's decisions about commands, as rows: every command not listed here or in a family's
// table (families.ts) is routed by its key specs (keyless ones to any master), except blocking
// ones (dedicated connections) and keyless admin commands (refused until they are implemented
// across the cluster).
import type { Handler, LocalCommand } from './handlers';
import type { CommandInfo } from './command-info';
import { familyHandlers } from './families';

const local = (name: LocalCommand): Handler => ({ kind: 'local', name });
const notYet = (what: string): Handler => ({
  kind: 'refused',
  message: `ERR ${what} is not supported by slotproxy yet`,
});

const OWN_ROWS: Readonly<Record<string, Handler>> = {
  // answered by the proxy
  ping: local('ping'),
  echo: local('echo'),
  quit: local('quit'),
  select: local('select'),
  hello: local('hello'),
  auth: local('auth'),
  readonly: local('readonly'), // as in Redis Cluster: this client may read from replicas
  readwrite: local('readwrite'),
  asking: local('ok'), // the proxy follows ASK itself; a client's ASKING must not reach a shared connection
  'client|setname': local('client-setname'),
  'client|getname': local('client-getname'),
  'client|id': local('client-id'),
  'client|setinfo': local('client-setinfo'),
  'client|no-evict': local('client-no-evict'),
  'client|no-touch': local('ok'),
  'cluster|keyslot': local('cluster-keyslot'),
  // what this server accepts, the proxy's own commands included (DOCS and GETKEYS: a master)
  command: local('command'),
  'command|count': local('command-count'),
  'command|list': local('command-list'),
  'command|info': local('command-info'),

  // the HELP of containers whose other subcommands the proxy handles: any master answers it
  'client|help': { kind: 'keyed' },
  'acl|help': { kind: 'keyed' },
  'config|help': { kind: 'keyed' },
  'pubsub|help': { kind: 'keyed' },
  'cluster|help': { kind: 'keyed' },

  // blocking only with BLOCK
  xread: { kind: 'blocking-with-option', option: 'BLOCK' },
  xreadgroup: { kind: 'blocking-with-option', option: 'BLOCK' },

  // Redis Cluster answers these itself with the error a cluster gives
  swapdb: { kind: 'keyed' },
  lastsave: { kind: 'keyed' },

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

/** Every command slotproxy decides about: the rows above and the family commands. */
export const POLICIES: ReadonlyMap<string, Handler> = policies();

function policies(): Map<string, Handler> {
  const all = new Map<string, Handler>(familyHandlers());
  for (const [name, handler] of Object.entries(OWN_ROWS)) {
    if (all.has(name)) throw new Error(`slotproxy's command table decides twice about ${name}: in policies.ts and in a family's table`);
    all.set(name, handler);
  }
  return all;
}

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
  const own = POLICIES.get(info.name);
  if (own) return own;
  if (info.flags.includes('blocking')) return { kind: 'blocking' };
  const keyless = info.keySpecs.length === 0;
  const admin = info.aclCategories.includes('admin') || info.aclCategories.includes('dangerous');
  if (keyless && admin) {
    return { kind: 'refused', message: `ERR '${info.name.replace('|', ' ').toUpperCase()}' is an admin command; slotproxy does not send admin commands to cluster nodes yet` };
  }
  if (parent) {
    const inherited = POLICIES.get(parent.name);
    // a container refused as a whole (CLUSTER, CLIENT ...) keeps that for subcommands not listed
    if (inherited && inherited.kind === 'refused') return inherited;
  }
  return { kind: 'keyed' };
}
