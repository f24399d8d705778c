// Validates JSON output against the envelope schema kept in src/schema/envelope.schema.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

const schema = JSON.parse(readFileSync(new URL('../../src/schema/envelope.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /T/.test(s) });
const validate = ajv.compile(schema);

export function assertMatchesSchema(doc: unknown): void {
  const ok = validate(doc);
  assert.ok(ok, `JSON output does not match envelope.schema.json:\n${JSON.stringify(validate.errors, null, 2)}`);
}
