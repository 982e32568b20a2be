// Whole-cluster commands: asked of every master (or walked node by node, for SCAN) and merged
// so the client sees one server's answer. Scripts and functions are loaded everywhere, so
// EVALSHA/FCALL work on whichever node a key lives.
import { command, error, integer, nullBulk, OK, verbatim } from '../../protocol/resp';
import { SLOT_NOT_SERVED } from '../errors';
import type { FamilyDispatch, FamilyHandlers, FamilySession, ParsedCommand } from '../family';
import { AfterEarlier, NodeFanout, type NodePart } from './node-fanout';
import { arrayOf, bulkOf, integerOf, isError } from './reply-parts';
import { infoSections, infoText } from '../local-commands';
import { MASTER_SECTIONS } from '../../metrics/info';
import { mergeMasterInfos, type MastersInfo } from '../../metrics/masters-info';
import type { ProxyView } from '../../metrics/view';
import { waitForReplicas } from './wait';

/** SCAN cursors carry the node: cursor = nodeCursor * NODE_RADIX + node number. */
const NODE_RADIX = 1024n;

const firstError = (parts: NodePart[]): Buffer | null => parts.find((p) => isError(p.reply!))?.reply ?? null;

/**
 * The command goes to every master (`control`: on its control connection); `merge` makes the
 * client's reply of theirs, in the protocol the client spoke when it sent the command (`resp3`: a
 * HELLO pipelined after it does not change it).
 */
type FanoutMerge = (parts: NodePart[], session: FamilySession, resp3: boolean) => Buffer;

function toMasters(merge: FanoutMerge, wantElements = false, control = false): FamilyDispatch {
  return (session, cmd) => {
    const resp3 = session.resp3;
    const req = new NodeFanout(session, cmd.deadline, (parts) => merge(parts, session, resp3), wantElements);
    for (const address of session.ctx.router.slotMap.mastersBySlot()) req.ask(address, cmd.frame, false, control);
    session.enqueue(req);
  };
}

/**
 * SCRIPT KILL / FUNCTION KILL, as one server answers it: OK when a node killed its script; else
 * a node's refusal in Redis's words (UNKILLABLE: the script wrote; BUSY: a function to SCRIPT
 * KILL or a script to FUNCTION KILL); else an error that leaves it open whether a script runs
 * (a node not answering); NOTBUSY only when every node said so.
 */
const KILL_ANSWERS = [/^\+/, /^-UNKILLABLE /, /^-BUSY /, /^-(?!NOTBUSY )/];

function killMerge(parts: NodePart[]): Buffer {
  const replies = parts.map((p) => p.reply!);
  for (const answer of KILL_ANSWERS) {
    const found = replies.find((r) => answer.test(r.toString('latin1', 0, Math.min(r.length, 16))));
    if (found) return found;
  }
  return replies[0] ?? error(SLOT_NOT_SERVED);
}

/** As toMasters, but the first error a master answered is the reply. */
const allOrError = (merge: FanoutMerge, wantElements = false): FamilyDispatch =>
  toMasters((parts, session, resp3) => firstError(parts) ?? merge(parts, session, resp3), wantElements);

function scan(session: FamilySession, cmd: ParsedCommand): void {
  const args = cmd.args();
  const text = args[1].toString('latin1');
  // Redis parses cursors with strtoul: digits only, at most 2^64-1.
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > 0xffffffffffffffffn) {
    session.reject('ERR invalid cursor');
    return;
  }
  const cursor = BigInt(text);
  const masters = session.ctx.router.slotMap.mastersBySlot();
  const node = Number(cursor % NODE_RADIX);
  if (node >= masters.length) {
    // the cluster has fewer masters than when this cursor was made: the scan is over
    session.enqueue(new NodeFanout(session, cmd.deadline, () => arrayOf([Buffer.from('$1\r\n0\r\n'), Buffer.from('*0\r\n')])));
    return;
  }
  const nodeArgs = [...args];
  nodeArgs[1] = Buffer.from(String(cursor / NODE_RADIX));
  const req = new NodeFanout(
    session,
    cmd.deadline,
    ([part]) => {
      if (isError(part.reply!)) return part.reply!;
      const [cursorBulk, keys] = part.elements!;
      const next = BigInt(bulkOf(cursorBulk)!.toString('latin1'));
      let out: bigint;
      if (next !== 0n) out = next * NODE_RADIX + BigInt(node);
      else out = node + 1 < masters.length ? BigInt(node + 1) : 0n;
      const c = String(out);
      return arrayOf([Buffer.from(`$${c.length}\r\n${c}\r\n`), keys]);
    },
    true,
  );
  session.enqueue(req.ask(masters[node], command(nodeArgs)));
}

/**
 * INFO: the proxy's own sections, and those describing the data (persistence, replication,
 * keyspace ...) merged from the masters' INFO, asked only when one of them is wanted. It waits
 * for the client's earlier replies, as Redis runs it after them: a pipeline of GETs then INFO
 * sees those GETs in commandstats.
 */
