// One master's replication offsets as the replica poller read them, round by round: what a
// replica's offset is compared with to say how far behind it is and which clients it may serve.
// A ring of the latest polls; offsets only grow within one replication history (replid), so a
// new replid starts it again.

export class OffsetHistory {
  private readonly rounds: Float64Array;
  private readonly offsets: Float64Array;
  /** Date.now() when each round's poll was sent */
  private readonly sentAt: Float64Array;
  /** index of the newest entry; size entries end there */
  private newest = -1;
  private size = 0;
  replid = '';

  constructor(readonly capacity: number) {
    this.rounds = new Float64Array(capacity);
    this.offsets = new Float64Array(capacity);
    this.sentAt = new Float64Array(capacity);
  }

  get empty(): boolean {
    return this.size === 0;
  }

  /** The master's offset, read by the poll of `round` sent at `sentAt`, in history `replid`. */
  record(round: number, offset: number, sentAt: number, replid: string): void {
    if (replid !== this.replid) {
      this.replid = replid;
      this.size = 0;
    }
    this.newest = (this.newest + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
    this.rounds[this.newest] = round;
    this.offsets[this.newest] = offset;
    this.sentAt[this.newest] = sentAt;
  }

  /**
   * How a replica at `offset` stands: `round`, the latest poll round whose master offset it has
   * reached (-1: none in the ring); `lagMs`, 0 when it reached the newest poll, otherwise the time
   * since the poll of `round` was sent: everything the master had then, the replica has, so its
   * data is at most that old (an upper bound, within about one poll period of the truth). Below
   * the whole ring, the time since its oldest poll: a lower bound, and `round` is -1.
   */
  standing(offset: number, now: number): { round: number; lagMs: number } {
    if (this.size === 0) return { round: -1, lagMs: 0 };
    if (this.offsets[this.newest] <= offset) return { round: this.rounds[this.newest], lagMs: 0 };
    let i = this.newest;
    for (let k = 1; k < this.size; k++) {
      i = (i - 1 + this.capacity) % this.capacity;
      if (this.offsets[i] <= offset) return { round: this.rounds[i], lagMs: Math.max(0, now - this.sentAt[i]) };
    }
    return { round: -1, lagMs: Math.max(0, now - this.sentAt[i]) };
  }
}
