// `lag` against a real PostgreSQL primary and streaming standby, in each situation an on-call engineer meets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LagData } from '../../src/core/lag/lagReport.js';
import { createServer } from 'node:net';
import { InterruptedError, SourceError } from '../../src/errors.js';
import { connectPg } from '../../src/sources/postgres/connect.js';
import { readPrimary } from '../../src/sources/postgres/replication.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox({ redis: false });

async function lag(flags: Parameters<typeof runInProcess>[1], options: Record<string, unknown> = {}) {
  return (await runInProcess<LagData>('lag', flags, options)).env;
}

const kinds = (env: { findings: { kind: string }[] }) => env.findings.map((f) => f.kind).sort();

describe('lag on a primary with a streaming standby', () => {
  it('reports a healthy, caught-up pair as ok (exit 0) with the standby matched to its --replica', async () => {
    const sb = sandbox();
    await sb.primary!.sql('CREATE TABLE IF NOT EXISTS items (id int primary key, v text)');
    await sb.waitForCatchUp();
    const env = await lag({ pg: sb.primaryUrl, replica: [sb.standbyUrl] });
    assert.deepEqual(kinds(env), []);
    assert.equal(env.exitCode, 0);
    assert.equal(env.replicas.length, 1);
    const r = env.replicas[0]!;
    assert.equal(r.name, `127.0.0.1:${sb.standby!.port}`);
    assert.equal(r.applicationName, 'standby1');
    assert.equal(r.onPrimary, true);
    assert.equal(r.target, `127.0.0.1:${sb.standby!.port}`);
    assert.equal(r.state, 'streaming');
    assert.equal(r.receiverStatus, 'streaming');
    assert.equal(r.lagBytes, 0);
    assert.equal(r.lagSeconds, 0);
  });

  it('reports no false lag while the primary sits idle after catch-up (idle guard)', async () => {
    const sb = sandbox();
    await sb.primary!.sql("INSERT INTO items VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = 'a'");
    await sb.waitForCatchUp();
    await new Promise((r) => setTimeout(r, 3000));
    const env = await lag({ pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { maxLagSeconds: '1' });
    const r = env.replicas[0]!;
    // The replay timestamp is seconds old: without the guard this would read as lag.
    assert.ok((r.replayTimestampAgeSeconds ?? 0) >= 2.5, `replay timestamp age ${r.replayTimestampAgeSeconds}`);
    assert.equal(r.lagSeconds, 0);
    assert.deepEqual(kinds(env), []);
    // The replica alone applies the same guard.
    const alone = await lag({ replica: [sb.standbyUrl] }, { maxLagSeconds: '1' });
    assert.equal(alone.replicas[0]?.lagSeconds, 0);
    assert.deepEqual(kinds(alone), []);
  });

  it('reports replay paused with writes on the primary as replica-lag and replay-paused (exit 1)', async () => {
    const sb = sandbox();
    await sb.pauseReplay();
    try {
      await sb.primary!.sql("INSERT INTO items SELECT g, repeat('x', 100) FROM generate_series(2, 2000) g");
      await new Promise((r) => setTimeout(r, 1200));
      const env = await lag({ pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { maxLagSeconds: '1' });
      assert.deepEqual(kinds(env), ['replay-paused', 'replica-lag']);
      assert.equal(env.exitCode, 1);
      const r = env.replicas[0]!;
      assert.ok((r.lagBytes ?? 0) > 0, `lagBytes ${r.lagBytes}`);
      assert.ok((r.lagSeconds ?? 0) > 1, `lagSeconds ${r.lagSeconds}`);
      // Replay is stuck, so the replica's replay age is the measure (an upper bound, and said to be one).
      assert.equal(r.lagBasis, 'replay-timestamp');
      assert.match(env.findings.find((f) => f.kind === 'replica-lag')?.message ?? '', /up to \d/);
      assert.equal(r.pauseState, 'paused');
      assert.equal(env.advice.windowSeconds, null);
    } finally {
      await sb.resumeReplay();
      await sb.waitForCatchUp();
    }
  });

  it('measures lag spikes over a --watch window', async () => {
    const sb = sandbox();
    const watching = lag({ pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { watch: true, interval: '200ms', duration: '2.5s' });
    await new Promise((r) => setTimeout(r, 600));
    await sb.pauseReplay();
    await sb.primary!.sql("UPDATE items SET v = 'spike'");
    await new Promise((r) => setTimeout(r, 900));
    await sb.resumeReplay();
    const env = await watching;
    const w = env.watch!;
    // 2.5 s every 200 ms: about 12 samples, fewer on a loaded machine (a paused sample costs a 200 ms second look).
    assert.ok(w.samples.length >= 4 && w.samples.length <= 14, `${w.samples.length} samples`);
    const win = w.window.find((x) => x.name === `127.0.0.1:${sb.standby!.port}`)!;
    assert.equal(win.lagSeconds?.min, 0);
    assert.ok((win.lagSeconds?.max ?? 0) > 0.3, `max ${win.lagSeconds?.max}`);
    assert.ok((win.lagBytes?.max ?? 0) > 0);
    assert.equal([...win.sparkline].length, w.samples.length);
    // The pause came and went inside the window: it is still reported.
    assert.ok(kinds(env).includes('replay-paused'));
    await sb.waitForCatchUp();
  });

  it('reports a --replica URL that points at the primary as not-replica', async () => {
    const sb = sandbox();
    const env = await lag({ pg: sb.primaryUrl, replica: [sb.primaryUrl] });
    // The real standby, not given with --replica, is seen only from the primary.
    assert.deepEqual(kinds(env), ['not-replica', 'replica-not-asked']);
    assert.equal(env.exitCode, 1);
  });

  it('reports a --pg URL that points at the standby as not-primary', async () => {
    const sb = sandbox();
    const env = await lag({ pg: sb.standbyUrl });
    assert.ok(kinds(env).includes('not-primary'));
  });

  it('reports fewer replicas than --expect-replicas', async () => {
    const sb = sandbox();
    const env = await lag({ pg: sb.primaryUrl }, { expectReplicas: '2' });
    assert.deepEqual(kinds(env), ['replica-disconnected', 'replica-not-asked']);
  });

  it('names the missing grant for a role without pg_monitor, and is clean once granted', async () => {
    const sb = sandbox();
    await sb.primary!.sql('DROP ROLE IF EXISTS nomon; CREATE ROLE nomon LOGIN');
    await sb.waitForCatchUp();
    const env = await lag({ pg: sb.primary!.urlFor('nomon'), replica: [sb.standby!.urlFor('nomon')] });
    const f = env.findings.filter((x) => x.kind === 'insufficient-privilege');
    assert.equal(f.length, 2, JSON.stringify(env.findings));
    assert.ok(f.every((x) => x.fix === 'GRANT pg_monitor TO nomon;'));
    assert.ok(!kinds(env).includes('replica-disconnected'), 'hidden details must not read as disconnected');
    await sb.primary!.sql('GRANT pg_monitor TO nomon');
    await sb.waitForCatchUp();
    const granted = await lag({ pg: sb.primary!.urlFor('nomon'), replica: [sb.standby!.urlFor('nomon')] });
    assert.deepEqual(kinds(granted), []);
  });

  it('fails with a SourceError (exit 3) within the timeout when the primary is unreachable', async () => {
    const sb = sandbox();
    const started = Date.now();
    await assert.rejects(
      lag({ pg: `postgres://u:topsecret@127.0.0.1:${sb.primary!.port + 1}/x`, timeout: '1500ms' }),
      (err: unknown) => err instanceof SourceError && err.exitCode === 3 && /connection refused/.test(err.message) && !err.message.includes('topsecret'),
    );
    assert.ok(Date.now() - started < 1500);
  });

  it('reports a stopped standby as a source that could not be reached (exit 3), and recovers when it is back', async () => {
    const sb = sandbox();
    await sb.standby!.stop();
    try {
      const env = await lag({ pg: sb.primaryUrl, replica: [sb.standbyUrl], timeout: '2000ms' });
      assert.ok(kinds(env).includes('source-failed'), JSON.stringify(env.findings));
      assert.equal(env.exitCode, 3);
      const gone = env.replicas.find((r) => r.target !== null)!;
      assert.match(gone.error ?? '', /connection refused/);
      assert.equal(env.summary.streaming, 0);
    } finally {
      await sb.standby!.start();
      await sb.waitForStreaming();
    }
    const back = await lag({ pg: sb.primaryUrl, replica: [sb.standbyUrl] });
    assert.ok(!kinds(back).includes('source-failed'));
    assert.equal(back.exitCode, 0);
  });
});

describe('lag under interruption and silence', () => {
  it('Ctrl-C before the first sample ends at once (exit 130), even while a replica is silent', async () => {
    const sb = sandbox();
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    try {
      await assert.rejects(
        runInProcess<LagData>(
          'lag',
          { pg: sb.primaryUrl, replica: [`postgres://x@127.0.0.1:${(silent.address() as { port: number }).port}/x`], timeout: '5000ms' },
          {},
          controller.signal,
        ),
        (err: unknown) => err instanceof InterruptedError && err.exitCode === 130,
      );
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    } finally {
      silent.close();
    }
  });

  it('gives up within the timeout when a connected server stops answering queries', async () => {
    const sb = sandbox();
    const db = await connectPg({ url: sb.primaryUrl, flag: '--pg', timeoutMs: 800 });
    const [row] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    process.kill(row!.pid, 'SIGSTOP');
    const started = Date.now();
    try {
      await assert.rejects(
        readPrimary(db, 800),
        (err: unknown) => err instanceof SourceError && err.category === 'unreachable' && /no answer within 800 ms/.test(err.message),
      );
      assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    } finally {
      process.kill(row!.pid, 'SIGCONT');
      await db.close();
    }
  });

  it('the primary lost during --watch: the samples so far are reported, incomplete, and the exit code says 3', async () => {
    const sb = sandbox();
    const watching = runInProcess<LagData>(
      'lag',
      { pg: sb.primaryUrl, replica: [sb.standbyUrl], timeout: '1500ms' },
      { watch: true, interval: '200ms', duration: '20s' },
    );
    await new Promise((r) => setTimeout(r, 900));
    await sb.primary!.stop();
    try {
      const { env } = await watching;
      assert.equal(env.exitCode, 3);
      assert.equal(env.complete, false);
      assert.equal(env.error?.kind, 'source');
      assert.ok((env.watch?.samples.length ?? 0) >= 2, `${env.watch?.samples.length} samples`);
      assert.ok(env.findings.some((f) => f.kind === 'source-failed' && /stopped answering/.test(f.message)));
    } finally {
      await sb.primary!.start();
      await sb.waitForStreaming();
    }
  });
});
