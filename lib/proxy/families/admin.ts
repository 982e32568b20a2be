// Operator commands across the cluster, off unless SLOTPROXY_ADMIN_COMMANDS=yes: a proxy in front
// of many applications should not let any of them reconfigure the cluster by default.
// CONFIG GET reads one master (the nodes are configured alike); CONFIG SET and RESETSTAT go to
// every node, masters and replicas, and succeed only when every node accepted them.
import { Access } from '../../commands/access';
import { keySlot } from '../../protocol/crc16';
import { command, OK } from '../../protocol/resp';
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
export async function everyNode(session: FamilySession, master: string): Promise<string[]> {
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

/** Why `cmd` is refused while operators have not allowed admin commands; null when they have. */
export function adminOff(session: FamilySession, cmd: ParsedCommand): string | null {
  if (session.ctx.config.adminCommands) return null;
  return `ERR ${cmd.row.name.replace('|', ' ').toUpperCase()} is turned off in slotproxy; an operator can allow it with SLOTPROXY_ADMIN_COMMANDS=yes`;
}

/** Runs `run` with a master to ask, if operators allowed admin commands and a master is known. */
function gated(run: (session: FamilySession, cmd: ParsedCommand, master: string) => void): FamilyDispatch {
  return (session, cmd) => {
    const off = adminOff(session, cmd);
    if (off !== null) {
      session.reject(off);
      return;
    }
    const master = session.ctx.router.nodeForSlot(-1, session.id);
    if (!master) return session.reject(SLOT_NOT_SERVED);
    run(session, cmd, master.address);
  };
}

/**
 * `frame` on each of `nodes` (of `total` in the cluster): null when every one accepted it, else
 * the client's error. Some nodes may have applied it: it says which did not, so the operator can
 * finish the job.
 */
export async function onNodes(session: FamilySession, nodes: string[], frame: Buffer, name: string, total = nodes.length): Promise<Buffer | null> {
  const replies = await Promise.all(nodes.map((a) => callNode(session, session.id, a, frame)));
  const failed = nodes.filter((_, i) => isError(replies[i]));
  if (failed.length === 0) return null;
  const first = replies.find(isError)!.toString('latin1', 1).trim();
  return Buffer.from(`-ERR ${name} failed on ${failed.length} of ${total} nodes (${failed.join(', ')}): ${first}\r\n`);
}

/** The command on every node (CONFIG SET, CONFIG RESETSTAT): OK when every node said so. */
export const onEveryNode = gated((session, cmd, master) => {
  const name = cmd.row.name.replace('|', ' ').toUpperCase();
  session.enqueue(new AsyncRequest(session, async () => (await onNodes(session, await everyNode(session, master), cmd.frame, name)) ?? OK));
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
  const req = SingleRequest.of(session, cmd, slots.size ? slots.values().next().value! : -1);
  req.access = Access.Write;
  session.enqueue(req);
}

export const ADMIN = {
  migrate,
  'config-get': gated((session, cmd, master) => {
    session.enqueue(new AsyncRequest(session, () => callNode(session, session.id, master, cmd.frame)));
  }),
  'config-set': onEveryNode,
} satisfies FamilyHandlers<'admin'>;
