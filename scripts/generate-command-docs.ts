// Writes docs/commands.md from the command table: node dist/scripts/generate-command-docs.js
import fs from 'node:fs';
import path from 'node:path';
import { renderCommandDocs } from '../lib/commands/describe';

const out = path.join(__dirname, '..', '..', 'docs', 'commands.md');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, renderCommandDocs());
console.log(`wrote ${out}`);
