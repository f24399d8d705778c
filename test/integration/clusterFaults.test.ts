// scan on a Redis Cluster that changes under it: slots migrating to another master mid-scan (no key missed or
// counted twice, re-checks follow the key to its new owner), and a master down (the others are read; its keys
// are reported as not scanned, exit 3).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { runScan } from '../../src/commands/scan.js';
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

async function nodeId(port: number): Promise<string> {
  const r = new Redis({ host: '127.0.0.1', port });
  try {
    return String(await r.call('CLUSTER', 'MYID'));
  } finally {
    r.disconnect();
  }
}

describe('scan on a changing Redis Cluster', () => {
  it('slots migrating mid-scan: every key compared exactly once, the stale ones found, the run complete', async () => {
    await seed();
    const sb = sandbox();
    const [a, b] = [sb.clusterNodes[0]!.port, sb.clusterNodes[1]!.port];
    const pending = runInProcess<ScanData>(runScan, { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true }, { key: 'cart:{id}', table: 'carts', all: true, rate: '600', grace: '300ms' });
    await new Promise((r) => setTimeout(r, 1500));
    // 2,000 of node A's slots, with their keys, to node B, while the scan walks.
    execFileSync(findBinary('redis-cli'), ['--cluster', 'reshard', `127.0.0.1:${a}`, '--cluster-from', await nodeId(a), '--cluster-to', await nodeId(b), '--cluster-slots', '2000', '--cluster-yes', '--cluster-pipeline', '50'], { stdio: 'ignore' });
    const { env } = await pending;
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    assert.equal(env.summary.sampled, KEYS, 'every key once');
    assert.equal(env.summary.stale, KEYS / 100);
    assert.equal(env.summary.unconfirmed, 0);
    assert.equal(env.complete, true);
    assert.equal(env.exitCode, 1);
  });

  it('a master down: the others are read, its keys are reported as not scanned, exit 3 (last: it stops a master)', async () => {
    await seed();
    const sb = sandbox();
    const down = sb.clusterNodes[2]!;
    const sizes = await Promise.all(sb.clusterNodes.map(async (n) => {
      const r = new Redis({ host: '127.0.0.1', port: n.port });
      const size = Number(await r.dbsize());
      r.disconnect();
      return size;
    }));
    await down.stop();
    // Long enough for the others to mark it failed (cluster-node-timeout is 2 s here): the cluster is then "fail".
    await new Promise((r) => setTimeout(r, 4000));
    const { env } = await runInProcess<ScanData>(runScan, { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true, timeout: '1500' }, { key: 'cart:{id}', table: 'carts', all: true, grace: '0s' });
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
