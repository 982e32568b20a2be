// The commands routed to a node connection and not written yet: written together at the end of
// the event-loop turn (BackendConnection.flush). Two arrays take turns, and the count is kept
// apart instead of shortening them: `array.length = 0` per flush was a runtime call
// (Runtime_StoreCallbackProperty) that also gave up the array's store, grown again by the next
// turn's commands (bench/results/hot-path-figures.md, "array lengths").
export class PendingCommands<C extends { readonly deadline: number }> {
  private list: (C | null)[] = [];
  private spare: (C | null)[] = [];
  /** commands pending: the first `count` of the list */
  count = 0;

  push(cmd: C): void {
    this.list[this.count++] = cmd;
  }

  /**
   * The commands to write now, as the first `count` (read before) of the array returned; the list
   * is empty after it. Give the array back with recycle().
   */
  drain(): (C | null)[] {
    const cmds = this.list;
    this.list = this.spare;
    this.count = 0;
    return cmds;
  }

  /** Takes back an array drain() gave, once its first `n` commands are written. */
  recycle(cmds: (C | null)[], n: number): void {
    // (the spare array keeps no command alive)
    for (let i = 0; i < n; i++) cmds[i] = null;
    this.spare = cmds;
  }

  /** Every command, in order, leaving the list empty. */
  take(): C[] {
    const cmds = this.list.slice(0, this.count) as C[];
    this.list = [];
    this.count = 0;
    return cmds;
  }

  /** Takes out the commands whose deadline passed (they come first: deadlines grow), in order. */
  expire(now: number): C[] {
    if (this.count === 0 || this.list[0]!.deadline > now) return [];
    const keep: C[] = [];
    const expired: C[] = [];
    for (let i = 0; i < this.count; i++) {
      const c = this.list[i]!;
      (c.deadline <= now ? expired : keep).push(c);
    }
    this.list = keep;
    this.count = keep.length;
    return expired;
  }
}
