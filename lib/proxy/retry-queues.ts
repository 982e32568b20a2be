// Commands waiting out TRYAGAIN / CLUSTERDOWN or a slot dispute, one queue per client (pin): a
// client's later commands wait behind its first retried one and all are routed again together,
// in the order their redirects came back (the order the client sent them, per node). A later
// command retried with a shorter back-off would otherwise overtake the earlier one.
import type { BackendCommand } from '../backend/backend-command';

export class RetryQueues {
  private readonly queues = new Map<number, BackendCommand[]>();
  /** queues.size, as a field: the router reads it for every command */
  count = 0;

  /** @param retry routes a command again once its queue's back-off is over */
  constructor(private readonly retry: (cmd: BackendCommand) => void) {}

  /** A command of a client whose earlier command waits out a back-off waits behind it. */
  joinWaiting(cmd: BackendCommand): boolean {
    const waiting = this.queues.get(cmd.pin);
    if (waiting === undefined) return false;
    waiting.push(cmd);
    return true;
  }

  /** Routes `cmd` again after `delay` ms, or after its client's queue's back-off if it has one. */
  later(cmd: BackendCommand, delay: number): void {
    let waiting = this.queues.get(cmd.pin);
    if (waiting === undefined) {
      waiting = [];
      this.queues.set(cmd.pin, waiting);
      this.count++;
      const pin = cmd.pin;
      setTimeout(() => this.release(pin), delay);
    }
    waiting.push(cmd);
  }

  private release(pin: number): void {
    const waiting = this.queues.get(pin);
    if (waiting === undefined) return;
    this.queues.delete(pin);
    this.count--;
    // (a command retried here and answered TRYAGAIN again opens a new queue, asynchronously:
    // the rest of this one is routed first, as it was sent)
    for (const cmd of waiting) this.retry(cmd);
  }
}
