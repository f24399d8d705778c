// The README's first command: the demo must stage the three failure modes of the case study, cachedoctor report
// must find each with its cause, and nothing may be left behind.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { parseJson, runCli } from '../helpers/cli.js';
import { assertMatchesSchema } from '../helpers/schema.js';

interface Report {
  command: string;
  exitCode: number;
  findings: { kind: string; cause: string | null; part: string }[];
  ranked: { rank: number; kind: string; cause: string | null }[];
}

describe('cachedoctor demo', () => {
  it('finds nothing on a correct service, then each failure mode with its cause, under a minute, leaving nothing behind', async () => {
    const before = new Set(readdirSync(tmpdir()));
    const started = Date.now();
    const run = await runCli(['demo', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Date.now() - started < 60_000, `${Date.now() - started} ms`);
    const doc = parseJson<{ ok: boolean; steps: { expected: string[]; report: Report }[] }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.ok, true);
    assert.equal(doc.steps.length, 2);
    for (const step of doc.steps) assertMatchesSchema(step.report);
    assert.deepEqual(doc.steps[0]!.report.findings, []);
    const staged = doc.steps[1]!.report;
    assert.equal(staged.command, 'report');
    assert.equal(staged.exitCode, 1);
    const found = new Set(staged.findings.map((f) => `${f.part}/${f.kind}@${f.cause}`));
    for (const expected of [
      'lag/replica-lag@replica-lag',
      'lag/replay-paused@replica-lag',
      'scan/stale@replica-lag',
      'scan/stale@write-invalidate-race',
      'subscribers/missing-subscribers@local-cache',
      'monitor/stale-fill@replica-lag',
      'monitor/missing-broadcast@local-cache',
      'monitor/concurrent-fill@write-invalidate-race',
      'follow/stale-after-write@replica-lag',
    ]) {
      assert.ok(found.has(expected), `${expected} not in ${[...found].join(', ')}`);
    }
    // Ranked: every critical item before every warning.
    const severities = staged.ranked.map((r) => (r as unknown as { severity: string }).severity);
    assert.deepEqual(
      severities,
      [...severities].sort((a, b) => ['critical', 'warning', 'info'].indexOf(a) - ['critical', 'warning', 'info'].indexOf(b)),
    );
    const left = readdirSync(tmpdir()).filter((n) => n.startsWith('cachedoctor-sandbox-') && !before.has(n));
    assert.deepEqual(left, []);
  });

  it('Ctrl-C during the MONITOR window of step 2 never passes (exit 130), and still leaves nothing behind', async () => {
    const before = new Set(readdirSync(tmpdir()));
    let sent = false;
    const run = await runCli(['demo', '--json'], {
      onStderr: (stderr, kill) => {
        if (sent || !stderr.includes('MONITOR costs Redis throughput')) return;
        sent = true;
        setTimeout(() => kill('SIGINT'), 2500);
      },
    });
    assert.equal(sent, true, run.stderr);
    assert.equal(run.code, 130, run.stderr);
    const left = readdirSync(tmpdir()).filter((n) => n.startsWith('cachedoctor-sandbox-') && !before.has(n));
    assert.deepEqual(left, []);
  });
});
