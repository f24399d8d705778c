// scan as CI and on-call engineers run it: a config file, --json on stdout, exit codes, Ctrl-C, unreachable servers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ standby: false });
const dir = mkdtempSync(join(tmpdir(), 'cd-scan-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

before(async () => {
  const sb = await sandbox.ready();
  await sb.primary!.sql(`CREATE TABLE products (id bigint PRIMARY KEY, price numeric, version int NOT NULL);
    INSERT INTO products SELECT g, g, 2 FROM generate_series(1, 400) g;`);
  const redis = new Redis(sb.redisUrl);
  const p = redis.pipeline();
  for (let i = 1; i <= 400; i += 1) p.set(`product:${i}`, JSON.stringify({ price: i, version: i === 7 ? 1 : 2 }), 'EX', 600);
  await p.exec();
  redis.disconnect();
  writeFileSync(
    join(dir, 'cachedoctor.config.json'),
    JSON.stringify({
      redis: { url: sb.redisUrl },
      postgres: { primary: sb.primaryUrl },
      mappings: [{ name: 'product', key: 'product:{id}', table: 'public.products', compare: ['price'] }],
    }),
  );
});

describe('cachedoctor scan (subprocess)', () => {
  it('reads the config file, prints one schema-valid JSON document, and exits 1 on a stale entry', async () => {
    const run = await runCli(['scan', '--json', '--grace', '200ms'], { cwd: dir });
    assert.equal(run.code, 1, run.stderr);
    const doc = parseJson<{ summary: { sampled: number; stale: number }; entries: { key: string }[] }>(run);
    assertMatchesSchema(doc);
    assert.deepEqual([doc.summary.sampled, doc.summary.stale, doc.entries[0]?.key], [400, 1, 'product:7']);
    assert.equal(run.stderr, '', 'no progress bar outside a terminal');
  });

  it('prints tables by default and passes with --max-stale 1', async () => {
    const run = await runCli(['scan', '--grace', '0', '--max-stale', '1'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /product:7\s+│ stale/);
    assert.match(run.stdout, /^OK/m);
    // Columns for states no mapping has are left out, so the summary fits a terminal.
    const header = run.stdout.split('\n').find((l) => l.includes('Mapping'))!;
    assert.match(header, /Sampled.*Fresh.*Stale.*Stale ratio/);
    assert.doesNotMatch(header, /Undecodable|Oversized|Not bumped/);
    assert.ok(header.length < 120, `${header.length} columns`);
  });

  it('exits 3 within the timeout when Redis is unreachable, without printing its password', async () => {
    const sb = sandbox();
    const run = await runCli(['scan', '--redis', `redis://:Very-Secret-1@127.0.0.1:${sb.redis!.port + 3}`, '--timeout', '1500ms', '--json'], { cwd: dir });
    assert.equal(run.code, 3);
    assert.match(run.stderr.trim(), /^cachedoctor: cannot connect to Redis at 127\.0\.0\.1:\d+: connection refused \(is the server running\? check --redis\)$/);
    assert.ok(!`${run.stdout}${run.stderr}`.includes('Very-Secret-1'));
    assert.ok(run.ms < 5000);
  });

  it('says what is missing: Redis, the primary, or a mapping it could find', async () => {
    const noRedis = await runCli(['scan', '--pg', sandbox().primaryUrl, '--key', 'p:{id}', '--table', 'products']);
    assert.equal(noRedis.code, 2);
    assert.match(noRedis.stderr, /scan needs Redis: pass --redis or set REDIS_URL/);
    // No mapping given, and an empty database of Redis: nothing to discover, so nothing to check (exit 2).
    const noMapping = await runCli(['scan', '--redis', `${sandbox().redisUrl}/15`, '--pg', sandbox().primaryUrl]);
    assert.equal(noMapping.code, 2, noMapping.stderr);
    assert.match(
      noMapping.stderr.trim(),
      /^cachedoctor: scan: no mappings given, and none found with high confidence \(`cachedoctor init` shows what it proposes and why; pass --key/,
    );
  });

  it('Ctrl-C or SIGTERM stops the scan, still reports what was compared, and never passes', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const run = await runCli(['scan', '--json', '--rate', '100', '--grace', '0'], {
        cwd: dir,
        onStart: (kill) => setTimeout(() => kill(signal), 1500),
      });
      assert.ok(run.ms < 8000, `took ${run.ms} ms`);
      const doc = parseJson<{ complete: boolean; ok: boolean; exitCode: number; summary: { sampled: number; wrong: number } }>(run);
      assertMatchesSchema(doc);
      assert.equal(doc.complete, false);
      assert.ok(doc.summary.sampled > 0 && doc.summary.sampled < 400, `${doc.summary.sampled} sampled`);
      // Findings over the threshold say 1; a part that found nothing wrong says 130 (interrupted), never 0.
      assert.equal(doc.ok, false);
      assert.equal(run.code, doc.summary.wrong > 0 ? 1 : 130, `${signal}: ${run.stderr}`);
      assert.equal(doc.exitCode, run.code);
    }
  });

  it('Redis lost mid-scan: exit 3, one line on stderr, and the partial report marked incomplete (last: it stops Redis)', async () => {
    const sb = sandbox();
    const run = await runCli(['scan', '--json', '--rate', '100', '--grace', '0', '--timeout', '1500ms'], {
      cwd: dir,
      onStart: () => setTimeout(() => void sb.redis!.stop(), 1500),
    });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr.trim(), /^cachedoctor: reading from Redis at 127\.0\.0\.1:\d+ failed: .*\(.*\)$/);
    const doc = parseJson<{ complete: boolean; error: { kind: string }; summary: { sampled: number } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.complete, false);
    assert.equal(doc.error.kind, 'source');
    assert.ok(doc.summary.sampled > 0, `${doc.summary.sampled} sampled before the loss`);
  });
});
