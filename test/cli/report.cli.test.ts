// report and probe from the command line: one JSON document CI can trust (schema, ok, counts, exit codes), the
// Prometheus format, parts that fail, and usage errors in one line.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { sql } from '../helpers/pg.js';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => { name: string; metrics: { value: string; labels?: Record<string, string> }[] }[];
const sandbox = useSandbox();

interface ReportDoc {
  ok: boolean;
  exitCode: number;
  complete: boolean;
  summary: { critical: number; warning: number; info: number; parts: Record<string, string> };
  findings: { kind: string; part: string; cause: string | null; causes: string[]; severity: string }[];
  ranked: { rank: number; kind: string }[];
  error?: { message: string };
}

async function seed(primaryUrl: string, redisUrl: string, staleIds: number[]) {
  await sql(
    primaryUrl,
    'DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY, version int NOT NULL); INSERT INTO items SELECT g, 2 FROM generate_series(1, 20) g',
  );
  const r = new Redis(redisUrl);
  await r.flushall();
  for (let id = 1; id <= 20; id += 1) await r.set(`item:${id}`, JSON.stringify({ version: staleIds.includes(id) ? 1 : 2 }), 'EX', 600);
  r.disconnect();
}

describe('cachedoctor report (subprocess)', () => {
  const args = () => {
    const sb = sandbox();
    return ['report', '--redis', sb.redisUrl, '--pg', sb.primaryUrl, '--replica', sb.standbyUrl, '--key', 'item:{id}', '--table', 'items', '--grace', '100ms'];
  };

  it('healthy: exit 0, ok, every part ran; stale entries: exit 1 with ranked findings and their cause', async () => {
    const sb = await sandbox.ready();
    await seed(sb.primaryUrl, sb.redisUrl, []);
    await sb.waitForCatchUp();
    const healthy = await runCli([...args(), '--json']);
    assert.equal(healthy.code, 0, healthy.stderr);
    const h = parseJson<ReportDoc>(healthy);
    assertMatchesSchema(h);
    assert.equal(h.ok, true);
    assert.deepEqual(h.summary.parts, { lag: 'ok', scan: 'ok', subscribers: 'skipped', monitor: 'skipped', follow: 'skipped' });

    await seed(sb.primaryUrl, sb.redisUrl, [3, 7]);
    await sb.waitForCatchUp();
    const stale = await runCli([...args(), '--json']);
    assert.equal(stale.code, 1, stale.stderr);
    const s = parseJson<ReportDoc>(stale);
    assertMatchesSchema(s);
    assert.equal(s.ok, false);
    assert.equal(s.summary.critical, 2);
    assert.deepEqual(
      s.ranked.map((r) => [r.rank, r.kind]),
      [[1, 'stale']],
    );
    // The table has no updatedAt: nothing dates the fills against the writes, so every cause stays possible.
    assert.deepEqual(
      s.findings.map((f) => `${f.part}/${f.kind}@${f.causes.join('+')}`),
      ['scan/stale@not-invalidated+write-invalidate-race+replica-lag', 'scan/stale@not-invalidated+write-invalidate-race+replica-lag'],
    );
    // The table says the same in words.
    const table = await runCli(args());
    assert.equal(table.code, 1);
    assert.match(
      table.stdout,
      /#1 CRITICAL stale \(scan\) \[likely cause: write not invalidated, or write\/invalidate race, or .*\(the evidence does not decide\)\]/,
    );
    assert.match(table.stdout, /FAIL: 2 critical \(exit 1\)/);
  });

  it('--follow: every write in the window is checked as one more part, ranked with its cause', async () => {
    const sb = await sandbox.ready();
    await seed(sb.primaryUrl, sb.redisUrl, []);
    await sb.waitForCatchUp();
    const run = await runCli([...args(), '--follow', '2s', '--json'], {
      onStderr: (stderr) => {
        if (stderr.includes('following committed writes')) void sql(sb.primaryUrl, 'UPDATE items SET version = 3 WHERE id = 5');
      },
    });
    assert.equal(run.code, 1, run.stderr);
    const doc = parseJson<ReportDoc & { health: { follow: { mappings: { writes: number; converged: number }[] } } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.summary.parts.follow, 'ok');
    assert.ok(
      doc.findings.some((f) => `${f.part}/${f.kind}@${f.cause}` === 'follow/stale-after-write@not-invalidated'),
      JSON.stringify(doc.findings),
    );
    assert.deepEqual([doc.health.follow.mappings[0]!.writes, doc.health.follow.mappings[0]!.converged], [1, 0]);
  });

  it('--fail-on warning turns a warning into exit 1; --format prometheus parses', async () => {
    const sb = await sandbox.ready();
    await seed(sb.primaryUrl, sb.redisUrl, []);
    const warn = await runCli([...args(), '--channel', 'inv', '--expect-subscribers', '1', '--json']);
    assert.equal(warn.code, 0, warn.stderr);
    assert.deepEqual(
      parseJson<ReportDoc>(warn).findings.map((f) => `${f.kind}/${f.severity}`),
      ['missing-subscribers/warning'],
    );
    const failing = await runCli([...args(), '--channel', 'inv', '--expect-subscribers', '1', '--fail-on', 'warning', '--json']);
    assert.equal(failing.code, 1);
    const prom = await runCli([...args(), '--format', 'prometheus']);
    assert.equal(prom.code, 0, prom.stderr);
    const families = parsePrometheus(prom.stdout);
    const metric = (name: string) => families.find((f) => f.name === name)?.metrics ?? [];
    assert.equal(metric('cachedoctor_entries').find((m) => m.labels?.state === 'fresh')?.value, '20');
    assert.equal(metric('cachedoctor_replica_lag_seconds').length, 1);
    assert.equal(metric('cachedoctor_report_ok')[0]?.value, '1');
  });

  it('a source down is a finding and the rest still runs, exit 3 (a source could not be reached); nothing reachable at all is exit 3', async () => {
    const sb = await sandbox.ready();
    await seed(sb.primaryUrl, sb.redisUrl, [3]);
    const deadRedis = `redis://127.0.0.1:${sb.redis!.port + 1}`;
    const partial = await runCli([
      'report',
      '--redis',
      deadRedis,
      '--pg',
      sb.primaryUrl,
      '--key',
      'item:{id}',
      '--table',
      'items',
      '--json',
      '--timeout',
      '1s',
    ]);
    const p = parseJson<ReportDoc>(partial);
    assertMatchesSchema(p);
    assert.equal(partial.code, 3, partial.stderr);
    assert.equal(p.complete, false);
    assert.match(p.error?.message ?? '', /^scan could not check: cannot connect to Redis/);
    assert.deepEqual(p.summary.parts, { lag: 'ok', scan: 'failed', subscribers: 'skipped', monitor: 'skipped', follow: 'skipped' });
    // Ranked: the part that could not check first (critical), then the standby lag saw only from the primary.
    assert.deepEqual(
      p.findings.map((f) => `${f.part}/${f.kind}/${f.severity}`),
      ['scan/source-failed/critical', 'lag/replica-not-asked/info'],
    );
    const none = await runCli([
      'report',
      '--redis',
      deadRedis,
      '--pg',
      `postgres://postgres@127.0.0.1:${sb.redis!.port + 2}/postgres`,
      '--key',
      'item:{id}',
      '--table',
      'items',
      '--json',
      '--timeout',
      '1s',
    ]);
    assert.equal(none.code, 3, none.stderr);
    const n = parseJson<ReportDoc>(none);
    assertMatchesSchema(n);
    assert.match(n.error?.message ?? '', /^nothing could be checked: lag: cannot connect to PostgreSQL .* connection refused.*; scan: cannot connect/);
    assert.match(none.stderr, /^cachedoctor: nothing could be checked/m);
  });

  it('usage errors are one line and exit 2: nothing to check, --json with --format prometheus, a bad mapping, probe without --allow-write', async () => {
    const sb = await sandbox.ready();
    for (const [argv, message] of [
      [['report'], /^cachedoctor: nothing to check: no PostgreSQL and no Redis given \(pass --pg/],
      [['report', '--pg', sb.primaryUrl, '--json', '--format', 'prometheus'], /^cachedoctor: --json and --format prometheus do not go together$/],
      [['report', '--pg', sb.primaryUrl, '--format', 'yaml'], /^cachedoctor: --format: expected table, json, prometheus, got "yaml"$/],
      [['report', '--pg', sb.primaryUrl, '--key', 'item:{id}'], /^cachedoctor: --key and --table go together/],
      [
        ['probe', '--pg', sb.primaryUrl, '--replica', sb.standbyUrl],
        /^cachedoctor: probe writes canary rows to the primary \(table cachedoctor_canary\) and is off unless you pass --allow-write/,
      ],
    ] as [string[], RegExp][]) {
      const run = await runCli(argv);
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
      // With --json, CI still gets one JSON document: the error envelope.
      if (argv.includes('--json')) assert.equal((JSON.parse(run.stdout) as { error: { kind: string } }).error.kind, 'usage');
      else assert.equal(run.stdout, '');
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr.trim(), message);
    }
  });
});
