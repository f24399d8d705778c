// cachedoctor serve as Prometheus sees it, on a sandbox: /metrics parsed by a parser of the text format; stale
// entries, writes left stale and a paused replica show within an interval; Redis stopped and started again and the
// primary stopped and started again: part_up goes to 0 and back to 1 with the same serve; SIGTERM (in a scan too)
// stops it within seconds, exit 0, the temporary slot gone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { sql } from '../helpers/pg.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';
import { type Serving, startServe } from '../helpers/serve.js';

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => {
  name: string;
  help: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
}[];

const sandbox = useSandbox();
const N = 40;

type Family = ReturnType<typeof parsePrometheus>[number];

/** Each scrape's text, for what the parser does not keep (a histogram's labelled _count). */
const rawOf = new WeakMap<Map<string, Family>, string>();

async function scrape(url: string): Promise<Map<string, Family>> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
  rawOf.set(families, text);
  return families;
}

/** `promtool check metrics` on a scrape's text (promtool comes with Debian's prometheus package). */
function promtoolCheckMetrics(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('error', (err) => reject(new Error(`promtool: ${err.message} (Debian package prometheus; .ci/run installs it)`)));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(text);
  });
}

/** Observations of product's time-to-consistency histogram. */
function timed(families: Map<string, Family>): number {
  const m = /^cachedoctor_follow_time_to_consistency_seconds_count\{mapping="product"\} (\d+)$/m.exec(rawOf.get(families) ?? '');
  return m ? Number(m[1]) : 0;
}

/** The value of one series (labels a subset of its own), or undefined when it is absent. */
function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const m = families.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m?.value === undefined ? undefined : Number(m.value);
}

