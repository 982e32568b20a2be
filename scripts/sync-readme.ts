// Writes the configuration table generated from lib/options.ts into README.md (a unit test checks
// they agree): node dist/scripts/sync-readme.js
import fs from 'node:fs';
import path from 'node:path';
import { configTable } from '../lib/config';

const file = path.join(__dirname, '..', '..', 'README.md');
const readme = fs.readFileSync(file, 'utf8');
// found by its first two columns, so that a table with other columns is replaced too
const start = readme.indexOf('| variable | flag |');
if (start < 0) throw new Error('README.md has no configuration table to replace');
const end = readme.indexOf('\n\n', start);
fs.writeFileSync(file, readme.slice(0, start) + configTable() + readme.slice(end));
console.log('README.md configuration table updated');
