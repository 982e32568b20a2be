// Two nodes that redirect a slot to each other. While a slot changes owner the nodes learn it one
// by one, by gossip: a node can still name the old owner after that one already names the new,
// or a claim gossiped late can hand the slot back for a moment (SETSLOT NODE without IMPORTING
// does not bump the config epoch). Redis Cluster agrees again within a gossip round or so, but a
// request that follows each MOVED at once bounces between the two and spends its whole redirect
// budget in milliseconds (16 in 140 ms, seen in transactions.test.ts). A MOVED that sends a
// request back where the slot's previous MOVED came from is the sign: the router waits then, as
// for TRYAGAIN, and the refresh each MOVED asks for may settle the map meanwhile.
export class SlotDisputes {
  /** per slot, the last MOVED: the node that answered it, the node it named, when */
  private readonly last = new Map<number, { from: string; to: string; at: number }>();

  /**
   * Records a MOVED for `slot` answered by `from` naming `to` at `now`; true when it reverses
   * that slot's previous MOVED, seen within `windowMs`: the two nodes disagree about the slot.
   */
  moved(slot: number, from: string, to: string, now: number, windowMs: number): boolean {
    // A node naming itself is broken, not behind: waiting would not help; the redirect budget ends it.
    if (from === to) return false;
    const prev = this.last.get(slot);
    if (prev === undefined) {
      this.last.set(slot, { from, to, at: now });
      return false;
    }
    const reversed = prev.from === to && prev.to === from && now - prev.at <= windowMs;
    prev.from = from;
    prev.to = to;
    prev.at = now;
    return reversed;
  }
}
