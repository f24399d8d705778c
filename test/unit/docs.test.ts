// The docs and the JSON Schema say what the code does: the generated parts on disk must be what the registry of
// finding kinds and the option definitions generate (run `npm run docs` after changing either).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FINDING_KINDS, KINDS } from '../../src/core/findings/kinds.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseConfigText } from '../../src/config/loadFile.js';
import { CONFIG_SCHEMA_PATH, generatedFiles, ROOT, SCHEMA_PATH } from '../../src/docs/generate.js';
import { ConfigError } from '../../src/errors.js';

const onDisk = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

describe('docs from code', () => {
  for (const file of generatedFiles()) {
    it(`${file.path} is what the code generates (npm run docs)`, () => {
      if (file.json) assert.deepEqual(JSON.parse(onDisk(file.path)), JSON.parse(file.content), `${file.path} drifted: run npm run docs`);
      else assert.equal(onDisk(file.path), file.content, `${file.path} drifted: run npm run docs`);
    });
  }

  it('the config file schema accepts the documented example and refuses what the loader refuses', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(JSON.parse(onDisk(CONFIG_SCHEMA_PATH)));
    const doc = onDisk('docs/config.md');
    const example = JSON.parse(doc.slice(doc.indexOf('```json\n') + 8, doc.indexOf('\n```', doc.indexOf('```json\n'))));
    assert.equal(validate(example), true, JSON.stringify(validate.errors));
    assert.doesNotThrow(() => parseConfigText(JSON.stringify(example), 'docs/config.md'));
    for (const bad of [{ timeout: 5000 }, { redis: { clustr: true } }, { mappings: [{ key: 'k:{id}', table: 't' }] }]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
      assert.throws(() => parseConfigText(JSON.stringify(bad), 'cfg'), ConfigError);
    }
  });

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
