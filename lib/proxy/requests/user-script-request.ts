// SLOTPROXY_ACL_SCRIPTS=cluster, part three: a script or function of a restricted user runs on a
// link logged in as that user (lib/auth/user-links.ts), routed by its keys like any command and following
// redirects. It runs on another connection than the client's other commands, so it waits for
// their replies and the client's later commands wait for it (as a blocking command does): the
// client's order holds.
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import type { User } from '../../auth/acl-rules';
import type { UserLinks } from '../../auth/user-links';
import { isErrorType } from '../../protocol/records';
import { error, frameArgs } from '../../protocol/resp';
import { CROSSSLOT } from '../errors';
import type { FamilySession, ParsedCommand } from '../family';
import { callNode } from '../families/node-call';
import { startsWith } from '../families/reply-parts';
import { RoutedRequest, type RequestOwner } from './routed-request';

const NOSCRIPT = Buffer.from('-NOSCRIPT');

export const IN_MODE =
  'NOPERM slotproxy runs the scripts and functions of users with key, command or channel rules on the cluster nodes as that user, which cannot be done inside MULTI or while subscribed';

class UserScriptRequest extends RoutedRequest {
  readonly holds = true;
  readonly barrier = true;
  private repaired = false;

  constructor(
    owner: RequestOwner,
    frame: Buffer,
    slot: number,
    pin: number,
    deadline: number,
    private readonly links: UserLinks,
    private readonly user: User,
  ) {
    super(owner, frame, slot, pin, deadline);
  }

  sendTo(node: BackendNode): void {
    const twin = this.links.users.get(this.user.name);
    if (this.abandoned || !twin) {
      this.finish(error(`NOPERM slotproxy: the user '${this.user.name}' is no longer in the users file`));
      return;
    }
    this.links.link(node, twin).send(this);
  }

  onReply(frame: Buffer, type: number, redirect: number, _elems: number, _elemBase: number, from: BackendAddress): void {
    const ctx = this.owner.ctx;
    if (redirect !== 0 && ctx.router.redirect(this, frame, redirect, from)) return;
    if (isErrorType(type) && !this.repaired && startsWith(frame, NOSCRIPT)) {
      // an EVALSHA of a script loaded through the proxy, on a node that missed it: load it there
      // (on the proxy's own connection), then run it again once loaded
      const args = frameArgs(this.bytes());
      const load = ctx.scripts.get(args[1]?.toString('latin1').toLowerCase() ?? '');
      if (load) {
        this.repaired = true;
        void callNode(this.owner, this.pin, from.address, load).then(() => this.sendTo(ctx.router.node(from.address)));
        return;
      }
    }
    this.finish(frame);
  }

  onFailure(message: string): void {
    this.finish(error(message));
  }

  abandon(): void {}
}

/** Runs `cmd` on the nodes as `user`, over `links` (AclChecker.runsAsUser said so). */
export function runAsUser(session: FamilySession, cmd: ParsedCommand, user: User, links: UserLinks): void {
  if (session.mode !== null) {
    // (refused when queued: the transaction is aborted, as for any command refused then)
    session.reject(IN_MODE);
    session.mode.rejected(IN_MODE);
    return;
  }
  if (cmd.crossSlot) return session.reject(CROSSSLOT);
  session.enqueue(new UserScriptRequest(session, cmd.frame, cmd.slot, session.id, cmd.deadline, links, user));
}
