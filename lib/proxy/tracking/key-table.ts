// The proxy's tracking table: which tracking clients read each key through it since the key's
// last invalidation (Redis's TrackingTable, src/tracking.c, kept by the proxy because the nodes
// see one shared tracking connection where there are many clients). Bounded: past `maxKeys` the
// oldest keys are invalidated for their clients and forgotten, as Redis does past
// tracking-table-max-keys, so a client is never left with a key nobody would invalidate.
import { keySlot } from '../../protocol/crc16';

/** A client as the table sees it. */
export interface KeyReader {
  /** still tracking (entries of clients gone are skipped, and dropped with their key) */
  readonly active: boolean;
}

interface Entry<R> {
  readonly slot: number;
  readonly key: Buffer;
  readonly readers: Set<R>;
}

/** Per client, the keys to invalidate. */
export type Invalidations<R> = Map<R, Buffer[]>;

export class KeyTable<R extends KeyReader> {
  private readonly keys = new Map<string, Entry<R>>();
  /** the keys of each slot, so a slot moved costs its keys, not the whole table */
  private readonly bySlot = new Map<number, Set<string>>();
  /** (key, client) pairs held */
  items = 0;

  constructor(
    public maxKeys: number,
    /** where the keys evicted past maxKeys go */
    private readonly evicted: (inv: Invalidations<R>) => void,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  /** `reader` read `key`: it gets the key's next invalidation. */
  remember(key: Buffer, reader: R): void {
    const k = key.toString('latin1');
    let e = this.keys.get(k);
    if (e === undefined) {
      e = { slot: keySlot(key), key: Buffer.from(key), readers: new Set() };
      this.keys.set(k, e);
      let inSlot = this.bySlot.get(e.slot);
      if (inSlot === undefined) this.bySlot.set(e.slot, (inSlot = new Set()));
      inSlot.add(k);
    }
    if (!e.readers.has(reader)) {
      e.readers.add(reader);
      this.items++;
    }
    if (this.keys.size > this.maxKeys) this.evict();
  }

  /** `reader` wrote `key` itself (NOLOOP): it is not told, as Redis does not tell the writer. */
  forget(key: Buffer, reader: R): void {
    const e = this.keys.get(key.toString('latin1'));
    if (e?.readers.delete(reader)) this.items--;
  }

  /** The keys a node invalidated: who to tell, and the keys forgotten. */
  invalidate(keys: readonly Buffer[]): Invalidations<R> {
    const out: Invalidations<R> = new Map();
    for (const key of keys) {
      const k = key.toString('latin1');
      const e = this.keys.get(k);
      if (e === undefined) continue;
      this.drop(k, e, out);
    }
    return out;
  }

  /** Every key of the `moved` slots: they are no longer tracked where they were read. */
  invalidateSlots(moved: readonly number[]): Invalidations<R> {
    const out: Invalidations<R> = new Map();
    for (const slot of moved) {
      const inSlot = this.bySlot.get(slot);
      if (inSlot === undefined) continue;
      for (const k of [...inSlot]) this.drop(k, this.keys.get(k)!, out);
    }
    return out;
  }

  /** Forgets everything (after a flush of every client). */
  clear(): void {
    this.keys.clear();
    this.bySlot.clear();
    this.items = 0;
  }

  /** Shrinks to maxKeys (lowered at run time, or one key over). */
  evict(): void {
    if (this.keys.size <= this.maxKeys) return;
    const out: Invalidations<R> = new Map();
    for (const [k, e] of this.keys) {
      if (this.keys.size <= this.maxKeys) break;
      this.drop(k, e, out);
    }
    this.evicted(out);
  }

  private drop(k: string, e: Entry<R>, out: Invalidations<R>): void {
    this.keys.delete(k);
    const inSlot = this.bySlot.get(e.slot)!;
    inSlot.delete(k);
    if (inSlot.size === 0) this.bySlot.delete(e.slot);
    this.items -= e.readers.size;
    for (const r of e.readers) {
      if (!r.active) continue;
      const list = out.get(r);
      if (list) list.push(e.key);
      else out.set(r, [e.key]);
    }
  }
}
