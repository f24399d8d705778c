// The Redis adapter fails fast and plainly: refused, silent or wrong password, within the timeout and without secrets.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { SourceError, UsageError } from '../../src/errors.js';
import { connectRedis, connectRedisNodes } from '../../src/sources/redis/connect.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox({ postgres: false });

async function failure(url: string, timeoutMs = 1000): Promise<{ err: SourceError; ms: number }> {
  const started = Date.now();
  try {
    const r = await connectRedis({ url, flag: '--redis', timeoutMs });
    r.disconnect();
  } catch (err) {
    assert.ok(err instanceof SourceError, String(err));
    return { err, ms: Date.now() - started };
  }
  throw new Error('expected the connection to fail');
}

describe('connectRedis', () => {
  it('connects and answers', async () => {
    const r = await connectRedis({ url: sandbox().redisUrl, flag: '--redis', timeoutMs: 2000 });
    try {
      assert.equal(await r.ping(), 'PONG');
    } finally {
      r.disconnect();
    }
  });
  it('fails at once on a refused port, without the retry loop', async () => {
    const { err, ms } = await failure(`redis://127.0.0.1:${sandbox().redis!.port + 1}`);
    assert.match(err.line, /cannot connect to Redis at 127\.0\.0\.1:\d+: connection refused \(is the server running\? check --redis\)/);
    assert.ok(ms < 1000, `${ms} ms`);
  });
  it('with --redis-cluster, says why no node answered: refused, or a server that is not a cluster', async () => {
    const cluster = (url: string) => connectRedisNodes({ url, flag: '--redis', timeoutMs: 1000, cluster: true });
    await assert.rejects(cluster(`redis://127.0.0.1:${sandbox().redis!.port + 1}`), (err: SourceError) => /: connection refused \(/.test(err.line));
    await assert.rejects(cluster(sandbox().redisUrl), (err: SourceError) => /: it does not answer as a Redis Cluster \(drop --redis-cluster/.test(err.line));
  });
  it('gives up within the timeout on a server that never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { err, ms } = await failure(`redis://127.0.0.1:${(silent.address() as { port: number }).port}`, 800);
      assert.match(err.message, /no answer within 800 ms/);
      assert.ok(ms < 2000, `${ms} ms`);
    } finally {
      silent.close();
    }
  });
  it('says authentication failed on a wrong password, and never repeats it', async () => {
    const sb = sandbox();
    const admin = await connectRedis({ url: sb.redisUrl, flag: '--redis', timeoutMs: 2000 });
    await admin.config('SET', 'requirepass', 'right-pass');
    admin.disconnect();
    try {
      const { err } = await failure(`redis://:Wr0ng-Pass@127.0.0.1:${sb.redis!.port}`);
      assert.match(err.line, /authentication failed \(check the user and password in --redis\)/);
      assert.ok(!err.line.includes('Wr0ng-Pass'));
      const { err: none } = await failure(`redis://127.0.0.1:${sb.redis!.port}`);
      assert.match(none.line, /requires a password/);
    } finally {
      const again = await connectRedis({ url: `redis://:right-pass@127.0.0.1:${sb.redis!.port}`, flag: '--redis', timeoutMs: 2000 });
      await again.config('SET', 'requirepass', '');
      again.disconnect();
    }
  });
  it('rejects a URL that is not redis:// as a usage error', async () => {
    await assert.rejects(connectRedis({ url: 'http://x', flag: '--redis', timeoutMs: 100 }), UsageError);
  });
});
