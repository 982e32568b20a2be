// docs/commands.md: every command of the cluster's COMMAND reply (the Redis 7.0 snapshot) and
// how slotproxy handles it, rendered from the command table so the two cannot drift.
import type { Handler } from './handlers';
import { CommandTable, mergeCommandInfos, type CommandRow } from './table';

const FAMILY_TEXT: Record<string, string> = {
  'split:mget': 'keys of several slots: one MGET per slot, merged in key order',
  'split:mset': 'keys of several slots: one MSET per slot (not atomic across slots)',
  'split:sum': 'keys of several slots: one command per slot, integer replies summed',
  'fanout:scan': 'walks every master in turn; the cursor names the node',
  'fanout:keys': 'every master, replies concatenated',
  'fanout:dbsize': 'every master, summed',
  'fanout:randomkey': 'every master, one of their keys at random',
  'fanout:flush': 'every master; OK when all are',
  'fanout:all-ok': 'every master; OK when all are',
  'fanout:wait': 'replica acknowledgements of the masters this client wrote to',
  'fanout:script-load': 'every master (so EVALSHA works anywhere); kept to reload on NOSCRIPT',
  'fanout:script-flush': 'every master; the proxy forgets the scripts it kept',
  'fanout:script-exists': 'every master; 1 only where all have it',
  'fanout:script-kill': 'every master; OK when one was running it',
  'fanout:function-load': 'every master (so FCALL works anywhere)',
  'fanout:first': 'one master',
  'fanout:info': "the proxy's INFO, Keyspace summed over the masters",
  'transaction:multi': 'transaction on a dedicated connection to the master of its first key',
  'transaction:exec': 'transaction on a dedicated connection to the master of its first key',
  'transaction:discard': 'transaction on a dedicated connection to the master of its first key',
  'transaction:watch': 'pins the transaction to the master of the watched key',
  'transaction:unwatch': 'on the pinned transaction connection, if any',
  'pubsub:subscribe': 'classic pub/sub on a dedicated connection (cluster-wide)',
  'pubsub:psubscribe': 'classic pub/sub on a dedicated connection (cluster-wide)',
  'pubsub:unsubscribe': 'classic pub/sub on a dedicated connection (cluster-wide)',
  'pubsub:punsubscribe': 'classic pub/sub on a dedicated connection (cluster-wide)',
  'pubsub:ssubscribe': 'sharded pub/sub on a dedicated connection to the channel’s master',
  'pubsub:sunsubscribe': 'sharded pub/sub on a dedicated connection to the channel’s master',
  'pubsub:channels': 'every node, merged',
  'pubsub:numsub': 'every node, summed',
  'pubsub:numpat': 'every node, summed',
  'pubsub:shardchannels': 'every master, merged',
  'pubsub:shardnumsub': 'each channel’s master',
  'cluster:slots': 'the proxy as a one-node cluster owning every slot',
  'cluster:shards': 'the proxy as a one-node cluster owning every slot',
  'cluster:nodes': 'the proxy as a one-node cluster owning every slot',
  'cluster:info': 'the proxy as a one-node cluster owning every slot',
  'cluster:myid': 'the proxy’s own node id',
  'cluster:myshardid': 'the proxy’s own shard id (Redis 7.2)',
  'cluster:countkeysinslot': 'the slot’s master',
  'cluster:getkeysinslot': 'the slot’s master',
  'client:info': 'the proxy’s own clients',
  'client:list': 'the proxy’s own clients',
  'client:kill': 'the proxy’s own clients',
  'client:reset': 'leaves transaction / subscribed mode, clears the name',
  'admin:config-get': 'one master; needs SLOTPROXY_ADMIN_COMMANDS=yes',
  'admin:config-set': 'every node, all-or-error; needs SLOTPROXY_ADMIN_COMMANDS=yes',
  'proxy:config-resetstat': 'every node, all-or-error, and the proxy’s own statistics; needs SLOTPROXY_ADMIN_COMMANDS=yes',
  'proxy:slowlog': 'the proxy’s own slow log (requests as slow as the client saw them; SLOTPROXY_SLOWLOG_US)',
  'proxy:help': 'lists the PROXY subcommands (the proxy’s own admin commands)',
  'proxy:topology': 'the proxy’s slot map: masters, slot ranges, replicas, map age',
  'proxy:config': 'the proxy’s own settings; SET (runtime-safe ones) needs SLOTPROXY_ADMIN_COMMANDS=yes',
  'proxy:refresh': 'refreshes the topology now; needs SLOTPROXY_ADMIN_COMMANDS=yes',
  'proxy:clients': 'the proxy’s own clients',
  'proxy:resetstat': 'resets the proxy’s statistics (not the nodes’); needs SLOTPROXY_ADMIN_COMMANDS=yes',
};

export function describeHandler(row: CommandRow): string {
  const h: Handler = row.handler;
  switch (h.kind) {
    case 'keyed':
      if (row.keyProc) return 'routed by the slot of its keys (found as Redis finds them for this command)';
      return row.specs.length ? 'routed by the slot of its keys' : 'keyless: any master';
    case 'blocking':
      return 'dedicated connection to the key’s master; the client waits behind it';
    case 'blocking-with-option':
      return `with ${h.option}: dedicated connection; without: routed by slot`;
    case 'local':
      return 'answered by the proxy';
    case 'refused':
      return `refused: \`${h.message}\``;
    case 'close':
      return 'treated as an attack (HTTP): connection closed, as Redis does';
    case 'family':
      return FAMILY_TEXT[`${h.family}:${h.variant}`] ?? `${h.family} family (${h.variant})`;
  }
}

export function renderCommandDocs(): string {
  const table = new CommandTable(mergeCommandInfos(null));
  const lines = [
    '<!-- Generated by scripts/generate-command-docs.ts from the command table; do not edit by hand. -->',
    '# Commands and how slotproxy handles them',
    '',
    'Every command of the Redis 7.0 `COMMAND` reply (and subcommands), as the command table',
    '(`lib/commands/`) routes it, and `PROXY`, the proxy’s own admin command. A command a newer',
    'cluster adds is routed by its own key specs.',
    '',
    '| command | arity | handling |',
    '|---|---|---|',
  ];
  for (const row of table.scannerRows() as CommandRow[]) {
    lines.push(`| \`${row.name.replace('|', ' ').toUpperCase()}\` | ${row.arity} | ${describeHandler(row).replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n') + '\n';
}
