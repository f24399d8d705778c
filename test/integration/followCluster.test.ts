// follow on a Redis Cluster of three masters: every write is read on its key's master, and tracking runs on each
// master (redirected on the same node), so a refill on any of them is seen; nothing is left tracking afterwards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import type { FollowData } from '../../src/core/follow/followData.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

describe('follow on a Redis Cluster', () => {
  const sandbox = useSandbox({ postgres: true, standby: false, redis: false, redisCluster: 3 });

  it("classifies each write on its key's master: never invalidated, refilled with the old row, converged", async () => {
    const sb = await sandbox.ready();
    await sb.primary!.sql('CREATE TABLE carts (id bigint PRIMARY KEY, version int NOT NULL); INSERT INTO carts SELECT g, 1 FROM generate_series(1, 60) g');
    const c = new Cluster([{ host: '127.0.0.1', port: sb.clusterNodes[0]!.port }]);
    try {
      for (let i = 1; i <= 60; i += 1) await c.set(`cart:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
      const pending = runInProcess<FollowData>(
        'follow',
        { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true },
        { key: 'cart:{id}', table: 'carts', duration: '2500ms', grace: '300ms' },
      );
      for (let i = 0; i < 100; i += 1) {
        const [row] = await sb.primary!.sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'cachedoctor_%'");
        if (row!.n > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 1; i <= 60; i += 1) {
        await sb.primary!.sql(`UPDATE carts SET version = 2 WHERE id = ${i}`);
        // Every fifth write forgets the DEL; every fifth after it is refilled with the old row after the DEL.
        if (i % 5 === 0) continue;
        await c.del(`cart:${i}`);
        if (i % 5 === 1) await c.set(`cart:${i}`, JSON.stringify({ version: 1 }), 'EX', 600);
      }
      const { env } = await pending;
      assertMatchesSchema(JSON.parse(JSON.stringify(env)));
      const got = env.findings
        .filter((f) => f.kind === 'stale-after-write')
        .map((f) => `${f.key} ${f.class}`)
        .sort();
      const want = [
        ...Array.from({ length: 12 }, (_, k) => `cart:${(k + 1) * 5} not-invalidated`),
        ...Array.from({ length: 12 }, (_, k) => `cart:${k * 5 + 1} refilled-by-race`),
      ].sort();
      assert.deepEqual(got, want);
      assert.deepEqual([env.mappings[0]!.writes, env.mappings[0]!.checked, env.mappings[0]!.converged], [60, 60, 36]);
      // The keys of each kind live on every master, or the test would not show tracking on each.
      const masters = c.nodes('master');
      const holders = await Promise.all(masters.map(async (n) => (await n.keys('cart:*')).filter((k) => Number(k.split(':')[1]) % 5 <= 1).length));
      assert.ok(
        holders.every((n) => n > 0),
        `stale keys per master: ${holders.join(', ')}`,
      );
      for (const n of masters) assert.doesNotMatch(String(await n.call('CLIENT', 'LIST')), /flags=\S*t\S* /, 'a client still tracking');
    } finally {
      c.disconnect();
    }
  });
});
