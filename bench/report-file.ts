// Where a bench run's report is written. By default outside the tree (a directory under the
// system's temp dir), so that trying a change leaves the checkout clean; into bench/results/ only
// with --record, for a run a write-up or the README is going to cite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** bench/results/ of this checkout: recorded runs, cited by the write-ups. */
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** Where unrecorded runs go. */
export const SCRATCH_DIR = path.join(os.tmpdir(), 'slotproxy-bench');

/** The path a report named `name` (e.g. "2026-11-27T14-11-14-763Z.md") is written to. */
export function reportPath(name: string, record: boolean): string {
  return path.join(record ? RESULTS_DIR : SCRATCH_DIR, name);
}

/** Writes the report and returns its path (relative to the checkout when recorded). */
export function writeReport(name: string, text: string, record: boolean): string {
  const file = reportPath(name, record);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return record ? path.relative(ROOT, file) : file;
}

/** A recorded full run is also the latest full table, bench/RESULTS.md, that the docs link to. */
export function recordLatestFullRun(table: string): string {
  const file = path.join(ROOT, 'bench', 'RESULTS.md');
  fs.writeFileSync(file, `# Latest full benchmark run\n\n${table}`);
  return path.relative(ROOT, file);
}

/** The timestamp bench reports are named after: 2026-11-27T14-11-14-763Z. */
export function stamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}
