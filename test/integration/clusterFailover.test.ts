// scan on a Redis Cluster whose master fails over mid-scan (its replica takes over, CLUSTER FAILOVER): the new
// master is read for the slots it took, every key is compared exactly once, re-checks follow the keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ScanData } from '../../src/core/scan/scanReport.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ redis: false, standby: false, redisCluster: 3, redisClusterReplicas: 1 });
const KEYS = 3000;

async function call(port: number, ...args: string[]): Promise<string> {
  const r = new Redis({ host: '127.0.0.1', port });
  try {
    return String(await r.call(args[0]!, ...args.slice(1)));
  } finally {
    r.disconnect();
  }
}

describe('scan across a cluster failover', () => {
  it('a master failing over mid-scan: every key compared once, the stale ones confirmed, nothing reported unscanned', async () => {
    const sb = await sandbox.ready();
    await sb.primary!.sql(`CREATE TABLE carts (id int PRIMARY KEY, version int NOT NULL); INSERT INTO carts SELECT g, 2 FROM generate_series(1, ${KEYS}) g;
      CREATE TABLE users (id int PRIMARY KEY, version int NOT NULL); INSERT INTO users SELECT g, 2 FROM generate_series(1, ${KEYS}) g`);
    const { Cluster } = await import('ioredis');
    const c = new Cluster([{ host: '127.0.0.1', port: sb.clusterNodes[0]!.port }]);
    for (let id = 1; id <= KEYS; id += 1) {
      await c.set(`cart:${id}`, JSON.stringify({ version: id % 100 === 0 ? 1 : 2 }), 'EX', 600);
      await c.set(`user:${id}`, JSON.stringify({ version: 2 }), 'EX', 600);
    }
    c.disconnect();
    // The replica of the first master, from the cluster's own view.
    const masterId = await call(sb.clusterNodes[0]!.port, 'CLUSTER', 'MYID');
    const nodes = await call(sb.clusterNodes[0]!.port, 'CLUSTER', 'NODES');
    const replicaLine = nodes.split('\n').find((l) => l.includes(` ${masterId}`) && / (slave|replica) /.test(l))!;
    const replicaPort = Number(/:(\d+)@/.exec(replicaLine)![1]);

    // Two mappings: the failover happens during the first; the second must read the promoted master too.
    const config = {
      path: null,
      config: {
        mappings: [
          { name: 'carts', key: 'cart:{id}', table: 'carts' },
          { name: 'users', key: 'user:{id}', table: 'users' },
        ],
      },
    };
    const pending = runInProcess<ScanData>(
      'scan',
      { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true },
      { all: true, rate: '600', grace: '300ms' },
      undefined,
      config,
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await call(replicaPort, 'CLUSTER', 'FAILOVER'), 'OK');
    const { env } = await pending;
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    assert.equal(env.summary.sampled, 2 * KEYS, 'every key of both mappings once');
    assert.deepEqual(
      env.mappings.map((m) => [m.mapping, m.sampled]),
      [
        ['carts', KEYS],
        ['users', KEYS],
      ],
    );
    assert.equal(env.summary.stale, KEYS / 100);
    assert.equal(env.summary.unconfirmed, 0);
    assert.deepEqual(
      env.findings.filter((f) => f.kind === 'node-not-scanned'),
      [],
    );
    assert.equal(env.complete, true);
    assert.equal(env.exitCode, 1);
    // The failover happened: the old replica is a master now.
    assert.match(await call(replicaPort, 'ROLE'), /^master/);
  });
});
