// A Redis Cluster over TLS that announces its nodes by IP while its certificate names only localhost (the usual
// shared cluster certificate): scan, monitor and report reach every node with the CA trusted, and nothing else.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox({ tls: true, redisCluster: 3, redis: false, standby: false });

describe('Redis Cluster over TLS', () => {
  before(async () => {
    const sb = await sandbox.ready();
    await sb.primary!.sql('CREATE TABLE t (id int PRIMARY KEY, version int NOT NULL); INSERT INTO t SELECT g, 1 FROM generate_series(1, 60) g');
    const c = new Cluster([{ host: '127.0.0.1', port: sb.clusterNodes[0]!.port }]);
    for (let id = 1; id <= 60; id += 1) await c.set(`t:${id}`, JSON.stringify({ version: 1 }), 'EX', 600);
    c.disconnect();
  });

  it('scans every master and monitors them all, accepting the cluster certificate for nodes announced by IP', async () => {
    const sb = sandbox();
    const env = { NODE_EXTRA_CA_CERTS: sb.certs!.ca };
    const map = ['--key', 't:{id}', '--table', 't'];
    const scan = await runCli(['scan', '--redis', sb.redisClusterTlsUrl, '--redis-cluster', '--pg', sb.primaryUrl, ...map, '--json'], { env });
    assert.equal(scan.code, 0, scan.stderr);
    assert.equal(parseJson<{ summary: { fresh: number } }>(scan).summary.fresh, 60);
    const monitor = await runCli(['monitor', '--redis', sb.redisClusterTlsUrl, '--redis-cluster', ...map, '--duration', '500ms', '--json'], { env });
    assert.match(monitor.stderr, /watching 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ for/);
    assert.equal(parseJson<{ complete: boolean }>(monitor).complete, true, monitor.stderr);
    // Without the CA trusted, the certificate is still checked: one line, the way out.
    const untrusted = await runCli(['scan', '--redis', sb.redisClusterTlsUrl, '--redis-cluster', '--pg', sb.primaryUrl, ...map, '--timeout', '2s']);
    assert.equal(untrusted.code, 3, untrusted.stderr);
    assert.match(untrusted.stderr, /NODE_EXTRA_CA_CERTS/);
  });
});
