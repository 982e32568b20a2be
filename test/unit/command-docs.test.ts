import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { renderCommandDocs } from '../../lib/commands/describe';
import { CommandTable, mergeCommandInfos } from '../../lib/commands/table';

describe('docs/commands.md', function () {
  it('is what the command table says (regenerate with node dist/scripts/generate-command-docs.js)', function () {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'commands.md'), 'utf8');
    assert.equal(doc, renderCommandDocs());
  });

  it('lists every command and subcommand of the snapshot', function () {
    const doc = renderCommandDocs();
    const table = new CommandTable(mergeCommandInfos(null));
    for (const row of table.scannerRows()) assert.ok(doc.includes(`| \`${row.name.replace('|', ' ').toUpperCase()}\` |`), row.name);
  });
});
