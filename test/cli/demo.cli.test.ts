// The README's first command: the demo must stage replica lag and cachedoctor must find it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { parseJson, runCli } from '../helpers/cli.js';
import { assertMatchesSchema } from '../helpers/schema.js';

describe('cachedoctor demo', () => {
  it('shows a healthy pair, then finds the staged replica lag, and leaves nothing behind', async () => {
    const before = new Set(readdirSync(tmpdir()));
    const run = await runCli(['demo', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = parseJson<{ ok: boolean; steps: { expected: string[]; report: { command: string; findings: { kind: string }[] } }[] }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.ok, true);
    assert.equal(doc.steps.length, 2);
    assert.deepEqual(doc.steps[0]!.report.findings, []);
    assert.deepEqual(doc.steps[1]!.report.findings.map((f) => f.kind).sort(), ['replay-paused', 'replica-lag']);
    for (const step of doc.steps) assertMatchesSchema(step.report);
    const left = readdirSync(tmpdir()).filter((n) => n.startsWith('cachedoctor-sandbox-') && !before.has(n));
    assert.deepEqual(left, []);
  });
});
