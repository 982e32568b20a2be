// A client request whose reply is computed by a small async program (several rounds of node
// calls): WAIT, CONFIG SET on every node.
import { error } from '../../protocol/resp';
import { ReplySlot } from '../client-request';
import type { FamilySession } from '../family';

export class AsyncRequest extends ReplySlot {
  constructor(
    private readonly session: FamilySession,
    private readonly run: () => Promise<Buffer>,
    /** later commands of the client wait for this one (WAIT blocks like in Redis) */
    readonly holds = false,
  ) {
    super();
  }

  start(): void {
    this.run()
      .catch((err: Error) => error(`ERR slotproxy: ${err.message}`))
      .then((reply) => {
        this.reply = reply;
        this.done = true;
        this.session.requestDone(this);
      });
  }

  abandon(): void {}
}
