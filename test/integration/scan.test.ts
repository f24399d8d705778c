// `scan` against a real Redis and PostgreSQL primary (+ standby), with seeded data whose true answer the test knows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { MappingScan } from '../../src/commands/scan/mappingScan.js';
import { walkMapping } from '../../src/commands/scan/walk.js';
import { resolveMappings } from '../../src/config/mappings.js';
import { connectPg } from '../../src/sources/postgres/connect.js';
import { PgPool } from '../../src/sources/postgres/pool.js';
import { readTableShape } from '../../src/sources/postgres/tableInfo.js';
import type { Envelope } from '../../src/core/envelope.js';
import type { ScanData } from '../../src/core/scan/scanReport.js';
import { ConfigError, InterruptedError, SourceError, UsageError } from '../../src/errors.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox();
let redis: Redis;

/** The sandbox, and a Redis client on it: suite hooks may run before file-level ones. */
async function ready() {
  const sb = await sandbox.ready();
  redis ??= new Redis(sb.redisUrl);
  return sb;
}
after(() => redis?.disconnect());

async function scan(options: Record<string, unknown>, flags: Record<string, unknown> = {}): Promise<Envelope<ScanData>> {
  const sb = sandbox();
  const { env } = await runInProcess<ScanData>('scan', { redis: sb.redisUrl, pg: sb.primaryUrl, ...flags }, { grace: '300ms', ...options });
  assertMatchesSchema(JSON.parse(JSON.stringify(env)));
  return env;
}

const kindsOf = (env: Envelope<ScanData>) => env.findings.map((f) => `${f.kind} ${f.key ?? ''}`.trim()).sort();

describe('scan classifies every kind of entry', () => {
  before(async () => {
    const sb = await ready();
    await sb.primary!.sql(`
      CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now() - interval '30 seconds');
      INSERT INTO products (id, price, version) SELECT g, 10 + g, 5 FROM generate_series(1, 200) g;
      UPDATE products SET updated_at = now() - interval '60 seconds' WHERE id = 6;`);
    const p = redis.pipeline();
    for (let i = 1; i <= 200; i += 1) p.set(`product:${i}`, JSON.stringify({ id: i, price: 10 + i, version: 5 }), 'EX', 600);
    p.set('product:3', JSON.stringify({ id: 3, price: 13, version: 4 }), 'EX', 600); // stale by 1
    p.set('product:6', JSON.stringify({ id: 6, price: 16, version: 1 })); // stale by 4, no TTL
    p.set('product:4', JSON.stringify({ id: 4, price: 14, version: 6 }), 'EX', 600); // ahead
    p.set('product:5', JSON.stringify({ id: 5, price: 999, version: 5 }), 'EX', 600); // version not bumped
    p.set('product:500', JSON.stringify({ id: 500, version: 1 }), 'EX', 600); // orphan
    p.set('product:7', 'not json', 'EX', 600);
    p.set('product:8', Buffer.from([0xff, 0xfe, 0x00]), 'EX', 600);
    p.set('product:9', 'x'.repeat(5000), 'EX', 600); // oversized with --max-value-bytes 4096
    p.set('product:1;DROP TABLE products', '{"version":1}', 'EX', 600);
    p.set("product:' OR 1=1", '{"version":1}', 'EX', 600);
    p.set('product:1:reviews', '[]', 'EX', 600); // another key family
    await p.exec();
  });

  it('finds each kind, ranks the worst first, and fails (exit 1)', async () => {
    const env = await scan({ key: 'product:{id}', table: 'products', compare: 'price', maxValueBytes: '4096' });
    assert.deepEqual(kindsOf(env), [
      'ahead product:4',
      'no-ttl',
      'orphan product:500',
      'oversized product:9',
      'stale product:3',
      'stale product:6',
      "undecodable product:' OR 1=1",
      'undecodable product:1;DROP TABLE products',
      'undecodable product:7',
      'undecodable product:8',
      'version-not-bumped product:5',
    ]);
    const s = env.summary;
    assert.deepEqual(
      [s.sampled, s.fresh, s.stale, s.ahead, s.orphan, s.versionNotBumped, s.undecodable, s.oversized, s.noTtl, s.unmatched],
      [203, 193, 2, 1, 1, 1, 4, 1, 1, 1],
    );
    assert.equal(env.exitCode, 1);
    assert.equal(env.entries[0]?.key, 'product:6', 'longest wrong and most versions behind first');
    assert.deepEqual([env.entries[0]?.versionsBehind, env.entries[0]?.ttlSeconds], [4, null]);
    assert.ok((env.entries[0]?.secondsBehind ?? 0) >= 59);
    assert.equal(s.wrong, 5);
    assert.ok((s.staleRatioLow as number) < 5 / 198 && (s.staleRatioHigh as number) > 5 / 198);
  });

  it('changed nothing: keys that look like SQL stayed data', async () => {
    const sb = sandbox();
    const [row] = await sb.primary!.sql<{ n: string }>('SELECT count(*)::text AS n FROM products');
    assert.equal(row?.n, '200');
    assert.equal(await redis.get('product:3'), JSON.stringify({ id: 3, price: 13, version: 4 }));
  });

  it('samples at most --sample keys, and passes under --max-stale', async () => {
    const small = await scan({ key: 'product:{id}', table: 'products', sample: '50' });
    assert.equal(small.summary.sampled, 50);
    const lenient = await scan({ key: 'product:{id}', table: 'products', compare: 'price', maxStale: '10' });
    assert.equal(lenient.exitCode, 0);
  });

  it('reports a template that matches nothing as a failing warning, not a pass', async () => {
    const env = await scan({ key: 'prodcut:{id}', table: 'products' });
    assert.deepEqual(
      env.findings.map((f) => f.kind),
      ['no-keys'],
    );
    assert.equal(env.exitCode, 1);
  });

  it('names a missing table or column instead of querying', async () => {
    await assert.rejects(
      scan({ key: 'product:{id}', table: 'productz' }),
      (e: unknown) => e instanceof ConfigError && /table productz does not exist/.test(e.message) && e.hint === 'did you mean public.products?',
    );
    await assert.rejects(
      scan({ key: 'product:{id}', table: 'products', versionColumn: 'rev' }),
      (e: unknown) => e instanceof ConfigError && /has no column "rev"/.test(e.message) && /id, price, version, updated_at/.test(e.line),
    );
  });
});

