// CONFIG SET inside MULTI. Redis queues it and answers it inside EXEC's reply, an error there too
// when the value is refused (src/config.c). The transaction's node runs it with the rest of EXEC,
// which checks and applies it as one server would, in Redis's words; each CONFIG SET it accepted
// is then applied to every other node of the cluster, as CONFIG SET outside MULTI is (admin.ts),
// before EXEC's reply goes out. A node that refuses it there turns that OK into the error CONFIG
// SET outside MULTI would give, naming the nodes that did not take it.
import { isArray, arrayElements, arrayOf } from './reply-parts';
import { everyNode, onNodes } from './admin';
import type { FamilySession } from '../family';

/** A CONFIG SET of the transaction: its place in EXEC's reply and what was sent. */
export interface QueuedConfigSet {
  index: number;
  frame: Buffer;
}

const OK_LINE = Buffer.from('+OK\r\n');

/**
 * EXEC's reply once the CONFIG SETs the transaction's node (`main`) accepted are on every other
 * node too. `exec` is the node's reply; anything but an array (nil, an error) is returned as it is.
 */
export async function configSetEverywhere(session: FamilySession, main: string, sets: QueuedConfigSet[], exec: Buffer): Promise<Buffer> {
  if (!isArray(exec)) return exec;
  const elements = arrayElements(exec);
  const applied = sets.filter((s) => elements[s.index]?.equals(OK_LINE));
  if (applied.length === 0) return exec;
  let nodes: string[];
  try {
    nodes = await everyNode(session, main);
  } catch (err) {
    const refused = Buffer.from(`-ERR CONFIG SET was applied on ${main} only: ${(err as Error).message}\r\n`);
    for (const s of applied) elements[s.index] = refused;
    return arrayOf(elements);
  }
  const others = nodes.filter((a) => a !== main);
  let changed = false;
  for (const s of applied) {
    const failed = await onNodes(session, others, s.frame, 'CONFIG SET', nodes.length);
    if (failed === null) continue;
    elements[s.index] = failed;
    changed = true;
  }
  return changed ? arrayOf(elements) : exec;
}
