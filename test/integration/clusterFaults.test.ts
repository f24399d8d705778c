// scan on a Redis Cluster that changes under it: slots migrating to another master mid-scan (no key missed or
// counted twice, re-checks follow the key to its new owner), and a master down (the others are read; its keys
// are reported as not scanned, exit 3).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { keySlot } from '../../src/core/clusterSlot.js';
import type { ScanData } from '../../src/core/scan/scanReport.js';
import { findBinary } from '../../src/sandbox/binaries.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ redis: false, standby: false, redisCluster: 3 });
const KEYS = 3000;

async function seed(): Promise<void> {
  const sb = await sandbox.ready();
  await sb.primary!.sql(`CREATE TABLE IF NOT EXISTS carts (id int PRIMARY KEY, version int NOT NULL); TRUNCATE carts;
    INSERT INTO carts SELECT g, 2 FROM generate_series(1, ${KEYS}) g`);
  const { Cluster } = await import('ioredis');
  const c = new Cluster([{ host: '127.0.0.1', port: sb.clusterNodes[0]!.port }]);
  // Every hundredth entry is stale.
  for (let id = 1; id <= KEYS; id += 1) await c.set(`cart:${id}`, JSON.stringify({ version: id % 100 === 0 ? 1 : 2 }), 'EX', 600);
  c.disconnect();
}

async function call(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({ host: '127.0.0.1', port });
  try {
    return await r.call(args[0]!, ...args.slice(1));
  } finally {
    r.disconnect();
  }
}

async function nodeId(port: number): Promise<string> {
  const r = new Redis({ host: '127.0.0.1', port });
  try {
    return String(await r.call('CLUSTER', 'MYID'));
  } finally {
    r.disconnect();
  }
}

