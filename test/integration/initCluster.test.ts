// init on a Redis Cluster of three masters: key names are sampled on every master (each its share), values are read
// on their key's master, and scan run with no mapping discovers the same mapping and finds the stale keys on all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import type { InitData } from '../../src/core/discover/initData.js';
import type { ScanData } from '../../src/core/scan/scanReport.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

describe('init on a Redis Cluster', () => {
  const sandbox = useSandbox({ postgres: true, standby: false, redis: false, redisCluster: 3 });

  it('samples every master, maps the family read across them, and scan with no mapping finds its stale keys', async () => {
    const sb = await sandbox.ready();
    await sb.primary!.sql(
      'CREATE TABLE widgets (id bigint PRIMARY KEY, label text NOT NULL, version int NOT NULL); INSERT INTO widgets SELECT g, $$w$$ || g, 2 FROM generate_series(1, 90) g',
    );
    const c = new Cluster([{ host: '127.0.0.1', port: sb.clusterNodes[0]!.port }]);
    try {
      // Widgets 1-6 stale (version 1 < 2); sessions belong to no table.
      for (let i = 1; i <= 90; i += 1) await c.set(`widget:${i}`, JSON.stringify({ id: i, label: `w${i}`, version: i <= 6 ? 1 : 2 }));
      for (let i = 1; i <= 30; i += 1) await c.set(`sess:${(i * 7919).toString(16)}ab${i}zz`, '{"u":1}');
      const masters = c.nodes('master');
      const perMaster = await Promise.all(masters.map(async (n) => Number(await n.dbsize())));
      assert.ok(
        perMaster.every((n) => n > 0),
        `keys per master: ${perMaster.join(', ')}`,
      );

      const flags = { redis: sb.redisClusterUrl, pg: sb.primaryUrl, redisCluster: true };
      const { env } = await runInProcess<InitData>('init', flags, { sample: '60' });
      assertMatchesSchema(JSON.parse(JSON.stringify(env)));
      assert.equal(env.sampled.masters, 3);
      assert.equal(env.sampled.keyspace, 120);
      // Each master gives its share (20), or all it has when it holds fewer.
      assert.equal(
        env.sampled.keys,
        perMaster.reduce((n, k) => n + Math.min(20, k), 0),
      );
      const widget = env.proposals.find((p) => p.template === 'widget:{id}');
      assert.ok(widget, JSON.stringify(env.proposals.map((p) => p.template)));
      assert.equal(widget.confidence, 'high', widget.reasons.join('; '));
      // Values read on their own master: every sampled id decoded and looked up.
      assert.equal(widget.rows.found, widget.rows.checked);
      assert.deepEqual(widget.mapping?.version, { field: 'version', column: 'version', kind: 'counter' });

      const scan = await runInProcess<ScanData>('scan', flags, { all: true, grace: '0ms' });
      assert.deepEqual(
        scan.env.discovered?.map((m) => m.key),
        ['widget:{id}'],
      );
      assert.match(scan.captured.stderr, /cachedoctor: scan: no mappings given; discovered 1 mapping with high confidence: widget:\{id\} -> public\.widgets/);
      const stale = scan.env.findings
        .filter((f) => f.kind === 'stale')
        .map((f) => f.key)
        .sort();
      assert.deepEqual(stale, ['widget:1', 'widget:2', 'widget:3', 'widget:4', 'widget:5', 'widget:6']);
    } finally {
      c.disconnect();
    }
  });
});
