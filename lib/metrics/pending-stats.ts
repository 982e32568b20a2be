// What the statistics need of each outstanding request of a client, kept beside its ordered
// reply list (same order, so the head here belongs to the head request there): the command's
// row, when it was read, and its bytes for the slow log. Parallel typed arrays: no object per
// request.

export class PendingStats {
  private rows = new Int32Array(64);
  private at = new Float64Array(64);
  private frames: (Buffer | null)[] = new Array(64).fill(null);
  private head = 0;
  private count = 0;

  push(row: number, at: number, frame: Buffer | null): void {
    if (this.count === this.rows.length) this.grow();
    const i = (this.head + this.count) & (this.rows.length - 1);
    this.rows[i] = row;
    this.at[i] = at;
    this.frames[i] = frame;
    this.count++;
  }

  get headRow(): number {
    return this.rows[this.head];
  }

  get headAt(): number {
    return this.at[this.head];
  }

  get headFrame(): Buffer | null {
    return this.frames[this.head];
  }

  drop(): void {
    this.frames[this.head] = null;
    this.head = (this.head + 1) & (this.rows.length - 1);
    this.count--;
  }

  private grow(): void {
    const n = this.rows.length;
    const rows = new Int32Array(n * 2);
    const at = new Float64Array(n * 2);
    const frames: (Buffer | null)[] = new Array(n * 2).fill(null);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & (n - 1);
      rows[k] = this.rows[i];
      at[k] = this.at[i];
      frames[k] = this.frames[i];
    }
    this.rows = rows;
    this.at = at;
    this.frames = frames;
    this.head = 0;
  }
}