function info(session: FamilySession, cmd: ParsedCommand): void {
  const sections = cmd.args().slice(1).map((a) => a.toString('latin1').toLowerCase());
  const resp3 = session.resp3;
  // with several workers the figures of all of them are gathered first (lib/workers)
  const view = async (): Promise<ProxyView> => (session.ctx.peers ? session.ctx.peers.clusterView() : session.ctx);
  const fromMasters = infoSections(sections).filter((s) => MASTER_SECTIONS.includes(s));
  if (fromMasters.length === 0) {
    session.enqueue(new AfterEarlier(session, cmd.deadline, async () => verbatim(infoText(await view(), sections), resp3)));
    return;
  }
  // one section by name; several as "default", which holds them all and which every Redis
  // version answers (multi-section INFO is 7.0's)
  askMasters(session, cmd, fromMasters.length === 1 ? fromMasters[0] : 'default', async (masters) => verbatim(infoText(await view(), sections, masters), resp3));
}

/** Every master's INFO `section`, merged (lib/metrics/masters-info.ts), made a reply by `build`. */
function askMasters(session: FamilySession, cmd: ParsedCommand, section: string, build: (masters: MastersInfo) => Promise<Buffer> | Buffer): void {
  const req = new AfterEarlier(session, cmd.deadline, (parts) => {
    const texts = parts.filter((p) => !isError(p.reply!)).map((p) => bulkOf(p.reply!)!.toString('latin1'));
    return build(mergeMasterInfos(texts, parts.length));
  });
  const frame = command(['INFO', section]);
  for (const address of session.ctx.router.slotMap.mastersBySlot()) req.ask(address, frame);
  session.enqueue(req);
}

/**
 * ROLE of the proxy itself, never of a node (whose reply lists its replicas' addresses): a master
 * without replicas, as CLUSTER NODES shows it and INFO (no slaveN lines: nothing can replicate
 * from the proxy); its offset is INFO's master_repl_offset.
 */
function role(session: FamilySession, cmd: ParsedCommand): void {
  askMasters(session, cmd, 'replication', (masters) => {
    const offset = masters.fields.get('master_repl_offset') ?? '0';
    return Buffer.from(`*3\r\n$6\r\nmaster\r\n:${offset}\r\n*0\r\n`);
  });
}

/** One master answers (they are alike: HELP, FUNCTION LIST ...). */
function first(session: FamilySession, cmd: ParsedCommand): void {
  const address = session.ctx.router.nodeForSlot(-1, session.id)?.address;
  if (!address) {
    session.reject(SLOT_NOT_SERVED);
    return;
  }
  session.enqueue(new NodeFanout(session, cmd.deadline, ([p]) => p.reply!).ask(address, cmd.frame));
}

export const FANOUT = {
  role,
  scan,
  wait: waitForReplicas,
  info,
  first,
  concat: allOrError((parts) => arrayOf(parts.flatMap((p) => p.elements ?? [])), true),
  sum: allOrError((parts) => integer(parts.reduce((n, p) => n + integerOf(p.reply!), 0))),
  randomkey: allOrError((parts, _session, resp3) => {
    const found = parts.map((p) => p.reply!).filter((r) => bulkOf(r) !== null);
    return found.length ? found[Math.floor(Math.random() * found.length)] : nullBulk(resp3);
  }),
  'all-ok': allOrError(() => OK),
  'script-flush': allOrError((_parts, session) => {
    // flushed on purpose: NOSCRIPT must not be repaired from the proxy's copy any more
    session.ctx.scripts.clear();
    session.ctx.peers?.flushScripts();
    return OK;
  }),
  'script-load': allOrError((parts, session) => {
    const shas = new Set(parts.map((p) => p.reply!.toString('latin1')));
    if (shas.size !== 1) return error('ERR slotproxy: the masters disagree on the SHA1 of this script');
    // The SCRIPT LOAD is kept, so a node that joins later or lost its scripts can be given it
    // when it answers NOSCRIPT.
    const sha = bulkOf(parts[0].reply!)!.toString('latin1');
    session.ctx.scripts.set(sha, parts[0].bytes());
    session.ctx.peers?.shareScript(sha, parts[0].bytes());
    return parts[0].reply!;
  }),
  'function-load': allOrError((parts) => parts[0].reply!),
  'script-exists': allOrError((parts) => {
    // a script exists for the client only where every master has it: EVALSHA may go anywhere
    const lists = parts.map((p) => p.elements!.map((e) => integerOf(e)));
    return arrayOf(lists[0].map((_, i) => integer(lists.every((l) => l[i] === 1) ? 1 : 0)));
  }, true),
  // On the control connections: the script may run on a master's shared connection, where the
  // kill would wait behind it (lib/backend/busy-watch.ts).
  'script-kill': toMasters(killMerge, false, true),
} satisfies FamilyHandlers<'fanout'>;
