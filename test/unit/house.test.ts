// The checks a reviewer makes of lib/ as a whole, run with every `npm test` so they hold between
// reviews: no import cycles (type-only imports count: a loop between layers is one whether or not
// it survives compilation), no import up a layer, and no hand-written file over 400 lines. The third review check, at
// most 10 repeated blocks of six lines, needs a tool CI does not have (docs/architecture.md).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const LIB = path.join(ROOT, 'lib');
const MAX_LINES = 400;

/** What this test uses of madge 8 (it ships no types). */
interface MadgeResult {
  obj(): Record<string, string[]>;
  circular(): string[][];
  warnings(): { skipped: string[] };
}
type Madge = (path: string, config: { fileExtensions: string[]; tsConfig?: string }) => Promise<MadgeResult>;
const madge = require('madge') as Madge;

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * The layers of lib/, bottom first (docs/architecture.md): a file may import its own layer and
 * those below. Folders by name; the files at lib/'s top by name.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['commands/', 'options.ts', 'config.ts', 'log.ts', 'clock.ts', 'version.ts'],
  ['io/'],
  ['protocol/'],
  ['backend/'],
  ['cluster/', 'localcluster/'],
  ['metrics/', 'auth/'],
  ['proxy/'],
  ['workers/'],
  ['server.ts'],
  ['index.ts'],
];
const LAYER_NAMES = LAYERS.map((l) => l.join(' '));

function layerOf(file: string): number {
  return LAYERS.findIndex((layer) => layer.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)));
}

/** "a.ts → b.ts → a.ts": the cycle as madge lists it (without the return to its start), closed. */
function cycleText(cycle: string[]): string {
  return [...cycle, cycle[0]].join(' → ');
}

describe('house rules for lib/', function () {
  // madge parses every file of lib/ with the TypeScript compiler: seconds, not milliseconds
  this.timeout(60_000);

  describe('import cycles (madge)', function () {
    let graph: MadgeResult;
    before(async function () {
      graph = await madge(LIB, { fileExtensions: ['ts'], tsConfig: path.join(ROOT, 'tsconfig.json') });
    });

    it('madge sees every file of lib/ and resolves every import', function () {
      // a file madge could not read or an import it could not resolve would hide its cycles
      assert.deepEqual(graph.warnings().skipped, [], 'imports madge could not resolve');
      assert.deepEqual(Object.keys(graph.obj()).sort(), sourceFiles(LIB), 'files of lib/ missing from madge\'s graph');
    });

    it('no file of lib/ imports itself back through others', function () {
      const cycles = graph.circular();
      assert.equal(
        cycles.length,
        0,
        `lib/ has ${cycles.length} import cycle(s); each line runs from a file through what it imports back to itself ` +
          `(paths under lib/; break a cycle by moving what both sides need down a layer, see docs/architecture.md):\n` +
          cycles.map((c) => `  ${cycleText(c)}`).join('\n'),
      );
    });

    it('no folder of lib/ imports from a layer above it (docs/architecture.md, "Layers")', function () {
      const upward: string[] = [];
      for (const [file, deps] of Object.entries(graph.obj())) {
        for (const dep of deps) {
          if (layerOf(dep) > layerOf(file)) upward.push(`${file} → ${dep} (${LAYER_NAMES[layerOf(file)]} imports ${LAYER_NAMES[layerOf(dep)]})`);
        }
      }
      assert.deepEqual(upward.sort(), [], 'imports that point up a layer: move what both need down (docs/architecture.md)');
    });

    it('every file of lib/ has a layer', function () {
      assert.deepEqual(sourceFiles(LIB).filter((f) => layerOf(f) < 0), []);
    });

    it('the check finds a cycle where there is one', async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-cycle-'));
      try {
        fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport interface A { b: B }\n");
        fs.writeFileSync(path.join(dir, 'b.ts'), "import type { A } from './a';\nexport interface B { a: A }\n");
        const fixture = await madge(dir, { fileExtensions: ['ts'], tsConfig: path.join(ROOT, 'tsconfig.json') });
        assert.deepEqual(fixture.circular().map(cycleText), ['a.ts → b.ts → a.ts']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe(`file size (at most ${MAX_LINES} lines unless generated)`, function () {
    const files = sourceFiles(LIB).map((f) => {
      const text = fs.readFileSync(path.join(LIB, f), 'utf8');
      const firstLine = text.slice(0, text.indexOf('\n'));
      return { f, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), generated: /^\/\/ Generated by .*do not edit by hand/.test(firstLine) };
    });

    it('the only generated files are the ones that say so in their first line', function () {
      // a file named generated but not saying so would be held to the limit; the reverse is caught here
      assert.deepEqual(
        files.filter((x) => x.generated).map((x) => x.f),
        files.filter((x) => x.f.includes('.generated.')).map((x) => x.f),
      );
    });

    it(`every hand-written file of lib/ has at most ${MAX_LINES} lines`, function () {
      const over = files.filter((x) => !x.generated && x.lines > MAX_LINES);
      assert.deepEqual(
        over.map((x) => `lib/${x.f}: ${x.lines} lines`),
        [],
        'split these into small files named after what they hold (a generated file says so in its first line: "// Generated by ... do not edit by hand")',
      );
    });
  });
});
