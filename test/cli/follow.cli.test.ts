// follow from the command line: the documented least grants are enough; without REPLICATION it says what is
// missing in one line (exit 3); Ctrl-C reports and leaves no slot; --json parses against the schema.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { sql } from '../helpers/pg.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ standby: false });
/** The Redis ACL the least-privilege docs give follow: connecting, scan's reads, and tracking. */
const FOLLOW_ACL = '+ping +info +select +client|setname +eval_ro +scan +pttl +getrange +strlen +type +hmget +hgetall +client|id +client|tracking +subscribe';

interface FollowDoc {
  exitCode: number;
  complete: boolean;
  summary: { writes: number; checked: number; converged: number };
  findings: { kind: string; class?: string; key?: string }[];
  error?: { message: string };
}

/** Runs follow, and `once` as soon as it is following (its slot exists and tracking is on). */
function followCli(args: string[], once: (kill: (sig: NodeJS.Signals) => void) => unknown) {
  let started = false;
  return runCli(['follow', ...args], {
    onStderr: (stderr, kill) => {
      if (started || !stderr.includes('following committed writes')) return;
      started = true;
      void once(kill);
    },
  });
}

describe('cachedoctor follow (subprocess)', () => {
  let redisUrl: string;
  before(async () => {
    const sb = await sandbox.ready();
    await sql(
      sb.primaryUrl,
      `CREATE TABLE items (id int PRIMARY KEY, version int NOT NULL); INSERT INTO items SELECT g, 1 FROM generate_series(1, 10) g;
       CREATE ROLE follower LOGIN REPLICATION IN ROLE pg_monitor; GRANT SELECT ON items TO follower;
       CREATE ROLE plain LOGIN; GRANT SELECT ON items TO plain;
       CREATE TABLE polled (id int PRIMARY KEY, version int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
       INSERT INTO polled SELECT g, 1 FROM generate_series(1, 10) g; GRANT SELECT ON polled TO plain;`,
    );
    const r = new Redis(sb.redisUrl);
    await r.call('ACL', 'SETUSER', 'cd_follow', 'on', '>cd-follow-pw', '~*', 'resetchannels', '&__redis__:invalidate', '-@all', ...FOLLOW_ACL.split(' '));
    for (let i = 1; i <= 10; i += 1) {
      await r.set(`item:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
      await r.set(`polled:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
    }
    r.disconnect();
    redisUrl = `redis://cd_follow:cd-follow-pw@127.0.0.1:${sb.redis!.port}`;
  });

  it('with exactly the documented grants: a write never invalidated is a critical finding, exit 1, and the JSON parses', async () => {
    const sb = sandbox();
    const run = followCli(
      ['--redis', redisUrl, '--pg', sb.primary!.urlFor('follower'), '--key', 'item:{id}', '--table', 'items', '--duration', '2s', '--grace', '300ms', '--json'],
      () => sql(sb.primaryUrl, 'UPDATE items SET version = 2 WHERE id = 4'),
    );

    const done = await run;
    assert.equal(done.code, 1, done.stderr);
    const doc = parseJson<FollowDoc>(done);
    assertMatchesSchema(doc);
    assert.deepEqual(
      doc.findings.map((f) => `${f.kind} ${f.class} ${f.key}`),
      ['stale-after-write not-invalidated item:4'],
    );
    assert.deepEqual([doc.summary.writes, doc.summary.checked, doc.summary.converged], [1, 1, 0]);
    const slots = await sql<{ n: number }>(sb.primaryUrl, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor_%'");
    assert.equal(slots[0]!.n, 0);
  });

  it('a bulk load of another table that takes longer than --timeout to decode: the write after it is still checked', async () => {
    const sb = sandbox();
    const run = await followCli(
      [
        '--redis',
        redisUrl,
        '--pg',
        sb.primary!.urlFor('follower'),
        '--key',
        'item:{id}',
        '--table',
        'items',
        '--duration',
        '12s',
        '--grace',
        '300ms',
        '--timeout',
        '1s',
        '--json',
      ],
      async () => {
        await sql(sb.primaryUrl, 'CREATE TABLE other_load (id int, v text); INSERT INTO other_load SELECT g, md5(g::text) FROM generate_series(1, 400000) g');
        await sql(sb.primaryUrl, 'UPDATE items SET version = 3 WHERE id = 6');
      },
    );
    assert.equal(run.code, 1, run.stderr);
    const doc = parseJson<FollowDoc>(run);
    assert.deepEqual(
      doc.findings.map((f) => `${f.kind} ${f.class} ${f.key}`),
      ['stale-after-write not-invalidated item:6'],
    );
    assert.equal(doc.summary.writes, 1, 'the 400,000 rows of the other table are no writes of the mapping');
  });

  it('--max-slot-lag: stops before the slot holds back more WAL than that, says so (exit 1), and leaves no slot', async () => {
    const sb = sandbox();
    const run = await followCli(
      ['--redis', redisUrl, '--pg', sb.primary!.urlFor('follower'), '--key', 'item:{id}', '--table', 'items', '--max-slot-lag', '1MiB', '--json'],
      () => sql(sb.primaryUrl, 'CREATE TABLE other_load2 (id int, v text); INSERT INTO other_load2 SELECT g, md5(g::text) FROM generate_series(1, 400000) g'),
    );
    assert.equal(run.code, 1, run.stderr);
    const doc = parseJson<FollowDoc & { maxBehindBytes: number }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.complete, false);
    assert.deepEqual(
      doc.findings.map((f) => f.kind),
      ['follow-stopped'],
    );
    assert.ok(doc.maxBehindBytes > 1024 * 1024, String(doc.maxBehindBytes));
    const slots = await sql<{ n: number }>(sb.primaryUrl, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor_%'");
    assert.equal(slots[0]!.n, 0);
  });

  it('without REPLICATION: polls the updatedAt column instead, saying so in one line, and finds the write never invalidated', async () => {
    const sb = sandbox();
    const run = await followCli(
      [
        '--redis',
        sb.redisUrl,
        '--pg',
        sb.primary!.urlFor('plain'),
        '--key',
        'polled:{id}',
        '--table',
        'polled',
        '--duration',
        '2s',
        '--grace',
        '300ms',
        '--json',
      ],
      () => sql(sb.primaryUrl, 'UPDATE polled SET version = 2, updated_at = now() WHERE id = 3'),
    );

    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /^cachedoctor: follow: no change stream \(the role has no REPLICATION attribute\): polling public\.polled\.updated_at every 250 ms instead; deletes are not seen/m,
    );
    assert.match(run.stderr, /public\.polled\.updated_at has no index/);
    const doc = parseJson<FollowDoc & { mode: string; notes: string[] }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.mode, 'poll');
    assert.deepEqual(
      doc.findings.map((f) => `${f.kind} ${f.class} ${f.key}`),
      ['stale-after-write not-invalidated polled:3'],
    );
  });

  it('polling: a bulk write of 6,000 rows at one instant is followed whole, and so are the writes after it', async () => {
    const sb = sandbox();
    await sql(
      sb.primaryUrl,
      `CREATE TABLE bulk (id int PRIMARY KEY, version int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
       CREATE INDEX ON bulk (updated_at); INSERT INTO bulk SELECT g, 1 FROM generate_series(1, 6000) g; GRANT SELECT ON bulk TO plain;`,
    );
    let sent = false;
    const run = await runCli(
      [
        'follow',
        '--redis',
        sb.redisUrl,
        '--pg',
        sb.primary!.urlFor('plain'),
        '--key',
        'bulk:{id}',
        '--table',
        'bulk',
        '--duration',
        '3s',
        '--grace',
        '300ms',
        '--json',
      ],
      {
        onStderr: (stderr) => {
          if (sent || !stderr.includes('following committed writes')) return;
          sent = true;
          void (async () => {
            await sql(sb.primaryUrl, 'UPDATE bulk SET version = 2, updated_at = now()');
            await new Promise((r) => setTimeout(r, 800));
            await sql(sb.primaryUrl, 'UPDATE bulk SET version = 3, updated_at = now() WHERE id = 1');
          })();
        },
      },
    );
    const doc = parseJson<FollowDoc>(run);
    assert.equal(doc.summary.writes, 6001, run.stderr);
    assert.equal(doc.summary.converged, 6001);
  });

  it('without REPLICATION and without an updatedAt column to poll: one line saying both, exit 3', async () => {
    const sb = sandbox();
    const run = await runCli([
      'follow',
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.primary!.urlFor('plain'),
      '--key',
      'item:{id}',
      '--table',
      'items',
      '--duration',
      '1s',
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(
      run.stderr.trim(),
      "cachedoctor: follow cannot read the primary's change stream (the role has no REPLICATION attribute), and cannot poll instead: items has no updatedAt column (ALTER ROLE <role> REPLICATION; (it then sees every table: see docs/least-privilege.md); or give the mapping an updatedAt column (a timestamp every write sets))",
    );
  });

  it('Ctrl-C reports what was followed (exit 130) and leaves no slot', async () => {
    const sb = sandbox();
    const run = await runCli(['follow', '--redis', sb.redisUrl, '--pg', sb.primaryUrl, '--key', 'item:{id}', '--table', 'items', '--json'], {
      onStderr: (stderr, kill) => {
        if (stderr.includes('following committed writes')) setTimeout(() => kill('SIGINT'), 800);
      },
    });
    assert.equal(run.code, 130, run.stderr);
    const doc = parseJson<FollowDoc>(run);
    assert.equal(doc.complete, false);
    const slots = await sql<{ n: number }>(sb.primaryUrl, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor_%'");
    assert.equal(slots[0]!.n, 0);
  });
});

describe('cachedoctor follow when the primary goes away (subprocess)', () => {
  const lone = useSandbox({ standby: false });

  it('the primary restarted: follow reconnects with a new slot, reports the gap, and follows the writes after it', async () => {
    const sb = await lone.ready();
    await sql(sb.primaryUrl, 'CREATE TABLE items (id int PRIMARY KEY, version int NOT NULL); INSERT INTO items SELECT g, 1 FROM generate_series(1, 5) g');
    let acted: Promise<void> | null = null;
    let after: Promise<void> | null = null;
    const run = await runCli(
      ['follow', '--redis', sb.redisUrl, '--pg', sb.primaryUrl, '--key', 'item:{id}', '--table', 'items', '--grace', '200ms', '--duration', '9s', '--json'],
      {
        onStderr: (stderr) => {
          if (acted === null && stderr.includes('following committed writes'))
            acted = (async () => {
              await sql(sb.primaryUrl, 'UPDATE items SET version = 2 WHERE id = 1');
              await new Promise((r) => setTimeout(r, 800));
              await sb.primary!.restart();
            })();
          if (after === null && stderr.includes('reconnected to'))
            after = (async () => {
              await acted;
              await sql(sb.primaryUrl, 'UPDATE items SET version = 3 WHERE id = 2');
            })();
        },
      },
    );
    await acted;
    await after;
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /lost the primary \(.*\); reconnecting/);
    const doc = parseJson<FollowDoc & { gaps: { seconds: number; why: string }[] }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.complete, true);
    assert.equal(doc.summary.writes, 2, 'the write before the restart and the one after it');
    assert.deepEqual(
      doc.findings.map((f) => f.kind),
      ['follow-gap'],
    );
    assert.equal(doc.gaps.length, 1);
    assert.ok(doc.gaps[0]!.seconds > 0 && doc.gaps[0]!.seconds < 9, String(doc.gaps[0]!.seconds));
    const slots = await sql<{ n: number }>(sb.primaryUrl, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor_%'");
    assert.equal(slots[0]!.n, 0);
  });

  it('the primary gone for good: reports what it followed and the gap to the end, exit 3, with the reason', async () => {
    const sb = await lone.ready();
    await sql(sb.primaryUrl, 'DROP TABLE IF EXISTS gone; CREATE TABLE gone (id int PRIMARY KEY, version int NOT NULL); INSERT INTO gone VALUES (1, 1)');
    let stopped: Promise<void> | null = null;
    const run = await runCli(
      ['follow', '--redis', sb.redisUrl, '--pg', sb.primaryUrl, '--key', 'gone:{id}', '--table', 'gone', '--grace', '200ms', '--duration', '4s', '--json'],
      {
        onStderr: (stderr) => {
          if (stopped === null && stderr.includes('following committed writes'))
            stopped = (async () => {
              await sql(sb.primaryUrl, 'UPDATE gone SET version = 2 WHERE id = 1');
              await new Promise((r) => setTimeout(r, 800));
              await sb.primary!.stop();
            })();
        },
      },
    );
    await stopped;
    try {
      assert.equal(run.code, 3, run.stderr);
      const doc = parseJson<FollowDoc & { gaps: { to: string }[] }>(run);
      assert.equal(doc.complete, false);
      assert.equal(doc.summary.writes, 1);
      assert.match(doc.error?.message ?? '', /the primary could not be reached again: .*PostgreSQL/);
      assert.equal(doc.gaps.length, 1);
      assert.ok(doc.findings.some((f) => f.kind === 'follow-gap'));
    } finally {
      await sb.primary!.start();
    }
  });
});

describe('cachedoctor follow on a primary with wal_level=replica (subprocess)', () => {
  const replicaLevel = useSandbox({ standby: false, postgresSettings: ['wal_level=replica'] });

  it('polls instead, saying why in one line', async () => {
    const sb = await replicaLevel.ready();
    await sql(sb.primaryUrl, 'CREATE TABLE polled (id int PRIMARY KEY, version int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())');
    const run = await runCli([
      'follow',
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.primaryUrl,
      '--key',
      'polled:{id}',
      '--table',
      'polled',
      '--duration',
      '500ms',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^cachedoctor: follow: no change stream \(wal_level is replica on 127\.0\.0\.1:\d+, not logical\): polling public\.polled\.updated_at/m,
    );
    assert.equal(parseJson<{ mode: string }>(run).mode, 'poll');
  });
});
