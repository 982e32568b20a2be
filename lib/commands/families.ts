// The command families with modules of their own under lib/proxy/families/, one table each: a
// family's variants (what it does differently for some of its commands), the commands of each
// variant and the line docs/commands.md gives them. A family command is a name in one of these
// lists. Each family module gives every variant of its table a handler, in a table the compiler
// checks against this one (`satisfies FamilyHandlers<...>`, lib/proxy/family.ts): a variant
// misspelt there, or one without a handler, does not compile.

/** One variant of a family. */
export interface VariantRow {
  /** the commands it handles, as the command table names them ('parent|sub' for subcommands) */
  readonly commands: readonly string[];
  /** how docs/commands.md says slotproxy handles them */
  readonly doc: string;
}

const TRANSACTION = 'transaction on a dedicated connection to the master of its first key';
const CLASSIC_PUBSUB = 'classic pub/sub: channels on a dedicated connection to their slot’s master, patterns to any master (messages cluster-wide); RESP3: pushes, any command while subscribed';
const SHARDED_PUBSUB = 'sharded pub/sub on a dedicated connection to the channel’s master; RESP3: pushes';
const ONE_NODE_CLUSTER = 'the proxy as a one-node cluster owning every slot';
const OWN_CLIENTS = 'the proxy’s own clients';
const ADMIN = 'needs SLOTPROXY_ADMIN_COMMANDS=yes';
const OWN_USERS = 'the proxy’s users (SLOTPROXY_USERS_FILE), as Redis describes its own';

