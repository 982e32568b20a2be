import assert from 'node:assert/strict';
import { describeHandler } from '../../../lib/commands/describe';
import { FAMILY_VARIANTS, familyHandlers, type FamilyHandler, type VariantRow } from '../../../lib/commands/families';
import { POLICIES } from '../../../lib/commands/policies';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';
import { familyDispatch } from '../../../lib/proxy/families';

const table = new CommandTable(mergeCommandInfos(null));

describe('command families (lib/commands/families.ts)', function () {
  for (const [family, variants] of Object.entries(FAMILY_VARIANTS) as [string, Record<string, VariantRow>][]) {
    for (const [variant, row] of Object.entries(variants)) {
      describe(`${family}:${variant}`, function () {
        it('has commands, each a command of the Redis 7.0 snapshot handled by this variant', function () {
          assert.ok(row.commands.length > 0);
          for (const name of row.commands) {
            const cmd = table.get(name);
            assert.ok(cmd, `${name} is not a command slotproxy knows (misspelt?)`);
            assert.deepEqual(cmd.handler, { kind: 'family', family, variant });
          }
        });

        it('has a handler in its family module', function () {
          assert.equal(typeof familyDispatch({ kind: 'family', family, variant } as FamilyHandler), 'function');
        });

        it("is described in docs/commands.md by its row's text", function () {
          for (const name of row.commands) assert.equal(describeHandler(table.get(name)!), row.doc);
        });
      });
    }
  }

  it('names each command in one variant only', function () {
    const names = Object.values(FAMILY_VARIANTS).flatMap((v) => Object.values(v as Record<string, VariantRow>).flatMap((r) => r.commands));
    assert.equal(familyHandlers().size, names.length);
  });

  it('decides only about commands slotproxy knows (a misspelt name in policies.ts would do nothing)', function () {
    for (const name of POLICIES.keys()) assert.ok(table.get(name), name);
  });
});
