// The import rule in biome.json: src/core stays pure. A file planted in a scratch copy of the layout must be refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const biome = join(root, 'node_modules/.bin/biome');

interface Diagnostic {
  category: string;
  location: { path: string; start: { line: number } };
}

/** Lints `files` (path -> text) laid out under a scratch folder with the project's biome.json. */
function lint(files: Record<string, string>): Diagnostic[] {
  const dir = mkdtempSync(join(tmpdir(), 'cachedoctor-lint-'));
  try {
    const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
    delete config.vcs;
    delete config.$schema;
    writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    let stdout: string;
    try {
      stdout = execFileSync(biome, ['lint', '--reporter=json', '.'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      stdout = (err as { stdout: string }).stdout;
    }
    return (JSON.parse(stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const IMPORTS = [
  "import { connectPg } from '../sources/postgres/connect.js';",
  "import { readFileSync } from 'node:fs';",
  "import Redis from 'ioredis';",
  "import { renderJson } from '../render/json.js';",
  "import { runScan } from '../commands/scan/index.js';",
  "import { readFile } from 'node:fs/promises';",
  "import { lookup } from 'dns/promises';",
  "import { hostname } from 'os';",
  "import Pool from 'pg-pool';",
  "import { plural } from './plural.js';",
  'export const used = [connectPg, readFileSync, Redis, renderJson, runScan, readFile, lookup, hostname, Pool, plural];',
  '',
].join('\n');

describe('lint: src/core is pure', () => {
  it('refuses adapters, commands, renderers and I/O modules in src/core, and allows core-to-core imports', () => {
    const found = lint({ 'src/core/planted.ts': IMPORTS, 'src/core/plural.ts': 'export const plural = 1;\n' });
    const lines = found
      .filter((d) => d.category === 'lint/style/noRestrictedImports' && d.location.path.endsWith('src/core/planted.ts'))
      .map((d) => d.location.start.line);
    assert.deepEqual(
      lines.sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  it('lets commands import what they need', () => {
    const found = lint({ 'src/commands/planted.ts': IMPORTS });
    assert.deepEqual(
      found.filter((d) => d.category === 'lint/style/noRestrictedImports'),
      [],
    );
  });
});
