import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PROCESS_HEADING, processMetrics, renderMetricsDocs } from '../../../lib/metrics/docs';
import { SECTIONS } from '../../../lib/metrics/info';
import { createMetricsRegistry } from '../../../lib/metrics/prometheus';
import { fakeView } from './fake-view';

const doc = (): string => fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'docs', 'metrics.md'), 'utf8');

describe('docs/metrics.md', function () {
  it('is what lib/metrics says (regenerate with node dist/scripts/generate-metrics-docs.js)', function () {
    const text = doc();
    const rendered = renderMetricsDocs(processMetrics());
    // process metrics differ between platforms; everything before them must match exactly
    assert.equal(text.slice(0, text.indexOf(PROCESS_HEADING)), rendered.slice(0, rendered.indexOf(PROCESS_HEADING)));
  });

  it('names every metric the registry exposes and every INFO field', function () {
    const text = doc();
    for (const m of createMetricsRegistry(fakeView()).getMetricsAsArray()) {
      const name = (m as unknown as { name: string }).name;
      assert.ok(text.includes(`\`${name}\``), `${name} is not in docs/metrics.md`);
    }
    for (const section of Object.values(SECTIONS)) for (const f of section.fields) assert.ok(text.includes(`| \`${f.name}\` |`), f.name);
  });
});
