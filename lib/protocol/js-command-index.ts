// The JS scanner's view of the command table: lookups by the raw name bytes, case-insensitive,
// without creating strings (the native twin is native/command_table.cc).
import type { KeySpec, ScannerRow } from '../commands/key-spec';

export interface IndexedRow {
  id: number;
  arity: number;
  wantKeys: boolean;
  specs: KeySpec[];
  keywordBytes: (Buffer | null)[];
  nameBytes: Buffer; // lowercase; for subcommands only the part after '|'
  subcommands: IndexedRow[] | null;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function hash(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ lower(buf[i]), 16777619) >>> 0;
  return h;
}

function equalsLower(lowerName: Buffer, buf: Uint8Array, start: number, end: number): boolean {
  if (lowerName.length !== end - start) return false;
  for (let i = 0; i < lowerName.length; i++) if (lowerName[i] !== lower(buf[start + i])) return false;
  return true;
}

export class JsCommandIndex {
  private rows: (IndexedRow | undefined)[] = [];
  private top: IndexedRow[] = [];
  private buckets = new Int32Array(64);

  clear(): void {
    this.rows = [];
    this.top = [];
    this.buckets = new Int32Array(64);
  }

  add(row: ScannerRow): void {
    const bar = row.name.indexOf('|');
    const entry: IndexedRow = {
      id: row.id,
      arity: row.arity,
      wantKeys: row.wantKeys,
      specs: row.specs,
      keywordBytes: row.specs.map((s) => (s.begin.type === 'keyword' ? Buffer.from(s.begin.keyword) : null)),
      nameBytes: Buffer.from(bar >= 0 ? row.name.slice(bar + 1) : row.name),
      subcommands: null,
    };
    if (row.parentId) {
      const parent = this.rows[row.parentId];
      if (!parent) throw new Error(`command row ${row.name}: parent ${row.parentId} is not registered`);
      (parent.subcommands ??= []).push(entry);
      this.rows[row.id] = entry;
      return;
    }
    if (this.find(entry.nameBytes, 0, entry.nameBytes.length)) throw new Error(`command ${row.name} registered twice`);
    this.rows[row.id] = entry;
    this.top.push(entry);
    if (this.top.length * 2 > this.buckets.length) {
      this.rehash(this.buckets.length * 2);
    } else {
      this.insert(entry);
    }
  }

  find(buf: Uint8Array, start: number, end: number): IndexedRow | null {
    if (end - start === 0 || end - start > 64) return null;
    const mask = this.buckets.length - 1;
    for (let i = hash(buf, start, end) & mask; ; i = (i + 1) & mask) {
      const id = this.buckets[i];
      if (!id) return null;
      const row = this.rows[id]!;
      if (equalsLower(row.nameBytes, buf, start, end)) return row;
    }
  }

  findSub(parent: IndexedRow, buf: Uint8Array, start: number, end: number): IndexedRow | null {
    for (const row of parent.subcommands!) if (equalsLower(row.nameBytes, buf, start, end)) return row;
    return null;
  }

  private insert(row: IndexedRow): void {
    const mask = this.buckets.length - 1;
    let i = hash(row.nameBytes, 0, row.nameBytes.length) & mask;
    while (this.buckets[i]) i = (i + 1) & mask;
    this.buckets[i] = row.id;
  }

  private rehash(capacity: number): void {
    this.buckets = new Int32Array(capacity);
    for (const row of this.top) this.insert(row);
  }
}
