// Loads the native scanner addon (build/Release or prebuilds/, via node-gyp-build) and explains
// why when it cannot, so the start-up log line can say which scanners run and what to do.
import path from 'node:path';

export interface NativeRequestScanner {
  scan(buf: Uint8Array, start: number, end: number, authRequired: boolean): number;
  reset(): void;
}
export interface NativeReplyScanner {
  scan(buf?: Uint8Array): number;
}
export interface NativeAddon {
  RequestScanner: new () => NativeRequestScanner;
  ReplyScanner: new () => NativeReplyScanner;
  setRequestOutput(records: Int32Array, keys: Int32Array): void;
  setReplyOutput(records: Int32Array, elems: Int32Array): void;
  registerCommand(id: number, name: string, parentId: number, arity: number, flags: number, specs: Int32Array, keywords: string[]): void;
  clearCommands(): void;
  setLimits(maxMultibulk: number, maxBulk: number, maxInline: number, unauthMultibulk: number, unauthBulk: number): void;
  keySlot(buf: Uint8Array, start: number, end: number): number;
  layout: Record<string, number>;
}

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

let cached: { addon: NativeAddon | null; error: string | null } | null = null;

export function loadNative(): { addon: NativeAddon | null; error: string | null } {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    cached = { addon: load(PACKAGE_ROOT), error: null };
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    cached = {
      addon: null,
      error: `native addon not loadable (${first}); build it with \`npm rebuild slotproxy\` (needs g++, make, python3, libhiredis-dev)`,
    };
  }
  return cached;
}