describe('scan encodings, version kinds and key shapes', () => {
  before(async () => {
    const sb = await ready();
    await sb.primary!.sql(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.accounts (id uuid PRIMARY KEY, email text NOT NULL, modified timestamptz NOT NULL);
      INSERT INTO shop.accounts VALUES
        ('6f1c2d4e-0000-4000-8000-000000000001', 'a@x', '2026-11-26 08:00:00.123456+00'),
        ('6f1c2d4e-0000-4000-8000-000000000002', 'b@x', '2026-11-26 08:00:05+00');
      CREATE TABLE shop.tenant_users (tenant_id int, id bigint, name text, version bigint NOT NULL, PRIMARY KEY (tenant_id, id));
      INSERT INTO shop.tenant_users VALUES (1, 10, 'ann', 3), (1, 11, 'bob', 3), (2, 10, 'cat', 7);`);
    await redis.hset('account:6f1c2d4e-0000-4000-8000-000000000001', { email: 'a@x', modified: '2026-11-26T08:00:00.123Z' });
    await redis.hset('account:6F1C2D4E-0000-4000-8000-000000000002', { email: 'b@x', modified: '2026-11-26T08:00:01.000Z' });
    await redis.set('tenant:1:user:10', JSON.stringify({ meta: { v: 3 }, name: 'ann' }));
    await redis.set('tenant:1:user:11', JSON.stringify({ meta: { v: 2 }, name: 'bob' }));
    await redis.set('tenant:2:user:10', JSON.stringify({ meta: { v: 7 }, name: 'cat' }));
  });

  it('reads hashes with timestamp versions at the cache precision, in a schema-qualified table', async () => {
    const env = await scan({ key: 'account:{id}', table: 'shop.accounts', versionField: 'modified', compare: 'email' });
    assert.deepEqual(
      kindsOf(env).filter((k) => k !== 'no-ttl'),
      ['stale account:6F1C2D4E-0000-4000-8000-000000000002'],
    );
    assert.equal(env.summary.fresh, 1);
    assert.equal(env.entries[0]?.rowVersion, '2026-11-26T08:00:05.000000Z');
  });

  it('suggests the schema of a table that is not on the search path', async () => {
    await assert.rejects(
      scan({ key: 'tenant:{tenant_id}:user:{id}', table: 'tenant_users', versionField: 'meta.v', versionColumn: 'version' }),
      (e: unknown) => e instanceof ConfigError && /table tenant_users does not exist/.test(e.message) && e.hint === 'did you mean shop.tenant_users?',
    );
  });

  it('maps composite keys with nested version paths', async () => {
    const env = await scan({
      key: 'tenant:{tenant_id}:user:{id}',
      table: 'shop.tenant_users',
      versionField: 'meta.v',
      versionColumn: 'version',
      compare: 'name',
    });
    assert.deepEqual(
      kindsOf(env).filter((k) => k !== 'no-ttl'),
      ['stale tenant:1:user:11'],
    );
    assert.equal(env.summary.fresh, 2);
  });
});

describe('scan under live traffic', () => {
  before(async () => {
    const sb = await ready();
    await sb.primary!.sql(`CREATE TABLE items (id bigint PRIMARY KEY, version int NOT NULL);
      INSERT INTO items SELECT g, 1 FROM generate_series(1, 20) g;`);
    const p = redis.pipeline();
    for (let i = 1; i <= 20; i += 1) p.set(`item:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
    await p.exec();
  });

  it('counts a write in flight as inflight, not stale: the cache catches up within the grace period', async () => {
    const sb = sandbox();
    // The application has committed version 2 and is about to refresh the cache.
    await sb.primary!.sql('UPDATE items SET version = 2 WHERE id = 1');
    const pending = scan({ key: 'item:{id}', table: 'items', grace: '1500ms' });
    await new Promise((r) => setTimeout(r, 700));
    await redis.set('item:1', JSON.stringify({ version: 2 }), 'EX', 600);
    const env = await pending;
    assert.equal(env.summary.stale, 0);
    assert.equal(env.summary.inflight, 1);
    assert.equal(env.exitCode, 0);
  });

  it('names the lagging replica a stale fill came from (--replicas)', async () => {
    const sb = sandbox();
    await sb.waitForCatchUp();
    await sb.pauseReplay();
    try {
      await sb.primary!.sql('UPDATE items SET version = 3 WHERE id = 2');
      // A cache miss served by the paused standby re-fills Redis with the row before the write.
      const [old] = await sb.standby!.sql<{ version: number }>('SELECT version FROM items WHERE id = 2');
      await redis.set('item:2', JSON.stringify({ version: old!.version }), 'EX', 600);
      const env = await scan({ key: 'item:{id}', table: 'items', replicas: true }, { replica: [sb.standbyUrl] });
      const f = env.findings.find((x) => x.key === 'item:2');
      assert.equal(f?.kind, 'stale');
      assert.equal(f?.laggingReplica, `127.0.0.1:${sb.standby!.port}`);
      assert.match(f?.message ?? '', /still serves that version/);
    } finally {
      await sb.resumeReplay();
    }
  });
});

describe('scan dates each stale fill from its TTL, not from what a replica serves now', () => {
  before(async () => {
    const sb = await ready();
    await sb.primary!.sql(`CREATE TABLE orders (id bigint PRIMARY KEY, version int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO orders SELECT g, 1, now() - interval '1 hour' FROM generate_series(1, 30) g;`);
    await sb.waitForCatchUp();
  });

  it('with replay paused: filled before the write is a missed invalidation; filled after it from the standby is replica lag', async () => {
    const sb = sandbox();
    // Every fill sets EX 600; these were filled 100 s ago (600 - 500 left), before the write below.
    const p = redis.pipeline();
    for (let i = 1; i <= 30; i += 1) p.set(`order:${i}`, JSON.stringify({ version: 1 }), 'EX', 500);
    await p.exec();
    await sb.pauseReplay();
    try {
      // Written 20 s ago, and order:1 never invalidated: the paused standby still serves version 1 too.
      await sb.primary!.sql("UPDATE orders SET version = 2, updated_at = now() - interval '20 seconds' WHERE id IN (1, 2)");
      // order:2 was invalidated, and the miss re-filled from the paused standby, 10 s after the write.
      const [old] = await sb.standby!.sql<{ version: number }>('SELECT version FROM orders WHERE id = 2');
      await redis.set('order:2', JSON.stringify({ version: old!.version }), 'EX', 590);
      const run = (options: Record<string, unknown>) =>
        runInProcess<ScanData>('scan', { redis: sb.redisUrl, pg: sb.primaryUrl, replica: [sb.standbyUrl] }, { grace: '100ms', replicas: true, ...options });
      const given = (await run({ key: 'order:{id}', table: 'orders', ttl: '600s' })).env;
      assertMatchesSchema(JSON.parse(JSON.stringify(given)));
      const byKey = (env: Envelope<ScanData>, key: string) => env.findings.find((f) => f.key === key);
      const standby = `127.0.0.1:${sb.standby!.port}`;
      assert.deepEqual(
        [byKey(given, 'order:1')?.fill, byKey(given, 'order:1')?.laggingReplica, byKey(given, 'order:2')?.fill, byKey(given, 'order:2')?.laggingReplica],
        ['before-write', standby, 'after-write', standby],
      );
      assert.match(byKey(given, 'order:1')?.message ?? '', /filled 1m 40s ago, before the write, and never invalidated/);
      assert.match(byKey(given, 'order:2')?.message ?? '', /after the write, from a read of the old row; replica 127\.0\.0\.1:\d+ still serves that version/);
      // Learned from the sample (the longest TTL left, 590 s): the same order, said as an estimate.
      const learned = (await run({ key: 'order:{id}', table: 'orders' })).env;
      assert.deepEqual([byKey(learned, 'order:1')?.fill, byKey(learned, 'order:2')?.fill], ['before-write', 'after-write']);
      assert.match(byKey(learned, 'order:1')?.message ?? '', /filled about 1m \d\ds ago \(if every fill sets 9m \d\ds\), before the write/);
      const fillTtl = learned.mappings[0]?.fillTtl;
      assert.equal(fillTtl?.basis, 'learned');
      assert.ok(fillTtl.seconds > 580 && fillTtl.seconds <= 590, `learned ${fillTtl.seconds} s`);
    } finally {
      await sb.resumeReplay();
    }
  });
});

describe('scan samples from a random start', () => {
  before(async () => {
    const sb = await ready();
    await sb.primary!.sql(
      'CREATE TABLE widgets (id bigint PRIMARY KEY, version int NOT NULL); INSERT INTO widgets SELECT g, 2 FROM generate_series(1, 3000) g;',
    );
    const p = redis.pipeline();
    // Every entry stale, so the entries listed are the keys sampled.
    for (let i = 1; i <= 3000; i += 1) p.set(`widget:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
    await p.exec();
  });

  it('different seeds sample different keys; the same seed, the same keys; the seed is in the result', async () => {
    const sampled = async (seed?: string) => {
      const env = await scan({ key: 'widget:{id}', table: 'widgets', sample: '100', maxListed: '100', grace: '0', ...(seed ? { seed } : {}) });
      assert.equal(env.summary.sampled, 100);
      return { keys: new Set(env.entries.map((e) => e.key)), seed: env.summary.seed as number };
    };
    const a = await sampled('11');
    const again = await sampled('11');
    const b = await sampled('12');
    assert.equal(a.seed, 11);
    assert.deepEqual([...again.keys].sort(), [...a.keys].sort());
    const shared = [...b.keys].filter((k) => a.keys.has(k)).length;
    assert.ok(shared < 50, `seeds 11 and 12 share ${shared} of 100 keys`);
    // No seed given: one is drawn, and said.
    const drawn = await sampled();
    assert.ok(Number.isInteger(drawn.seed));
  });
});

describe('scan on a Redis Cluster', () => {
  const cluster = useSandbox({ postgres: true, standby: false, redis: false, redisCluster: 3 });

  it('finds every master keys, and re-checks each on its own node', async () => {
    const sb = await cluster.ready();
    await sb.primary!.sql(`CREATE TABLE carts (id bigint PRIMARY KEY, version int NOT NULL);
      INSERT INTO carts SELECT g, 2 FROM generate_series(1, 300) g;`);
    const { Cluster } = await import('ioredis');
    const c = new Cluster([{ host: '127.0.0.1', port: sb.clusterNodes[0]!.port }]);
    try {
      for (let i = 1; i <= 300; i += 1) await c.set(`cart:${i}`, JSON.stringify({ version: i % 7 === 0 ? 1 : 2 }), 'EX', 600);
      // Which master holds which stale key: every master must hold some for the test to mean anything.
      const owners = await Promise.all(c.nodes('master').map(async (n) => (await n.keys('cart:*')).filter((k) => Number(k.split(':')[1]) % 7 === 0).length));
      assert.ok(
        owners.every((n) => n > 0),
        `stale keys per master: ${owners.join(', ')}`,
      );
    } finally {
      c.disconnect();
    }
    const { env } = await runInProcess<ScanData>(
      'scan',
      { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true },
      { key: 'cart:{id}', table: 'carts', grace: '200ms' },
    );
    assert.equal(env.summary.sampled, 300);
    assert.equal(env.summary.stale, 42);
    assert.deepEqual(
      env.entries.map((e) => Number(e.key.split(':')[1])).sort((a, b) => a - b),
      Array.from({ length: 42 }, (_, i) => (i + 1) * 7),
    );
  });
});

describe('scan fixes that review found', () => {
  before(async () => {
    const sb = await ready();
    await sb.primary!.sql(`
      CREATE EXTENSION IF NOT EXISTS citext;
      CREATE TABLE prices (id numeric(10,2) PRIMARY KEY, version int NOT NULL, valid_until timestamptz NOT NULL, active boolean NOT NULL);
      INSERT INTO prices VALUES (2, 1, '2025-01-01 10:00:00.123456+00', false), (3, 1, '2025-01-01 10:00:00+00', true);
      CREATE TABLE members (email citext PRIMARY KEY, version int NOT NULL);
      INSERT INTO members VALUES ('Ann@Example.com', 4);
      CREATE TABLE blobs (id int PRIMARY KEY, version int NOT NULL);
      INSERT INTO blobs SELECT g, 1 FROM generate_series(1, 12) g;`);
    await redis.hset('price:2', { version: '1', valid_until: '2025-01-01T10:00:00.123Z', active: '0' });
    await redis.hset('price:3', { version: '1', valid_until: '2025-01-01T10:00:01Z', active: '1' });
    await redis.set('member:ann@example.com', JSON.stringify({ version: 4 }));
    await redis.set('member:ann@example.com:prefs', JSON.stringify({ theme: 'dark' }));
    // Twelve values of 1 MiB: more than one read call's byte budget.
    for (let i = 1; i <= 12; i += 1) await redis.set(`blob:${i}`, JSON.stringify({ version: 1, pad: 'x'.repeat(1024 * 1024 - 30) }));
  });

  it('matches numeric and citext keys to their rows, and compares timestamp and boolean fields by meaning', async () => {
    const prices = await scan({ key: 'price:{id}', table: 'prices', compare: 'valid_until,active' });
    assert.deepEqual(
      kindsOf(prices).filter((k) => k !== 'no-ttl'),
      ['version-not-bumped price:3'],
    );
    assert.match(
      String(prices.findings.find((f) => f.key === 'price:3')?.detail),
      /valid_until \(cache "2025-01-01T10:00:01Z", primary 2025-01-01T10:00:00\.000000Z\) differs/,
    );
    const members = await scan({ key: 'member:{email}', table: 'members' });
    assert.deepEqual([members.summary.fresh, members.summary.orphan, members.summary.unmatched], [1, 0, 1]);
  });

  it('reads values bigger than one call may gather, all of them', async () => {
    const env = await scan({ key: 'blob:{id}', table: 'blobs', maxValueBytes: '2MiB' });
    assert.deepEqual([env.summary.sampled, env.summary.fresh, env.summary.oversized], [12, 12, 0]);
  });

  it('re-checks every wrong entry only after its own grace period, not the oldest one', async () => {
    const sb = sandbox();
    await sb.primary!.sql(`CREATE TABLE slow (id int PRIMARY KEY, version int NOT NULL);
      INSERT INTO slow SELECT g, 2 FROM generate_series(1, 30) g;`);
    const p = redis.pipeline();
    for (let i = 1; i <= 30; i += 1) p.set(`slow:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
    await p.exec();
    const [mapping] = resolveMappings([], { key: 'slow:{id}', table: 'slow' }, 'test');
    const db = await connectPg({ url: sb.primaryUrl, flag: '--pg', timeoutMs: 5000 });
    const pool = new PgPool([db]);
    try {
      const scan = new MappingScan(
        mapping!,
        await readTableShape(db, mapping!),
        pool,
        [redis],
        { maxValueBytes: 1 << 20, graceMs: 800, maxListed: 100, redisFlag: '--redis', timeoutMs: 5000 },
        () => new Date(),
      );
      // Record when each key is first seen (scan steps) and when it is read again (re-checks).
      const firstSeen = new Map<string, number>();
      const reread = new Map<string, number>();
      const reader = scan.readers[0]!;
      const step = reader.scanStep.bind(reader);
      reader.scanStep = async (...a) => {
        const r = await step(...a);
        for (const e of r.entries) if (!firstSeen.has(e.read.key)) firstSeen.set(e.read.key, performance.now());
        return r;
      };
      const read = reader.read.bind(reader);
      reader.read = async (keys) => {
        for (const k of keys) reread.set(k.toString(), performance.now());
        return read(keys);
      };
      // 20 keys a second: the last stale key is seen about 1.5 s after the first.
      const signal = new AbortController().signal;
      await walkMapping(
        scan,
        { sample: null, rate: 20, count: 1000, concurrency: 3, failoverWaitMs: 0, starts: null },
        { started: Date.now(), read: 0 },
        signal,
        () => {},
      );
      await scan.settle(signal, () => {});
      assert.equal(reread.size, 30);
      for (const [key, at] of reread)
        assert.ok(at - firstSeen.get(key)! >= 800 - 5, `${key} re-read ${Math.round(at - firstSeen.get(key)!)} ms after it was seen`);
      assert.equal(scan.tally.counts.stale, 30);
    } finally {
      await pool.close();
    }
  });
});

describe('scan refuses to mislead', () => {
  before(async () => {
    const sb = await ready();
    await sb.primary!.sql(`CREATE TABLE many (id int PRIMARY KEY, version int NOT NULL, price numeric(10,2) NOT NULL DEFAULT 1);
      INSERT INTO many SELECT g, 2 FROM generate_series(1, 60) g;
      CREATE TABLE bigs (id int PRIMARY KEY, version int NOT NULL); INSERT INTO bigs VALUES (1, 1), (2, 1);`);
    const p = redis.pipeline();
    for (let i = 1; i <= 60; i += 1) p.set(`many:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
    p.set('bigs:1', JSON.stringify({ version: 1, pad: 'x'.repeat(5000) }));
    p.set('bigs:2', JSON.stringify({ version: 1, pad: 'x'.repeat(5000) }));
    await p.exec();
    await sb.waitForCatchUp();
  });

  it('refuses a standby as --pg (exit 2): compared with it, a correct entry would look ahead', async () => {
    const sb = sandbox();
    await assert.rejects(
      scan({ key: 'many:{id}', table: 'many' }, { pg: sb.standbyUrl }),
      (e: unknown) => e instanceof UsageError && /is a standby \(in recovery\), not the primary/.test(e.message),
    );
  });

  it('counts every wrong entry by severity, not only the listed ones', async () => {
    const env = await scan({ key: 'many:{id}', table: 'many', maxListed: '10' });
    assert.equal(env.entries.length, 10);
    assert.deepEqual([env.summary.stale, env.summary.critical], [60, 60]);
  });

  it('says why nothing was compared when every value was too big, and how to fix it', async () => {
    const env = await scan({ key: 'bigs:{id}', table: 'bigs', maxValueBytes: '1024' });
    const f = env.findings.find((x) => x.kind === 'no-keys');
    assert.match(f?.message ?? '', /compared nothing: of 2 keys sampled, 2 oversized/);
    assert.match(String(f?.fix), /--max-value-bytes/);
    assert.equal(env.exitCode, 1);
  });

  it('rejects a version column that is not a whole number', async () => {
    await assert.rejects(
      scan({ key: 'many:{id}', table: 'many', versionColumn: 'price' }),
      (e: unknown) => e instanceof ConfigError && /version column price has type numeric\(10,2\)/.test(e.message),
    );
  });

  it('names a --replica it could not ask, instead of blaming no replica by silence', async () => {
    const env = await scan({ key: 'many:{id}', table: 'many', replicas: true }, { replica: ['postgres://nobody@127.0.0.1:1/x'] });
    assert.match(env.findings.find((f) => f.kind === 'source-failed')?.message ?? '', /--replicas: cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
  });

  it('refuses a Redis database that does not exist, instead of scanning database 0', async () => {
    const sb = sandbox();
    await assert.rejects(
      scan({ key: 'many:{id}', table: 'many' }, { redis: `${sb.redisUrl}/99` }),
      (e: unknown) => e instanceof SourceError && /database number in the URL does not exist/.test(e.message),
    );
    await assert.rejects(
      scan({ key: 'many:{id}', table: 'many' }, { redis: `${sb.redisUrl}/abc` }),
      (e: unknown) => e instanceof UsageError && /must be a number/.test(e.message),
    );
  });

  it('Ctrl-C before any key is compared is an interruption, not a clean report', async () => {
    const sb = sandbox();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      runInProcess<ScanData>('scan', { redis: sb.redisUrl, pg: sb.primaryUrl }, { key: 'many:{id}', table: 'many' }, controller.signal),
      (e: unknown) => e instanceof InterruptedError,
    );
  });
});
