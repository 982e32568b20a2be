// Where a command's key specs are incomplete, Redis finds its keys with a per-command function
// (getkeys_proc in src/db.c) and so must the proxy, or it would route or refuse differently.
// Each returns the argument indexes of the keys.

export type KeyProc = (args: Buffer[]) => number[];

const is = (arg: Buffer, word: string): boolean => arg.length === word.length && arg.toString('latin1').toLowerCase() === word;

/** sortGetKeys: the key, and the last STORE target (LIMIT/GET/BY arguments are skipped). */
function sortKeys(args: Buffer[]): number[] {
  const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
  let store = -1;
  for (let i = 2; i < args.length; i++) {
    const word = args[i].toString('latin1').toLowerCase();
    if (word in skip) i += skip[word];
    else if (word === 'store' && i + 1 < args.length) store = i + 1;
  }
  return store > 0 ? [1, store] : [1];
}

/** migrateGetKeys: argument 3, or with KEYS (which needs an empty argument 3) the rest. */
function migrateKeys(args: Buffer[]): number[] {
  const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  if (args.length > 6) {
    for (let i = 6; i < args.length; i++) {
      if (is(args[i], 'keys')) {
        if (args[3].length > 0) return [];
        return Array.from({ length: args.length - i - 1 }, (_, k) => i + 1 + k);
      }
      const word = args[i].toString('latin1').toLowerCase();
      if (word in skip) i += skip[word];
    }
  }
  return [3];
}

export const KEY_PROCS: Readonly<Partial<Record<string, KeyProc>>> = {
  sort: sortKeys,
  sort_ro: () => [1],
  migrate: migrateKeys,
};
