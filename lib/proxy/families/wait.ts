// WAIT numreplicas timeout, on the masters this client wrote to. The client's writes travelled
// on shared connections, so WAIT itself cannot follow them there: blocking a shared connection
// stalls every other client on it. Instead INFO replication, sent on that same connection (so
// after those writes), gives an offset that covers them, and the replicas' acknowledged offsets
// are read again every few milliseconds, with a WAIT blocked on a dedicated connection making
// the master ask its replicas for fresh acknowledgements, until enough replicas reached it or
// the timeout passed. (`WAIT 0 0` on the shared connection would be simpler, but a master moves
// a connection's offset past its own GETACKs, so that count never settles.)
import { command, integer } from '../../protocol/resp';
import { SLOT_NOT_SERVED } from '../errors';
import type { FamilySession, ParsedCommand } from '../family';
import { AsyncRequest } from './async-request';
import { callNode } from './node-call';
import { bulkOf, isError } from './reply-parts';

const PROBE_INTERVAL_MS = 2;

async function waitFor(session: FamilySession, targets: string[], wanted: number, timeoutMs: number): Promise<Buffer> {
  const end = timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
  const info = command(['INFO', 'replication']);
  const poke = command(['WAIT', '2147483647', '1']);
  const offsets: number[] = [];
  const poking = new Set<string>();
  for (;;) {
    const replies = await Promise.all(targets.map((a) => callNode(session, session.id, a, info)));
    const failed = replies.find(isError);
    if (failed) return failed;
    const counts = replies.map((r, i) => {
      const text = bulkOf(r)!.toString('latin1');
      // The first INFO follows this client's writes on the same connection: the master's
      // offset then covers them. Later ones only read how far the replicas acknowledged.
      offsets[i] ??= Number(/master_repl_offset:(\d+)/.exec(text)?.[1] ?? 0);
      let acked = 0;
      for (const m of text.matchAll(/^slave\d+:.*\boffset=(\d+)/gm)) if (Number(m[1]) >= offsets[i]) acked++;
      return acked;
    });
    const least = Math.min(...counts);
    if (least >= wanted || Date.now() >= end || session.closed) return integer(least);
    // A WAIT that blocks on a dedicated connection makes the master send REPLCONF GETACK. It is
    // not awaited: a node ends blocked commands only when something wakes it, and the INFO
    // polls that follow are what wake it.
    targets.forEach((address, i) => {
      if (counts[i] >= wanted || poking.has(address)) return;
      poking.add(address);
      void callNode(session, session.id, address, poke, { dedicated: true }).then(() => poking.delete(address));
    });
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
}

export function waitForReplicas(session: FamilySession, cmd: ParsedCommand): void {
  const args = cmd.args();
  const n = args[1].toString('latin1');
  const t = args[2].toString('latin1');
  if (!/^-?\d{1,18}$/.test(n)) return session.reject('ERR value is not an integer or out of range');
  if (!/^-?\d{1,18}$/.test(t)) return session.reject('ERR timeout is not an integer or out of range');
  if (Number(t) < 0) return session.reject('ERR timeout is negative');
  const masters = new Set(session.ctx.router.slotMap.masters);
  let targets = [...session.written.addresses].filter((a) => masters.has(a));
  if (targets.length === 0) {
    const any = session.ctx.router.nodeForSlot(-1, session.id);
    if (!any) return session.reject(SLOT_NOT_SERVED);
    targets = [any.address];
  }
  session.enqueue(new AsyncRequest(session, () => waitFor(session, targets!, Number(n), Number(t)), true));
}
