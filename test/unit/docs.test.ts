// The docs and the JSON Schema say what the code does: the generated parts on disk must be what the registry of
// finding kinds and the option definitions generate (run `npm run docs` after changing either).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FINDING_KINDS, KINDS } from '../../src/core/findings/kinds.js';
import { generatedFiles, ROOT, SCHEMA_PATH } from '../../src/docs/generate.js';

const onDisk = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

describe('docs from code', () => {
  for (const file of generatedFiles()) {
    it(`${file.path} is what the code generates (npm run docs)`, () => {
      if (file.json) assert.deepEqual(JSON.parse(onDisk(file.path)), JSON.parse(file.content), `${file.path} drifted: run npm run docs`);
      else assert.equal(onDisk(file.path), file.content, `${file.path} drifted: run npm run docs`);
    });
  }

  it('the schema pins each kind to its one severity', () => {
    const schema = JSON.parse(onDisk(SCHEMA_PATH));
    assert.deepEqual(schema.$defs.finding.properties.kind.enum, KINDS);
    const rules = schema.$defs.finding.allOf as { if: { properties: { kind: { const: string } } }; then: { properties: { severity: { const: string } } } }[];
    for (const kind of KINDS) {
      const rule = rules.find((r) => r.if.properties.kind.const === kind);
      assert.equal(rule?.then.properties.severity.const, FINDING_KINDS[kind].severity, kind);
    }
  });

  it("every finding in src is made by finding(), so its severity is its kind's", () => {
    const offenders: string[] = [];
    const walk = (dir: URL) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const url = new URL(`${entry.name}${entry.isDirectory() ? '/' : ''}`, dir);
        if (entry.isDirectory()) walk(url);
        else if (entry.name.endsWith('.ts') && !url.pathname.endsWith('core/findings/kinds.ts')) {
          const text = readFileSync(url, 'utf8');
          if (/severity: '(critical|warning|info)'/.test(text)) offenders.push(url.pathname);
        }
      }
    };
    walk(new URL('src/', ROOT));
    assert.deepEqual(offenders, []);
  });
});
