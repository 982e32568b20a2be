// What the statistics need of each outstanding request of a client, kept beside its ordered
// reply list (same order, so the head here belongs to the head request there): the command's
// row, when it was read, and its bytes for the slow log. Parallel typed arrays: no object per
// request.

export class PendingStats {
  private rows = new Int32Array(64);
  private at = new Float64Array(64);
  private frames: (Buffer | null)[] = new Array(64).fill(null);
  /** the request's bytes are frames[i][starts[i], ends[i]) (a range of the client's read buffer) */
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private head = 0;
  private count = 0;

  push(row: number, at: number, frame: Buffer | null, start: number, end: number): void {
    if (this.count === this.rows.length) this.grow();
    const i = (this.head + this.count) & (this.rows.length - 1);
    this.rows[i] = row;
    this.at[i] = at;
    this.frames[i] = frame;
    this.starts[i] = start;
    this.ends[i] = end;
    this.count++;
  }

  get headRow(): number {
    return this.rows[this.head];
  }

  get headAt(): number {
    return this.at[this.head];
  }

  /** the head request's bytes are headFrame[headStart, headEnd) */
  get headFrame(): Buffer | null {
    return this.frames[this.head];
  }

  get headStart(): number {
    return this.starts[this.head];
  }

  get headEnd(): number {
    return this.ends[this.head];
  }

  /** How many outstanding requests have a row that `pick` accepts. */
  countRows(pick: (row: number) => boolean): number {
    let n = 0;
    for (let k = 0; k < this.count; k++) if (pick(this.rows[(this.head + k) & (this.rows.length - 1)])) n++;
    return n;
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
    const starts = new Int32Array(n * 2);
    const ends = new Int32Array(n * 2);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & (n - 1);
      rows[k] = this.rows[i];
      at[k] = this.at[i];
      frames[k] = this.frames[i];
      starts[k] = this.starts[i];
      ends[k] = this.ends[i];
    }
    this.rows = rows;
    this.at = at;
    this.frames = frames;
    this.starts = starts;
    this.ends = ends;
    this.head = 0;
  }
}