export const FAMILY_VARIANTS = {
  /** multi-key commands split by slot and merged (keys of one slot take the fast path) */
  split: {
    mget: { commands: ['mget'], doc: 'keys of several slots: one MGET per slot, merged in key order' },
    mset: { commands: ['mset'], doc: 'keys of several slots: one MSET per slot (not atomic across slots)' },
    sum: { commands: ['del', 'unlink', 'exists', 'touch'], doc: 'keys of several slots: one command per slot, integer replies summed' },
  },
  /** whole-cluster commands sent to every master (or one) and merged */
  fanout: {
    scan: { commands: ['scan'], doc: 'walks every master in turn; the cursor names the node' },
    concat: { commands: ['keys'], doc: 'every master, replies concatenated' },
    sum: { commands: ['dbsize'], doc: 'every master, summed' },
    randomkey: { commands: ['randomkey'], doc: 'every master, one of their keys at random' },
    'all-ok': {
      commands: ['flushall', 'flushdb', 'function|delete', 'function|flush', 'function|restore'],
      doc: 'every master; OK when all are',
    },
    wait: { commands: ['wait'], doc: 'replica acknowledgements of the masters this client wrote to' },
    'script-load': { commands: ['script|load'], doc: 'every master (so EVALSHA works anywhere); kept to reload on NOSCRIPT' },
    'script-flush': { commands: ['script|flush'], doc: 'every master; the proxy forgets the scripts it kept' },
    'script-exists': { commands: ['script|exists'], doc: 'every master; 1 only where all have it' },
    'script-kill': { commands: ['script|kill', 'function|kill'], doc: 'every master, on a connection no client command waits on; OK when one killed its script' },
    'function-load': { commands: ['function|load'], doc: 'every master (so FCALL works anywhere)' },
    first: {
      commands: ['function|list', 'function|dump', 'function|stats', 'script|help', 'function|help'],
      doc: 'one master',
    },
    info: { commands: ['info'], doc: "the proxy's INFO, Keyspace summed over the masters" },
    role: { commands: ['role'], doc: 'the proxy as a master without replicas; the offset is INFO’s master_repl_offset (the masters’ summed)' },
  },
  /** MULTI/EXEC/DISCARD/WATCH/UNWATCH on a pinned dedicated connection */
  transaction: {
    multi: { commands: ['multi'], doc: TRANSACTION },
    exec: { commands: ['exec'], doc: TRANSACTION },
    discard: { commands: ['discard'], doc: TRANSACTION },
    watch: { commands: ['watch'], doc: 'on a dedicated connection to each watched key’s master; the other masters’ WATCHes checked before EXEC' },
    unwatch: { commands: ['unwatch'], doc: 'on every connection holding a WATCH, if any' },
  },
  /** the (P|S)(UN)SUBSCRIBE commands of subscribed mode */
  subscribe: {
    subscribe: { commands: ['subscribe'], doc: CLASSIC_PUBSUB },
    psubscribe: { commands: ['psubscribe'], doc: CLASSIC_PUBSUB },
    unsubscribe: { commands: ['unsubscribe'], doc: CLASSIC_PUBSUB },
    punsubscribe: { commands: ['punsubscribe'], doc: CLASSIC_PUBSUB },
    ssubscribe: { commands: ['ssubscribe'], doc: SHARDED_PUBSUB },
    sunsubscribe: { commands: ['sunsubscribe'], doc: SHARDED_PUBSUB },
  },
  /** PUBSUB introspection across the nodes that can have subscribers */
  pubsub: {
    channels: { commands: ['pubsub|channels'], doc: 'every node, merged' },
    numsub: { commands: ['pubsub|numsub'], doc: 'every node, summed' },
    numpat: { commands: ['pubsub|numpat'], doc: 'every node, summed' },
    shardchannels: { commands: ['pubsub|shardchannels'], doc: 'every master, merged' },
    shardnumsub: { commands: ['pubsub|shardnumsub'], doc: 'each channel’s master' },
  },
  /** CLUSTER subcommands answered as a one-node cluster */
  cluster: {
    slots: { commands: ['cluster|slots'], doc: ONE_NODE_CLUSTER },
    shards: { commands: ['cluster|shards'], doc: ONE_NODE_CLUSTER },
    nodes: { commands: ['cluster|nodes'], doc: ONE_NODE_CLUSTER },
    info: { commands: ['cluster|info'], doc: ONE_NODE_CLUSTER },
    myid: { commands: ['cluster|myid'], doc: 'the proxy’s own node id' },
    myshardid: { commands: ['cluster|myshardid'], doc: 'the proxy’s own shard id (Redis 7.2)' },
    'slot-owner': { commands: ['cluster|countkeysinslot', 'cluster|getkeysinslot'], doc: 'the slot’s master' },
  },
  /** CLIENT subcommands about the proxy's own clients, RESET */
  client: {
    info: { commands: ['client|info'], doc: OWN_CLIENTS },
    list: { commands: ['client|list'], doc: OWN_CLIENTS },
    kill: { commands: ['client|kill'], doc: OWN_CLIENTS },
    reset: { commands: ['reset'], doc: 'leaves transaction / subscribed mode, clears the name' },
  },
  /** ACL about the proxy's own users (lib/auth), never the nodes' */
  acl: {
    whoami: { commands: ['acl|whoami'], doc: 'the proxy’s user this client logged in as' },
    cat: { commands: ['acl|cat'], doc: 'the categories, or a category’s commands in the proxy’s command table' },
    getuser: { commands: ['acl|getuser'], doc: OWN_USERS },
    list: { commands: ['acl|list'], doc: OWN_USERS },
    users: { commands: ['acl|users'], doc: OWN_USERS },
    dryrun: { commands: ['acl|dryrun'], doc: 'whether one of the proxy’s users may run a command, as the proxy checks it' },
    log: { commands: ['acl|log'], doc: 'the proxy’s own log of ACL refusals and failed logins' },
    genpass: { commands: ['acl|genpass'], doc: 'a random password, made by the proxy' },
    setuser: { commands: ['acl|setuser'], doc: `creates or changes one of the proxy’s users until the users file is read again; ${ADMIN}` },
    deluser: { commands: ['acl|deluser'], doc: `deletes proxy users and closes their connections; ${ADMIN}` },
    load: { commands: ['acl|load'], doc: `reads SLOTPROXY_USERS_FILE again (as SIGHUP does); ${ADMIN}` },
    save: { commands: ['acl|save'], doc: `writes the proxy’s users to SLOTPROXY_USERS_FILE; ${ADMIN}` },
  },
  /** client-side caching through the proxy (lib/proxy/tracking, docs/resp3.md) */
  tracking: {
    tracking: { commands: ['client|tracking'], doc: 'the proxy’s own tracking: per-master tracking connections, its key table, invalidations to the clients that read each key' },
    caching: { commands: ['client|caching'], doc: 'OPTIN/OPTOUT: whether the proxy notes the next command’s keys' },
    trackinginfo: { commands: ['client|trackinginfo'], doc: 'the client’s tracking state as the proxy keeps it' },
    getredir: { commands: ['client|getredir'], doc: 'the client’s REDIRECT id, -1 when tracking is off' },
  },
  /** CONFIG across the cluster and MIGRATE, for operators */
  admin: {
    'config-get': { commands: ['config|get'], doc: `one master (in MULTI: the transaction’s); ${ADMIN}` },
    'config-set': { commands: ['config|set'], doc: `every node, all-or-error (in MULTI: run by EXEC on the transaction’s node, then on the others); ${ADMIN}` },
    migrate: { commands: ['migrate'], doc: `the master of its keys; ${ADMIN} (a node would connect to any address the client names)` },
  },
  /** the proxy's own SLOWLOG and PROXY admin commands, CONFIG RESETSTAT of its statistics too */
  proxy: {
    'config-resetstat': { commands: ['config|resetstat'], doc: `every node, all-or-error, and the proxy’s own statistics; ${ADMIN}` },
    slowlog: {
      commands: ['slowlog', 'slowlog|get', 'slowlog|len', 'slowlog|reset', 'slowlog|help'],
      doc: 'the proxy’s own slow log (requests as slow as the client saw them; SLOTPROXY_SLOWLOG_US)',
    },
    help: { commands: ['proxy', 'proxy|help'], doc: 'lists the PROXY subcommands (the proxy’s own admin commands)' },
    topology: { commands: ['proxy|topology'], doc: 'the proxy’s slot map: masters, slot ranges, replicas, map age' },
    config: { commands: ['proxy|config'], doc: `the proxy’s own settings; SET (runtime-safe ones) ${ADMIN}` },
    refresh: { commands: ['proxy|refresh'], doc: `refreshes the topology now; ${ADMIN}` },
    clients: { commands: ['proxy|clients'], doc: OWN_CLIENTS },
    resetstat: { commands: ['proxy|resetstat'], doc: `resets the proxy’s statistics (not the nodes’); ${ADMIN}` },
  },
} satisfies Record<string, Record<string, VariantRow>>;

