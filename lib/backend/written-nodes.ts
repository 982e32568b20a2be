// The masters a client wrote to, for WAIT (which asks them, and only them, for their replicas'
// acknowledgement). Noted per write: a Set#add per write was ~180 instructions, 2% of a SET at
// pipeline 1, so the last few nodes noted are remembered and skip it. The set only grows, so a
// node remembered is in it.
export class WrittenNodes {
  /** the addresses of the nodes written to */
  readonly addresses = new Set<string>();
  private a: object | null = null;
  private b: object | null = null;
  private c: object | null = null;
  private d: object | null = null;

  note(node: { readonly address: string }): void {
    if (node === this.a || node === this.b || node === this.c || node === this.d) return;
    this.d = this.c;
    this.c = this.b;
    this.b = this.a;
    this.a = node;
    this.addresses.add(node.address);
  }
}