/** Scrapes until `ok` holds of a scrape; fails with the last scrape's values of `show` and serve's log. */
async function until(s: Serving, what: string, ok: (m: Map<string, Family>) => boolean, timeoutMs = 20_000, show: string[] = []): Promise<Map<string, Family>> {
  const deadline = Date.now() + timeoutMs;
  let last = new Map<string, Family>();
  for (;;) {
    last = await scrape(s.url);
    if (ok(last)) return last;
    if (Date.now() > deadline) {
      const seen = show.map((n) => `${n}: ${JSON.stringify(last.get(n)?.metrics ?? null)}`).join('\n');
      assert.fail(`${what}: not within ${timeoutMs / 1000} s\n${seen}\n--- serve log ---\n${s.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const up = (m: Map<string, Family>, part: string) => value(m, 'cachedoctor_part_up', { part });

describe('cachedoctor serve (subprocess)', () => {
  let args: string[];
  let serve: Serving;
  let redis: Redis;

  before(async () => {
    const sb = await sandbox.ready();
    await sql(
      sb.primaryUrl,
      `CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL, version int NOT NULL);
       INSERT INTO products SELECT g, 'p' || g, 3 FROM generate_series(1, ${N}) g;`,
    );
    await sb.waitForCatchUp();
    redis = new Redis(sb.redisUrl);
    const p = redis.pipeline();
    // Planted: products 1-3 cached at version 2 while their rows are at 3.
    for (let i = 1; i <= N; i += 1) p.set(`product:${i}`, JSON.stringify({ id: i, name: `p${i}`, version: i <= 3 ? 2 : 3 }));
    await p.exec();
    args = [
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.primaryUrl,
      '--replica',
      sb.standbyUrl,
      '--key',
      'product:{id}',
      '--table',
      'products',
      '--lag-interval',
      '500ms',
      '--scan-interval',
      '1s',
      '--grace',
      '300ms',
      '--timeout',
      '2s',
    ];
    serve = await startServe(args);
  });
  after(async () => {
    redis?.disconnect();
    // A test that failed half-way must not leave serve running.
    await serve?.stop('SIGKILL').catch(() => undefined);
  });

  it('serves /metrics in the text format with every part up, /healthz, /readyz; other paths and methods are refused', async () => {
    const m = await until(serve, 'lag, scan and follow up', (x) => up(x, 'lag') === 1 && up(x, 'scan') === 1 && up(x, 'follow') === 1, 30_000, [
      'cachedoctor_part_up',
    ]);
    assert.equal(up(m, 'subscribers'), undefined, 'no --channel: subscribers are not run, so not down either');
    // Counters of the running parts are there at 0 from the start (rate() says 0, not nothing).
    assert.notEqual(value(m, 'cachedoctor_part_errors_total', { part: 'lag' }), undefined);
    assert.equal(value(m, 'cachedoctor_part_errors_total', { part: 'subscribers' }), undefined);
    assert.equal(value(m, 'cachedoctor_build_info'), 1);
    assert.ok((value(m, 'process_resident_memory_bytes') ?? 0) > 10 * 1024 * 1024, 'process metrics');
    assert.equal(value(m, 'cachedoctor_follow_mode', { mode: 'logical' }), 1);
    for (const [name, f] of m) {
      if (!name.startsWith('cachedoctor_')) continue;
      assert.ok(f.help.length > 10, `${name} has help`);
      // Bounded label sets: no key, no address but the replica's, no URL.
      for (const s of f.metrics) for (const v of Object.values(s.labels ?? {})) assert.doesNotMatch(v, /product:\d|postgres:\/\/|redis:\/\//, `${name}`);
    }
    // Prometheus' own linter passes the whole scrape, the process and Node.js metrics too.
    const lint = await promtoolCheckMetrics(rawOf.get(m)!);
    assert.equal(lint.code, 0, lint.out);
    const get = (path: string, method = 'GET') => fetch(`${serve.url}${path}`, { method });
    assert.deepEqual([(await get('/healthz')).status, await (await get('/healthz')).text()], [200, 'ok\n']);
    assert.equal((await get('/readyz')).status, 200);
    assert.equal((await get('/')).status, 200);
    assert.equal((await get('/nope')).status, 404);
    const post = await get('/metrics', 'POST');
    assert.deepEqual([post.status, post.headers.get('allow')], [405, 'GET, HEAD']);
  });

  it('stale entries appear in cachedoctor_entries within a scan interval, and go when they are fixed', async () => {
    await until(serve, '3 stale entries', (m) => value(m, 'cachedoctor_entries', { mapping: 'product', state: 'stale' }) === 3, 10_000, [
      'cachedoctor_entries',
    ]);
    const m = await scrape(serve.url);
    assert.equal(value(m, 'cachedoctor_entries', { mapping: 'product', state: 'fresh' }), N - 3);
    assert.equal(value(m, 'cachedoctor_findings', { kind: 'stale' }), 3);
    assert.equal(value(m, 'cachedoctor_report_ok'), 0);
    assert.ok((value(m, 'cachedoctor_part_last_success_timestamp_seconds', { part: 'scan' }) ?? 0) > Date.now() / 1000 - 10);
    for (let i = 1; i <= 3; i += 1) await redis.set(`product:${i}`, JSON.stringify({ id: i, name: `p${i}`, version: 3 }));
    await until(serve, 'no stale entry', (x) => value(x, 'cachedoctor_entries', { mapping: 'product', state: 'stale' }) === 0, 10_000, ['cachedoctor_entries']);
  });

  it('follow counts each write: one never invalidated is stale-after-write (not-invalidated), one invalidated converged and is timed', async () => {
    const sb = sandbox();
    const before = await scrape(serve.url);
    const stale0 = value(before, 'cachedoctor_follow_stale_after_write_total', { mapping: 'product', class: 'not-invalidated' }) ?? 0;
    const timed0 = timed(before);
    await sql(sb.primaryUrl, 'UPDATE products SET version = version + 1 WHERE id = 20');
    await sql(sb.primaryUrl, 'UPDATE products SET version = version + 1 WHERE id = 21');
    await redis.del('product:21');
    const m = await until(
      serve,
      'one stale write and one converged',
      (x) =>
        (value(x, 'cachedoctor_follow_stale_after_write_total', { mapping: 'product', class: 'not-invalidated' }) ?? 0) === stale0 + 1 &&
        timed(x) === timed0 + 1,
      15_000,
      ['cachedoctor_follow_stale_after_write_total', 'cachedoctor_follow_checked_writes_total'],
    );
    assert.ok((value(m, 'cachedoctor_follow_committed_writes_total', { mapping: 'product' }) ?? 0) >= 2);
    assert.ok((value(m, 'cachedoctor_follow_checked_writes_total', { mapping: 'product' }) ?? 0) >= 2);
    assert.ok((value(m, 'cachedoctor_follow_writes', { mapping: 'product', outcome: 'stale' }) ?? 0) >= 1, "report's follow gauge too");
    await redis.del('product:20');
  });

  it('a paused replica shows as replica_replay_paused 1 within a lag interval, and 0 once it replays again', async () => {
    const sb = sandbox();
    await sb.pauseReplay();
    try {
      await until(serve, 'replay paused', (m) => value(m, 'cachedoctor_replica_replay_paused') === 1, 5000, ['cachedoctor_replica_replay_paused']);
    } finally {
      await sb.resumeReplay();
    }
    await until(serve, 'replay resumed', (m) => value(m, 'cachedoctor_replica_replay_paused') === 0, 5000, ['cachedoctor_replica_replay_paused']);
  });

  it('a column renamed while serving (a migration): scan goes down and is retried, serve stays up; renamed back: up again', async () => {
    const sb = sandbox();
    await until(serve, 'scan up', (x) => up(x, 'scan') === 1, 15_000, ['cachedoctor_part_up']);
    await sql(sb.primaryUrl, 'ALTER TABLE products RENAME COLUMN version TO version_was');
    try {
      await until(serve, 'scan down', (x) => up(x, 'scan') === 0, 15_000, ['cachedoctor_part_up']);
      assert.match(serve.stderr(), /serve: scan failed: mapping product: products has no column "version".*; trying again in/);
    } finally {
      await sql(sb.primaryUrl, 'ALTER TABLE products RENAME COLUMN version_was TO version');
    }
    await until(serve, 'scan up again', (x) => up(x, 'scan') === 1, 15_000, ['cachedoctor_part_up']);
  });

  it('Redis stopped: scan and follow go down and /readyz says why; started again: both come back, the same serve', async () => {
    const sb = sandbox();
    redis.disconnect();
    await sb.redis!.stop();
    try {
      const m = await until(serve, 'scan and follow down', (x) => up(x, 'scan') === 0 && up(x, 'follow') === 0, 15_000, ['cachedoctor_part_up']);
      assert.equal(up(m, 'lag'), 1, 'lag does not need Redis');
      assert.ok((value(m, 'cachedoctor_part_errors_total', { part: 'scan' }) ?? 0) >= 1);
      const ready = await fetch(`${serve.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /^not ready\nredis: .*connect/m);
      assert.equal((await fetch(`${serve.url}/healthz`)).status, 200, 'the process is still up');
    } finally {
      await sb.redis!.start();
    }
    await until(serve, 'scan and follow up again', (x) => up(x, 'scan') === 1 && up(x, 'follow') === 1, 30_000, ['cachedoctor_part_up']);
    assert.equal((await fetch(`${serve.url}/readyz`)).status, 200);
    assert.match(serve.stderr(), /serve: scan failed: .*trying again in 1 s/);
    assert.match(serve.stderr(), /serve: scan is up again/);
    redis = new Redis(sb.redisUrl);
  });

  it('the primary stopped: lag and follow go down; started again: both come back, follow on a new slot', async () => {
    const sb = sandbox();
    await sb.primary!.stop();
    try {
      await until(serve, 'lag and follow down', (x) => up(x, 'lag') === 0 && up(x, 'follow') === 0, 15_000, ['cachedoctor_part_up']);
      const ready = await fetch(`${serve.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /primary: /);
    } finally {
      await sb.primary!.start();
    }
    await until(serve, 'lag and follow up again', (x) => up(x, 'lag') === 1 && up(x, 'follow') === 1 && up(x, 'scan') === 1, 40_000, ['cachedoctor_part_up']);
    // Still checking writes after the restart.
    await sb.waitForStreaming();
    const before = value(await scrape(serve.url), 'cachedoctor_follow_committed_writes_total', { mapping: 'product' }) ?? 0;
    await sql(sb.primaryUrl, 'UPDATE products SET version = version + 1 WHERE id = 30');
    await redis.del('product:30');
    await until(
      serve,
      'a write after the restart',
      (x) => (value(x, 'cachedoctor_follow_committed_writes_total', { mapping: 'product' }) ?? 0) > before,
      15_000,
    );
  });

  it('the standby stopped: follow stays up (its refills are classed uncertain), lag goes down, /readyz stays ready; started again: sampled again', async () => {
    const sb = sandbox();
    await sb.standby!.stop();
    try {
      const m = await until(serve, 'lag down', (x) => up(x, 'lag') === 0, 15_000, ['cachedoctor_part_up']);
      assert.equal(up(m, 'follow'), 1, 'follow does not need the replica');
      assert.equal(up(m, 'scan'), 1);
      const ready = await fetch(`${serve.url}/readyz`);
      assert.equal(ready.status, 200, `a replica is not Redis or the primary: ${await ready.text()}`);
      // follow still checks writes while the replica is gone.
      const before = value(m, 'cachedoctor_follow_checked_writes_total', { mapping: 'product' }) ?? 0;
      await sql(sb.primaryUrl, 'UPDATE products SET version = version + 1 WHERE id = 31');
      await redis.del('product:31');
      await until(serve, 'a write checked', (x) => (value(x, 'cachedoctor_follow_checked_writes_total', { mapping: 'product' }) ?? 0) > before, 15_000);
      assert.match(serve.stderr(), /follow: replica 127\.0\.0\.1:\d+ cannot be sampled \(.*\): a stale write is not blamed on a refill from it/);
    } finally {
      await sb.standby!.start();
    }
    // scan compares with the replica too (--replicas): it comes back with lag.
    await until(serve, 'lag and scan up again', (x) => up(x, 'lag') === 1 && up(x, 'scan') === 1, 30_000, ['cachedoctor_part_up']);
    await until(serve, 'the replica sampled again', () => /follow: replica 127\.0\.0\.1:\d+ is sampled again/.test(serve.stderr()), 40_000);
    assert.equal(up(await scrape(serve.url), 'follow'), 1);
  });

  it('SIGTERM: exits 0 within a few seconds, says how each part went, and leaves no replication slot', async () => {
    const run = await serve.stop('SIGTERM');
    assert.equal(run.code, 0, run.stderr);
    // serve exits anyway 5 s after SIGTERM: a part that did not stop shows as that line, or as a slow stop.
    assert.doesNotMatch(run.stderr, /did not stop within/);
    assert.ok(run.stopMs < 4000, `stopped in ${run.stopMs} ms`);
    assert.match(run.stdout, /^Served {2}http:\/\/127\.0\.0\.1:\d+\/metrics for [\d.]+ s, \d+ scrape/);
    assert.match(run.stdout, /scan +│ \d+ +│ [1-9]\d* +│ up/);
    // What /metrics said of the whole, beside serve's own exit 0.
    assert.match(run.stdout, /^Last verdict {2}(ok: no finding|not ok(, a part down)? \(exit [13]\): \d+ critical, \d+ warning, \d+ info$)/m);
    assert.doesNotMatch(run.stderr, /postgres:\/\/postgres@/);
    const slots = await sql<{ n: string }>(sandbox().primaryUrl, "SELECT count(*)::text AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor%'");
    assert.equal(slots[0]!.n, '0');
  });
});

describe('cachedoctor serve: stopping and refusing', () => {
  it('SIGTERM in the middle of a slow scan: exit 0 within a few seconds, --json parses and matches the schema, no slot left', async () => {
    const sb = await sandbox.ready();
    // Redis was restarted above (it keeps nothing on disk): the keys again.
    const r = new Redis(sb.redisUrl);
    for (let i = 1; i <= N; i += 1) await r.set(`product:${i}`, JSON.stringify({ id: i, name: `p${i}`, version: 3 }));
    r.disconnect();
    const s = await startServe([
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.primaryUrl,
      '--key',
      'product:{id}',
      '--table',
      'products',
      '--rate',
      '1',
      '--scan-interval',
      '1s',
      '--json',
    ]);
    // The first scan reads 40 keys at 1 a second: 40 s. Stop it a few seconds in.
    await until(s, 'a scan running', (m) => (value(m, 'cachedoctor_part_runs_total', { part: 'scan' }) ?? 0) >= 1 && up(m, 'follow') === 1, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    const m = await scrape(s.url);
    assert.equal(value(m, 'cachedoctor_part_last_success_timestamp_seconds', { part: 'scan' }), undefined, 'still in its first scan');
    const run = await s.stop('SIGTERM');
    assert.equal(run.code, 0, run.stderr);
    // serve exits anyway 5 s after SIGTERM: a part that did not stop shows as that line, or as a slow stop.
    assert.doesNotMatch(run.stderr, /did not stop within/);
    assert.ok(run.stopMs < 4000, `stopped in ${run.stopMs} ms`);
    const doc = parseJson<{ command: string; exitCode: number; parts: { part: string; runs: number; errors: number; up: boolean | null }[] }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.command, 'serve');
    assert.equal(doc.exitCode, 0);
    const scan = doc.parts.find((p) => p.part === 'scan')!;
    assert.deepEqual([scan.runs, scan.errors, scan.up], [1, 0, null], 'a scan cut short by SIGTERM is neither a success nor a failure');
    const slots = await sql<{ n: string }>(sb.primaryUrl, 'SELECT count(*)::text AS n FROM pg_replication_slots');
    assert.equal(slots[0]!.n, '0');
  });

  it('no mappings given and an empty cache: scan and follow wait, ready; the cache filled: discovered, both up', async () => {
    const sb = await sandbox.ready();
    // Database 5 of the sandbox's Redis: empty until the test fills it.
    const db5 = new Redis(`${sb.redisUrl}/5`);
    const s = await startServe([
      '--redis',
      `${sb.redisUrl}/5`,
      '--pg',
      sb.primaryUrl,
      '--scan-interval',
      '1s',
      '--lag-interval',
      '500ms',
      '--grace',
      '0',
      '--json',
    ]);
    try {
      await until(s, 'scan and follow down', (x) => up(x, 'scan') === 0 && up(x, 'follow') === 0, 15_000, ['cachedoctor_part_up']);
      assert.match(s.stderr(), /serve: scan failed: no mappings given, and none found with high confidence .*; trying again in 1 s/);
      // Discovery reached both servers: nothing is wrong with them.
      assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
      const rows = await sql<{ id: string; name: string; version: number }>(sb.primaryUrl, 'SELECT id::text, name, version FROM products ORDER BY id');
      const p = db5.pipeline();
      for (const r of rows) p.set(`product:${r.id}`, JSON.stringify({ id: Number(r.id), name: r.name, version: r.version }));
      await p.exec();
      const m = await until(s, 'scan and follow up', (x) => up(x, 'scan') === 1 && up(x, 'follow') === 1, 20_000, ['cachedoctor_part_up']);
      assert.equal(value(m, 'cachedoctor_entries', { state: 'fresh' }), rows.length);
    } finally {
      db5.disconnect();
      const run = await s.stop();
      assert.equal(run.code, 0, run.stderr);
      const doc = parseJson<{ discovered?: { key: string; table: string }[] }>(run);
      assert.deepEqual(
        doc.discovered?.map((d) => [d.key, d.table]),
        [['product:{id}', 'public.products']],
      );
    }
  });

  it('until every part has had its first attempt there is no verdict: report_ok and report_exit_code absent, not 1', async () => {
    const sb = await sandbox.ready();
    // A "Redis" that accepts and never answers: scan's first attempt lasts its --timeout.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const s = await startServe([
      '--redis',
      `redis://127.0.0.1:${port}`,
      '--pg',
      sb.primaryUrl,
      '--key',
      'product:{id}',
      '--table',
      'products',
      '--no-follow',
      '--timeout',
      '10s',
    ]);
    try {
      const early = await until(s, 'lag up', (x) => up(x, 'lag') === 1, 10_000, ['cachedoctor_part_up']);
      assert.equal(up(early, 'scan'), undefined, 'scan has not finished its first attempt');
      assert.equal(value(early, 'cachedoctor_report_ok'), undefined);
      assert.equal(value(early, 'cachedoctor_report_exit_code'), undefined);
      const later = await until(s, 'scan down', (x) => up(x, 'scan') === 0, 25_000, ['cachedoctor_part_up']);
      assert.equal(value(later, 'cachedoctor_report_ok'), 0);
      assert.equal(value(later, 'cachedoctor_report_exit_code'), 3);
    } finally {
      await s.stop();
      silent.close();
    }
  });

  it('a mistake a part finds before it ever ran (a table that does not exist): serve stops at once, exit 2, the cause last', async () => {
    const sb = await sandbox.ready();
    const at = Date.now();
    const run = await runCli([
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.primaryUrl,
      '--key',
      'product:{id}',
      '--table',
      'produts',
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(Date.now() - at < 10_000, `stopped after ${Date.now() - at} ms`);
    assert.match(run.stderr, /serve: (scan|follow) failed: mapping product: table produts does not exist .*; stopping: fix the flags or the config file/);
    const lines = run.stderr.trim().split('\n');
    assert.match(lines.at(-1)!, /^cachedoctor: mapping product: table produts does not exist on the primary .* \(did you mean public\.products\?\)$/);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
    const slots = await sql<{ n: string }>(sb.primaryUrl, "SELECT count(*)::text AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor%'");
    assert.equal(slots[0]!.n, '0');
    // --pg a standby is a server's state (a failover makes one for a while), not a mistake: scan stays down, serve up.
    const s = await startServe([
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.standbyUrl,
      '--key',
      'product:{id}',
      '--table',
      'products',
      '--no-follow',
      '--scan-interval',
      '1s',
    ]);
    await until(s, 'scan down', (x) => up(x, 'scan') === 0, 15_000, ['cachedoctor_part_up']);
    assert.match(s.stderr(), /serve: scan failed: --pg: .* is a standby \(in recovery\), not the primary.*; trying again in/);
    const stopped = await s.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
  });

  it('bad input: one line and exit 2, nothing served (a bad --listen, the port in use, nothing to watch)', async () => {
    const sb = await sandbox.ready();
    // --help gives the exit codes serve has, not the usual ones (it never exits 1 or 3).
    const help = await runCli(['serve', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {2}0 {4}stopped by SIGTERM or SIGINT/m);
    assert.doesNotMatch(help.stdout, /^ {2}[13] {4}/m);
    const s = await startServe(['--pg', sb.primaryUrl, '--no-follow']);
    try {
      const port = new URL(s.url).port;
      for (const [argv, line] of [
        [['serve', '--pg', sb.primaryUrl, '--listen', 'nowhere'], /^cachedoctor: --listen: expected host:port, :port or a port, got "nowhere" \(e\.g\./],
        [['serve', '--pg', sb.primaryUrl, '--listen', `127.0.0.1:${port}`], /^cachedoctor: --listen 127\.0\.0\.1:\d+: the address is in use/],
        [['serve', '--lag-interval', '5'], /^cachedoctor: --lag-interval: "5" has no unit/],
        [['serve'], /^cachedoctor: serve has nothing to watch/],
      ] as const) {
        const run = await runCli([...argv]);
        assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, line);
        assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      }
    } finally {
      await s.stop();
    }
  });
});

describe('cachedoctor serve: a failover', () => {
  it('the standby promoted while serving: lag says not-replica, serve stays up and ready, and stops cleanly', async () => {
    const sb = await sandbox.ready();
    const s = await startServe(['--pg', sb.primaryUrl, '--replica', sb.standbyUrl, '--lag-interval', '300ms', '--no-follow']);
    try {
      await until(s, 'lag up', (m) => up(m, 'lag') === 1 && value(m, 'cachedoctor_replica_lag_seconds') !== undefined, 15_000, ['cachedoctor_part_up']);
      await sb.promoteStandby();
      const m = await until(s, 'not-replica found', (x) => (value(x, 'cachedoctor_findings', { kind: 'not-replica' }) ?? 0) === 1, 15_000, [
        'cachedoctor_findings',
        'cachedoctor_part_up',
      ]);
      assert.equal(up(m, 'lag'), 1, 'lag still measures: the promoted server answers');
      assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    } finally {
      const run = await s.stop();
      assert.equal(run.code, 0, run.stderr);
    }
  });
});