export type FamilyName = keyof typeof FAMILY_VARIANTS;

/** The variants of family F, e.g. VariantOf<'split'> = 'mget' | 'mset' | 'sum'. */
export type VariantOf<F extends FamilyName> = keyof (typeof FAMILY_VARIANTS)[F] & string;

/** The handler of a family command: which family module, and which of its variants. */
export type FamilyHandler<F extends FamilyName = FamilyName> = {
  [P in F]: { kind: 'family'; family: P; variant: VariantOf<P> };
}[F];

/** Every family's variants, typed so that a family's handler finds its row without a cast. */
const ROWS: { readonly [F in FamilyName]: Readonly<Record<VariantOf<F>, VariantRow>> } = FAMILY_VARIANTS;

export function variantRow<F extends FamilyName>(h: FamilyHandler<F>): VariantRow {
  return ROWS[h.family][h.variant];
}

/**
 * The handler of every family command, by command name. Throws when a command is in two
 * variants: the tables are checked when they load, not when a client finds the mistake.
 */
export function familyHandlers(): Map<string, FamilyHandler> {
  const out = new Map<string, FamilyHandler>();
  for (const family of Object.keys(ROWS) as FamilyName[]) {
    const variants: Readonly<Record<string, VariantRow>> = ROWS[family];
    for (const [variant, row] of Object.entries(variants)) {
      for (const name of row.commands) {
        const seen = out.get(name);
        if (seen) throw new Error(`slotproxy's command table lists ${name} in ${seen.family}:${seen.variant} and ${family}:${variant}`);
        out.set(name, { kind: 'family', family, variant } as FamilyHandler);
      }
    }
  }
  return out;
}
