// Key specs as Redis 7 describes them in COMMAND (src/server.h, "Key-spec"); the scanners turn
// them into key positions for every request.

export type BeginSearch =
  | { type: 'index'; pos: number }
  | { type: 'keyword'; keyword: string; startfrom: number }
  | { type: 'unknown' };

export type FindKeys =
  | { type: 'range'; lastkey: number; keystep: number; limit: number }
  | { type: 'keynum'; keynumidx: number; firstkey: number; keystep: number }
  | { type: 'unknown' };

export interface KeySpec {
  flags: string[];
  begin: BeginSearch;
  find: FindKeys;
}

/** What a request scanner needs to know of one command. */
export interface ScannerRow {
  id: number;
  /** lowercase; "parent|sub" for subcommands */
  name: string;
  parentId: number;
  arity: number;
  /** the request class needs every key (offset, length, slot), not only the slot */
  wantKeys: boolean;
  specs: KeySpec[];
}

// Flat encoding shared with native/addon.cc registerCommand(): 7 numbers per spec.
export const BS_UNKNOWN = 0;
export const BS_INDEX = 1;
export const BS_KEYWORD = 2;
export const FK_UNKNOWN = 0;
export const FK_RANGE = 1;
export const FK_KEYNUM = 2;

export function encodeSpecs(specs: KeySpec[]): { ints: Int32Array; keywords: string[] } {
  const ints = new Int32Array(specs.length * 7);
  const keywords: string[] = [];
  specs.forEach((s, i) => {
    const o = i * 7;
    if (s.begin.type === 'index') {
      ints[o] = BS_INDEX;
      ints[o + 1] = s.begin.pos;
    } else if (s.begin.type === 'keyword') {
      ints[o] = BS_KEYWORD;
      ints[o + 1] = s.begin.startfrom;
      ints[o + 2] = keywords.push(s.begin.keyword) - 1;
    }
    if (s.find.type === 'range') {
      ints.set([FK_RANGE, s.find.lastkey, s.find.keystep, s.find.limit], o + 3);
    } else if (s.find.type === 'keynum') {
      ints.set([FK_KEYNUM, s.find.keynumidx, s.find.firstkey, s.find.keystep], o + 3);
    }
  });
  return { ints, keywords };
}

/** Why a spec cannot be used, or null. Both scanners rely on these invariants. */
export function specProblem(s: KeySpec): string | null {
  if (s.begin.type === 'index' && !(Number.isInteger(s.begin.pos) && s.begin.pos >= 1)) return 'begin_search index must be >= 1';
  if (s.begin.type === 'keyword' && !s.begin.keyword) return 'begin_search keyword is empty';
  if (s.find.type === 'range' && !(s.find.keystep >= 1)) return 'find_keys range keystep must be >= 1';
  if (s.find.type === 'range' && s.find.limit !== 0 && s.find.lastkey !== -1) return 'find_keys range limit needs lastkey -1';
  if (s.find.type === 'keynum' && !(s.find.keystep >= 1)) return 'find_keys keynum keystep must be >= 1';
  if (s.find.type === 'keynum' && !(s.find.keynumidx >= 0)) return 'find_keys keynum keynumidx must be >= 0';
  return null;
}