describe('scan on a changing Redis Cluster', () => {
  it('computes the same hash slots as the cluster (CLUSTER KEYSLOT), hash tags and binary keys included', async () => {
    const sb = await sandbox.ready();
    const r = new Redis({ host: '127.0.0.1', port: sb.clusterNodes[0]!.port });
    try {
      const keys = [...Array.from({ length: 200 }, (_, i) => `cart:${i * 7919}`), '{user1}.a', 'x{}y', 'a{b}c{d}', 'caf\u00e9', '\u0000\u00ff'];
      for (const k of keys) assert.equal(keySlot(Buffer.from(k, 'utf8')), Number(await r.call('CLUSTER', 'KEYSLOT', k)), k);
    } finally {
      r.disconnect();
    }
  });

  it('slots migrating mid-scan: every key compared exactly once, the stale ones found, the run complete', async () => {
    await seed();
    const sb = sandbox();
    const [a, b] = [sb.clusterNodes[0]!.port, sb.clusterNodes[1]!.port];
    const pending = runInProcess<ScanData>(
      'scan',
      { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true },
      { key: 'cart:{id}', table: 'carts', all: true, rate: '600', grace: '300ms' },
    );
    await new Promise((r) => setTimeout(r, 1500));
    // 2,000 of node A's slots, with their keys, to node B, while the scan walks.
    execFileSync(
      findBinary('redis-cli'),
      [
        '--cluster',
        'reshard',
        `127.0.0.1:${a}`,
        '--cluster-from',
        await nodeId(a),
        '--cluster-to',
        await nodeId(b),
        '--cluster-slots',
        '2000',
        '--cluster-yes',
        '--cluster-pipeline',
        '50',
      ],
      { stdio: 'ignore' },
    );
    const { env } = await pending;
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    assert.equal(env.summary.sampled, KEYS, 'every key once');
    assert.equal(env.summary.stale, KEYS / 100);
    assert.equal(env.summary.unconfirmed, 0);
    assert.equal(env.complete, true);
    assert.equal(env.exitCode, 1);
  });

  it('a slot left half-migrated: no master is dropped, keys no master serves are counted as mid-migration', async () => {
    await seed();
    const sb = sandbox();
    const [a, b] = [sb.clusterNodes[0]!.port, sb.clusterNodes[1]!.port];
    // The fullest slot on A, half of its keys moved to B, the migration left unfinished.
    const owned = (await call(a, 'CLUSTER', 'SLOTS')) as unknown as [number, number, [string, number]][];
    const mine = owned.filter(([, , [, port]]) => port === a);
    let slot = -1;
    let most = 0;
    for (const [start, end] of mine)
      for (let sl = start; sl <= end; sl += 1) {
        const n = Number(await call(a, 'CLUSTER', 'COUNTKEYSINSLOT', String(sl)));
        if (n > most) [slot, most] = [sl, n];
      }
    const keys = (await call(a, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '100')) as unknown as string[];
    await call(b, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', await nodeId(a));
    await call(a, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', await nodeId(b));
    const moved = keys.slice(0, Math.ceil(keys.length / 2));
    await call(a, 'MIGRATE', '127.0.0.1', String(b), '', '0', '5000', 'KEYS', ...moved);
    try {
      const { env } = await runInProcess<ScanData>(
        'scan',
        { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true, timeout: '1500ms' },
        { key: 'cart:{id}', table: 'carts', all: true, grace: '0s' },
      );
      assertMatchesSchema(JSON.parse(JSON.stringify(env)));
      assert.deepEqual(
        env.findings.filter((f) => f.kind === 'node-not-scanned'),
        [],
      );
      assert.equal(env.summary.sampled, KEYS - moved.length);
      assert.equal(env.findings.find((f) => f.kind === 'keys-mid-migration')?.count, moved.length);
      assert.equal(env.complete, true);
    } finally {
      // Finish the migration, so the next test starts from a whole cluster.
      const rest = keys.slice(moved.length);
      if (rest.length) await call(a, 'MIGRATE', '127.0.0.1', String(b), '', '0', '5000', 'KEYS', ...rest);
      for (const n of sb.clusterNodes) await call(n.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', await nodeId(b));
    }
  });

  it('a slot moved during the grace wait: its stale entries are re-checked on the new owner, none left unconfirmed', async () => {
    await seed();
    const sb = sandbox();
    const [a, c] = [sb.clusterNodes[0]!.port, sb.clusterNodes[2]!.port];
    const pending = runInProcess<ScanData>(
      'scan',
      { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true },
      { key: 'cart:{id}', table: 'carts', all: true, grace: '4s' },
    );
    await new Promise((r) => setTimeout(r, 1500));
    // A slot of A holding a stale entry (every hundredth is), moved whole to C while the scan waits to re-check.
    let slot = -1;
    for (let id = 100; id <= KEYS && slot === -1; id += 100) {
      const sl = keySlot(Buffer.from(`cart:${id}`));
      if (Number(await call(a, 'CLUSTER', 'COUNTKEYSINSLOT', String(sl))) > 0) slot = sl;
    }
    const keys = (await call(a, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '1000')) as unknown as string[];
    await call(c, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', await nodeId(a));
    await call(a, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', await nodeId(c));
    await call(a, 'MIGRATE', '127.0.0.1', String(c), '', '0', '5000', 'KEYS', ...keys);
    for (const n of sb.clusterNodes) await call(n.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', await nodeId(c));
    const { env } = await pending;
    assert.equal(env.summary.stale, KEYS / 100);
    assert.equal(env.summary.unconfirmed, 0);
    assert.equal(env.complete, true);
  });

  it('a master down: the others are read, its keys are reported as not scanned, exit 3 (last: it stops a master)', async () => {
    await seed();
    const sb = sandbox();
    const down = sb.clusterNodes[2]!;
    const sizes = await Promise.all(
      sb.clusterNodes.map(async (n) => {
        const r = new Redis({ host: '127.0.0.1', port: n.port });
        const size = Number(await r.dbsize());
        r.disconnect();
        return size;
      }),
    );
    await down.stop();
    // Long enough for the others to mark it failed (cluster-node-timeout is 2 s here): the cluster is then "fail".
    await new Promise((r) => setTimeout(r, 4000));
    const { env } = await runInProcess<ScanData>(
      'scan',
      { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true, timeout: '1500ms' },
      { key: 'cart:{id}', table: 'carts', all: true, grace: '0s' },
    );
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    assert.equal(env.exitCode, 3);
    assert.equal(env.complete, false);
    assert.equal(env.summary.sampled, sizes[0]! + sizes[1]!);
    const lost = env.findings.filter((f) => f.kind === 'node-not-scanned');
    assert.equal(lost.length, 1);
    assert.match(lost[0]!.message, new RegExp(`127\\.0\\.0\\.1:${down.port} could not be read`));
    assert.match(env.error?.message ?? '', /1 cluster master could not be read/);
  });
});
