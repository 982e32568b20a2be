// A client request whose reply is computed by a small async program (several rounds of node
// calls): WAIT, CONFIG SET on every node.
import { error } from '../../protocol/resp';
import type { ClientRequest } from '../client-request';
import type { FamilySession } from '../family';
import type { Slab } from '../../io/socket-reads';

export class AsyncRequest implements ClientRequest {
  next: ClientRequest | null = null;
  endsBatch = true;
  slab: Slab | null = null;
  replySlab: Slab | null = null;
  done = false;
  reply: Buffer | null = null;

  constructor(
    private readonly session: FamilySession,
    private readonly run: () => Promise<Buffer>,
    /** later commands of the client wait for this one (WAIT blocks like in Redis) */
    readonly holds = false,
  ) {}

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
