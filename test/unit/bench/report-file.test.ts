// bench reports go to a scratch directory outside the checkout unless a run is recorded.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { reportPath, stamp } from '../../../bench/report-file';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

describe('bench/report-file: where a run is written', () => {
  it('--record: into bench/results/ of this checkout', () => {
    assert.equal(reportPath('scale-2026-11-28.md', true), path.join(ROOT, 'bench', 'results', 'scale-2026-11-28.md'));
  });

  it('otherwise: under the temp dir, outside the checkout', () => {
    const file = reportPath('x.md', false);
    assert.ok(file.startsWith(os.tmpdir() + path.sep), file);
    assert.ok(path.relative(ROOT, file).startsWith('..'), file);
  });

  it('runs are named after their start, in a form every file system takes', () => {
    assert.equal(stamp(new Date('2026-11-27T14:11:14.763Z')), '2026-11-27T14-11-14-763Z');
  });
});
