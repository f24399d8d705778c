// probe on a real primary and streaming standby: it measures the visibility window (healthy, and across a replay
// pause), says when a write never shows, writes only its own canary row, and removes it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProbeData } from '../../src/core/probe.js';
import { UsageError } from '../../src/errors.js';
import { runInProcess } from '../helpers/command.js';
import { sql } from '../helpers/pg.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ redis: false });

/** Every table's content on the primary, to show probe changed nothing but its own (emptied) canary table. */
const snapshot = async (url: string) =>
  JSON.stringify(
    await sql(
      url,
      "SELECT c.relname, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public' AND c.relname <> 'cachedoctor_canary' ORDER BY 1",
    ),
  );

/** probe with replay paused on the standby (resumed after, whatever happens). */
async function probeWhilePaused(options: Record<string, unknown>) {
  const sb = await sandbox.ready();
  await sb.pauseReplay();
  try {
    const { env } = await runInProcess<ProbeData>('probe', { pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { allowWrite: true, interval: '10ms', ...options });
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    return env;
  } finally {
    await sb.resumeReplay();
  }
}

describe('probe', () => {
  it('measures a healthy standby in milliseconds, and leaves every other table as it was', async () => {
    const sb = await sandbox.ready();
    await sql(
      sb.primaryUrl,
      'CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, price int); INSERT INTO products SELECT g, g FROM generate_series(1, 10) g ON CONFLICT DO NOTHING',
    );
    const before = await snapshot(sb.primaryUrl);
    const { env } = await runInProcess<ProbeData>('probe', { pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { allowWrite: true, count: '5', interval: '20ms' });
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    assert.equal(env.exitCode, 0);
    assert.equal(env.replicas.length, 1);
    const r = env.replicas[0]!;
    assert.equal(r.samplesMs.length, 5);
    for (const ms of r.samplesMs) assert.ok(ms !== null && ms >= 0 && ms < 1000, String(ms));
    assert.ok(env.recommendedWindowMs !== null && env.recommendedWindowMs >= 10);
    assert.equal(await snapshot(sb.primaryUrl), before);
    assert.deepEqual(await sql(sb.primaryUrl, 'SELECT * FROM cachedoctor_canary'), []);
  });

  it('across a replay pause, the measured window matches the pause', async () => {
    const sb = await sandbox.ready();
    await sb.pauseReplay();
    const pending = runInProcess<ProbeData>('probe', { pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { allowWrite: true, count: '2', interval: '10ms' });
    const paused = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    await sb.resumeReplay();
    const pauseMs = Date.now() - paused;
    const { env } = await pending;
    // The first write waited out the pause (less the moment probe took to connect); the second showed at once.
    const [first, second] = env.replicas[0]!.samplesMs;
    assert.ok(
      first !== null && first !== undefined && first > pauseMs - 700 && first < pauseMs + 1000,
      `first write visible after ${String(first)} ms, pause ${pauseMs} ms`,
    );
    assert.ok(second !== null && second !== undefined && second < 500, `second: ${String(second)} ms`);
    assert.ok(env.recommendedWindowMs !== null && env.recommendedWindowMs >= first * 1.5);
    assert.equal(env.exitCode, 0);
  });

  it('a write that never shows within --max-wait is a critical finding with the reason (replay paused), and no window is called safe', async () => {
    const env = await probeWhilePaused({ count: '3', maxWait: '400ms' });
    // And why: the replica is not replaying (probe asks it when the writes are done).
    assert.deepEqual(
      env.findings.map((f) => f.kind),
      ['write-not-visible', 'replay-paused'],
    );
    assert.match(env.findings[0]!.message, /\(its WAL replay is paused\)/);
    assert.equal(env.exitCode, 1);
    assert.equal(env.recommendedWindowMs, null);
    assert.equal(env.replicas[0]!.timeouts, 1);
    assert.deepEqual(await sql(sandbox().primaryUrl, 'SELECT * FROM cachedoctor_canary'), []);
  });

  it('first run with replay paused: the canary table the standby has not replayed yet is a write not visible, not a broken replica', async () => {
    const env = await probeWhilePaused({ count: '2', maxWait: '400ms', canaryTable: 'fresh_canary' });
    assert.deepEqual(
      env.findings.map((f) => f.kind),
      ['write-not-visible', 'replay-paused'],
    );
    assert.equal(env.replicas[0]!.error, null);
  });

  it('refuses without --allow-write, and refuses a table of the canary name that is not a canary table', async () => {
    const sb = await sandbox.ready();
    await assert.rejects(
      runInProcess('probe', { pg: sb.primaryUrl, replica: [sb.standbyUrl] }, {}),
      (e: Error) => e instanceof UsageError && /--allow-write/.test(e.message),
    );
    await sql(
      sb.primaryUrl,
      'CREATE TABLE IF NOT EXISTS not_a_canary (id int PRIMARY KEY, note text); INSERT INTO not_a_canary VALUES (1, $$keep$$) ON CONFLICT DO NOTHING',
    );
    await assert.rejects(
      runInProcess('probe', { pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { allowWrite: true, canaryTable: 'not_a_canary' }),
      (e: Error) => e instanceof UsageError && /not a cachedoctor canary table/.test(e.message),
    );
    assert.deepEqual(await sql(sb.primaryUrl, 'SELECT * FROM not_a_canary'), [{ id: 1, note: 'keep' }]);
  });
});
