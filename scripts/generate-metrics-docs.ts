// Writes docs/metrics.md from lib/metrics/ (a unit test checks they agree):
// node dist/scripts/generate-metrics-docs.js
import fs from 'node:fs';
import path from 'node:path';
import { processMetrics, renderMetricsDocs } from '../lib/metrics/docs';

const out = path.join(__dirname, '..', '..', 'docs', 'metrics.md');
fs.writeFileSync(out, renderMetricsDocs(processMetrics()));
console.log(`wrote ${out}`);
// prom-client's event-loop monitor and GC observer would keep nothing alive, but say so plainly
process.exit(0);
