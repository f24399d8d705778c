// follow on real servers (a primary with wal_level=logical, a streaming standby, Redis) and the demo's product
// service: a correct service gives no finding over thousands of writes; each failure mode gives its class, on
// exactly the keys written; nothing is left behind (no replication slot, no tracking client).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Envelope } from '../../src/core/envelope.js';
import type { FollowData } from '../../src/core/follow/followData.js';
import { INVALIDATION_CHANNEL, ProductService } from '../../src/sandbox/productService.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox();
let primary: pg.Client;
const services: ProductService[] = [];

before(async () => {
  const sb = await sandbox.ready();
  primary = new pg.Client({ connectionString: sb.primaryUrl });
  await primary.connect();
  await primary.query(`CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version int NOT NULL DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO products (id, price) SELECT g, 10 + g FROM generate_series(1, 500) g`);
  await sb.waitForCatchUp();
});

async function service(readFrom: 'primary' | 'standby', opts: { localCache?: boolean; subscribe?: boolean } = {}) {
  const sb = sandbox();
  const s = await ProductService.start(sb.redisUrl, readFrom === 'primary' ? sb.primaryUrl : sb.standbyUrl, opts);
  services.push(s);
  return s;
}

/** follow for `ms` while `traffic` runs (started once follow has opened its slot). */
async function followWhile(ms: number, traffic: () => Promise<void>, options: Record<string, unknown> = {}) {
  const sb = sandbox();
  const pending = runInProcess<FollowData>(
    'follow',
    { redis: sb.redisUrl, pg: sb.primaryUrl, replica: [sb.standbyUrl] },
    { key: 'product:{id}', table: 'products', duration: `${ms}ms`, grace: '500ms', ...options },
  );
  // The slot must exist before the writes: wait for it.
  for (let i = 0; i < 100; i += 1) {
    const { rows } = await primary.query("SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor_%'");
    if (rows[0].n > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await traffic();
  const { env } = await pending;
  assertMatchesSchema(JSON.parse(JSON.stringify(env)));
  return env;
}

const classes = (env: Envelope<FollowData>) =>
  env.findings
    .filter((f) => f.kind === 'stale-after-write')
    .map((f) => `${f.key} ${f.class}`)
    .sort();

describe('follow', () => {
  // Before the sandbox goes (its own hook runs after this suite's).
  after(async () => {
    for (const s of services) await s.stop().catch(() => {});
    await primary?.end();
  });

  it('a correct service (reads the primary, invalidates after each write, broadcasts): no finding over 2,000 writes', async () => {
    const web = await service('primary', { localCache: true, subscribe: true });
    for (let id = 1; id <= 500; id += 1) await web.get(id);
    const counter = new Redis(sandbox().redisUrl);
    let numsub: unknown = null;
    const env = await followWhile(
      4000,
      async () => {
        // follow hears the channel too, but is not an instance: the one subscriber counted is the service's.
        numsub = await counter.call('PUBSUB', 'NUMSUB', INVALIDATION_CHANNEL);
        for (let n = 0; n < 2000; n += 1) {
          const id = 1 + (n % 500);
          await web.updatePrice(primary, id, 100 + n, true);
          if (n % 3 === 0) await web.get(id);
        }
      },
      { channel: INVALIDATION_CHANNEL },
    );
    counter.disconnect();
    assert.deepEqual(numsub, [INVALIDATION_CHANNEL, 1]);
    assert.deepEqual(env.findings, []);
    const m = env.mappings[0]!;
    assert.equal(m.writes, 2000);
    assert.equal(m.checked + m.unchecked, 2000);
    assert.ok(m.checked >= 1990, `${m.checked} checked`);
    assert.equal(m.converged, m.checked);
    assert.equal(env.exitCode, 0);
    assert.ok(m.commitToInvalidatedMs !== null && m.commitToInvalidatedMs.median < 100, JSON.stringify(m.commitToInvalidatedMs));
  });

  it('each failure mode gets its class, on exactly the keys written, and missing broadcasts are found', async () => {
    const sb = sandbox();
    const web = await service('primary');
    const reports = await service('standby');
    for (let id = 1; id <= 60; id += 1) await web.get(id);
    await sb.waitForCatchUp();
    const env = await followWhile(
      3000,
      async () => {
        // A writer that forgets the DEL.
        for (const id of [1, 2, 3]) await primary.query('UPDATE products SET version = version + 1, updated_at = now() WHERE id = $1', [id]);
        // A reader racing the writer: it loaded the row before the write and fills after the invalidation, once every replica has it.
        for (const id of [11, 12]) {
          const before = await web.load(id);
          await web.updatePrice(primary, id, 999, true);
          await sb.waitForCatchUp();
          // Replicas are sampled every 50 ms: let follow see this one has the write.
          await new Promise((r) => setTimeout(r, 150));
          await web.fill(before);
        }
        // A cache miss served by a paused standby.
        await sb.pauseReplay();
        try {
          for (const id of [21, 22]) {
            await web.updatePrice(primary, id, 555, true);
            // A fill a millisecond after the commit is closer than the clocks can tell (uncertain, rightly): leave
            // a gap, as a real cache miss would have.
            await new Promise((r) => setTimeout(r, 30));
            await reports.get(id);
          }
          await new Promise((r) => setTimeout(r, 300));
        } finally {
          await sb.resumeReplay();
        }
        // A writer that invalidates but never broadcasts.
        await web.updatePrice(primary, 31, 777, false);
      },
      { channel: INVALIDATION_CHANNEL },
    );
    assert.deepEqual(classes(env), [
      'product:1 not-invalidated',
      'product:11 refilled-by-race',
      'product:12 refilled-by-race',
      'product:2 not-invalidated',
      'product:21 refilled-from-replica',
      'product:22 refilled-from-replica',
      'product:3 not-invalidated',
    ]);
    const fromReplica = env.findings.find((f) => f.key === 'product:21')!;
    assert.equal(fromReplica.replica, `127.0.0.1:${sb.standby!.port}`);
    assert.equal(fromReplica.severity, 'critical');
    assert.ok(env.findings.some((f) => f.kind === 'missing-broadcast' && f.key === 'product:31'));
    assert.equal(env.exitCode, 1);
    assert.equal(env.mappings[0]!.stale['not-invalidated'], 3);
  });

  it('FLUSHALL shows in the timeline (tracking names no key for it), beside the read made when the write was seen', async () => {
    const sb = sandbox();
    const web = await service('primary');
    await web.get(41);
    const { Redis } = await import('ioredis');
    const r = new Redis(sb.redisUrl);
    try {
      const env = await followWhile(2500, async () => {
        const before = await web.load(41);
        // A writer that forgets the DEL; someone flushes Redis; a reader that loaded the row before puts it back.
        await primary.query('UPDATE products SET version = version + 1 WHERE id = 41');
        await new Promise((res) => setTimeout(res, 150));
        await r.flushall();
        await web.fill(before);
      });
      assert.deepEqual(classes(env), ['product:41 refilled-by-race']);
      const events = (env.findings[0]!.timeline as { event: string }[]).map((e) => e.event);
      assert.ok(events.includes('Redis flushed (FLUSHALL/FLUSHDB)'), events.join(', '));
      assert.ok(
        events.some((e) => /^read when seen: version \d+$/.test(e)),
        events.join(', '),
      );
    } finally {
      r.disconnect();
    }
  });

  it('a delete of a row keyed by columns that are not its replica identity is counted (unkeyed), not dropped', async () => {
    await primary.query(`CREATE TABLE skus (id bigint PRIMARY KEY, sku text UNIQUE NOT NULL, version int NOT NULL DEFAULT 1);
      INSERT INTO skus (id, sku) VALUES (1, 'a-1'), (2, 'a-2')`);
    const env = await followWhile(
      1500,
      async () => {
        await primary.query("UPDATE skus SET version = 2 WHERE sku = 'a-1'");
        await primary.query('DELETE FROM skus WHERE id = 2');
      },
      { key: 'sku:{sku}', table: 'skus' },
    );
    const m = env.mappings[0]!;
    assert.deepEqual([m.writes, m.unkeyed, m.unchecked, m.checked], [2, 1, 1, 1]);
    assert.ok(
      env.notes.some((n) => /1 changes gave no cache key .*REPLICA IDENTITY FULL/.test(n)),
      env.notes.join('\n'),
    );
  });

  it('leaves nothing behind: no replication slot, no tracking client', async () => {
    const sb = sandbox();
    await followWhile(300, async () => {});
    const { rows } = await primary.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor_%'");
    assert.deepEqual(rows, []);
    const { Redis } = await import('ioredis');
    const r = new Redis(sb.redisUrl);
    try {
      const clients = String(await r.call('CLIENT', 'LIST'));
      assert.doesNotMatch(clients, /flags=\S*t\S* /, 'a client still tracking');
    } finally {
      r.disconnect();
    }
  });
});
