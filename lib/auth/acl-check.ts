// Permission checks for users with restrictions (users file): the command must be allowed, and
// every key it touches must match one of the user's key patterns. Unrestricted users never get
// here (the hot path skips it). Keys are found by a private TypeScript scanner that records every
// key of every command, or by the command's key function (SORT, MIGRATE).
import type { CommandRow, CommandTable } from '../commands/table';
import { JsCommandIndex } from '../protocol/js-command-index';
import { DEFAULT_SCAN_LIMITS, JsRequestScanner } from '../protocol/js-request-scanner';
import { KEY_TRIPLE, REQ_HEADER, REQ_KEYS, REQ_RECORD, R_KEYIDX, R_NKEYS } from '../protocol/records';
import { frameArgs } from '../protocol/resp';
import type { User } from './users';

export class AclChecker {
  private readonly scanner: JsRequestScanner;
  private readonly records = new Int32Array(REQ_HEADER + REQ_RECORD);
  private readonly keys = new Int32Array(1024 * 1024 * KEY_TRIPLE);

  constructor(table: CommandTable) {
    const index = new JsCommandIndex();
    for (const row of table.scannerRows()) index.add({ ...row, wantKeys: true });
    this.scanner = new JsRequestScanner(index, { ...DEFAULT_SCAN_LIMITS, maxBulk: Number.MAX_SAFE_INTEGER }, { records: this.records, keys: this.keys });
  }

  /** The NOPERM error for this command, or null when the user may run it. */
  denied(user: User, row: CommandRow, frame: Buffer): string | null {
    if (user.allowed && !user.allowed.has(row.id)) {
      return `NOPERM this user has no permissions to run the '${row.name}' command`;
    }
    if (user.allKeys) return null;
    for (const key of this.keysOf(row, frame)) {
      if (!user.keyPatterns.some((p) => p.test(key))) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
    }
    return null;
  }

  private keysOf(row: CommandRow, frame: Buffer): string[] {
    if (row.keyProc) {
      const args = frameArgs(frame);
      return row.keyProc(args).map((i) => args[i].toString('latin1'));
    }
    this.scanner.reset();
    if (this.scanner.scan(frame, 0, frame.length, false) !== 1 || this.records[REQ_KEYS] === 0) return [];
    const first = this.records[REQ_HEADER + R_KEYIDX];
    const n = this.records[REQ_HEADER + R_NKEYS];
    const out: string[] = [];
    for (let k = first; k < first + n; k++) {
      const t = k * KEY_TRIPLE;
      out.push(frame.toString('latin1', this.keys[t], this.keys[t] + this.keys[t + 1]));
    }
    return out;
  }
}
