// Operator commands across the cluster, off unless SLOTPROXY_ADMIN_COMMANDS=yes: a proxy in front
// of many applications should not let any of them reconfigure the cluster by default.
// CONFIG GET reads one master (the nodes are configured alike); CONFIG SET and RESETSTAT go to
// every node, masters and replicas, and succeed only when every node accepted them.
import { keySlot } from '../../protocol/crc16';
import { command } from '../../protocol/resp';
import { CROSSSLOT, SLOT_NOT_SERVED } from '../errors';
import { SingleRequest } from '../requests/single-request';
import type { FamilyDispatch, FamilyHandlers, FamilySession, ParsedCommand } from '../family';
import { AsyncRequest } from './async-request';
import { callNode } from './node-call';
import { bulkOf, isError } from './reply-parts';

/**
 * Every live node, replicas included. CLUSTER SLOTS leaves out replicas that have not synced
 * anything yet (Redis 7.0), so CLUSTER NODES of a master is asked.
 */
async function everyNode(session: FamilySession, master: string): Promise<string[]> {
  const reply = await callNode(session, session.id, master, command(['CLUSTER', 'NODES']));
  if (isError(reply)) throw new Error(`CLUSTER NODES on ${master}: ${reply.toString('latin1', 1).trim()}`);
  const nodes: string[] = [];
  for (const line of bulkOf(reply)!.toString('latin1').split('\n')) {
    const [, addr, flags] = line.split(' ');
    if (!addr || /fail|handshake|noaddr/.test(flags)) continue;
    nodes.push(addr.split('@')[0]);
  }
  return nodes;
}

/** Runs `run` with a master to ask, if operators allowed admin commands and a master is known. */
function gated(run: (session: FamilySession, cmd: ParsedCommand, master: string) => void): FamilyDispatch {
  return (session, cmd) => {
    if (!session.ctx.config.adminCommands) {
      const name = cmd.row.name.replace('|', ' ').toUpperCase();
      session.reject(`ERR ${name} is turned off in slotproxy; an operator can allow it with SLOTPROXY_ADMIN_COMMANDS=yes`);
      return;
    }
    const master = session.ctx.router.nodeForSlot(-1, session.id);
    if (!master) return session.reject(SLOT_NOT_SERVED);
    run(session, cmd, master.address);
  };
}

/** The command on every node (CONFIG SET, CONFIG RESETSTAT): OK when every node said so. */
export const onEveryNode = gated((session, cmd, master) => {
  const name = cmd.row.name.replace('|', ' ').toUpperCase();
  session.enqueue(
    new AsyncRequest(session, async () => {
      const nodes = await everyNode(session, master);
      const replies = await Promise.all(nodes.map((a) => callNode(session, session.id, a, cmd.frame)));
      const failed = nodes.filter((_, i) => isError(replies[i]));
      if (failed.length === 0) return replies[0];
      // Some nodes may have applied it: say which did not, so the operator can finish the job.
      const first = replies.find(isError)!.toString('latin1', 1).trim();
      return Buffer.from(`-ERR ${name} failed on ${failed.length} of ${nodes.length} nodes (${failed.join(', ')}): ${first}\r\n`);
    }),
  );
});

/** Why MIGRATE is off by default, and what to do. */
export const MIGRATE_OFF =
  'ERR MIGRATE is turned off in slotproxy: it makes a cluster node connect to whatever host and port the client names and send it keys; ' +
  'an operator can allow it with SLOTPROXY_ADMIN_COMMANDS=yes';

/** MIGRATE, when allowed: to the master of its keys (which Redis finds with a function, key-procs.ts). */
function migrate(session: FamilySession, cmd: ParsedCommand): void {
  if (!session.ctx.config.adminCommands) return session.reject(MIGRATE_OFF);
  const args = cmd.args();
  const slots = new Set(cmd.row.keyProc!(args).map((i) => keySlot(args[i])));
  if (slots.size > 1) return session.reject(CROSSSLOT);
  const req = new SingleRequest(session, cmd.frame, slots.size ? slots.values().next().value! : -1, session.id, cmd.deadline);
  req.writes = true;
  session.enqueue(req);
}

export const ADMIN = {
  migrate,
  'config-get': gated((session, cmd, master) => {
    session.enqueue(new AsyncRequest(session, () => callNode(session, session.id, master, cmd.frame)));
  }),
  'config-set': onEveryNode,
} satisfies FamilyHandlers<'admin'>;
