// EVALSHA of a script the client loaded with SCRIPT LOAD (which the proxy sent to every master)
// can still meet a node without it: one that joined or restarted since. The proxy kept the
// SCRIPT LOAD, repeats it on that node and sends the EVALSHA again, once.
import { frameArgs } from '../../protocol/resp';
import { callNode } from '../families/node-call';
import { startsWith } from '../families/reply-parts';
import type { RoutedRequest } from './routed-request';

const NOSCRIPT = Buffer.from('-NOSCRIPT');
const EVALSHA = new Set(['evalsha', 'evalsha_ro']);

/** True when the request was sent again after loading its script on `address`. */
export function repairNoScript(req: RoutedRequest, frame: Buffer, address: string): boolean {
  const ctx = req.owner.ctx;
  const scripts = ctx.scripts;
  if (scripts.size === 0 || !startsWith(frame, NOSCRIPT)) return false;
  const args = frameArgs(req.bytes());
  if (!EVALSHA.has(args[0].toString('latin1').toLowerCase())) return false;
  const load = scripts.get(args[1].toString('latin1').toLowerCase());
  if (!load) return false;
  const node = ctx.router.node(address);
  // Same shared connection, in this order: the node loads the script, then runs it.
  void callNode(req.owner, req.pin, address, load, { resp3: req.resp3 });
  req.sendTo(node);
  return true;
}
