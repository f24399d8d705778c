// monitor against a real Redis: the live parser is byte-exact, the scenarios of the case study are found, and a
// saved capture gives the same findings as the live stream.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { MonitorData } from '../../src/core/monitor/monitorReport.js';
import { argBytes, parseMonitorLine } from '../../src/core/monitor/parseLine.js';
import { openMonitor } from '../../src/sources/redis/monitorStream.js';
import { ProductService } from '../../src/sandbox/productService.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ postgres: false });
const saved = join(tmpdir(), `cd-monitor-${process.pid}.log`);
after(() => rmSync(saved, { force: true }));

/** Runs the monitor for `ms` while `traffic` runs, after the feed is reliable (~150 ms, FACTS.md). */
async function watch(options: Record<string, unknown>, traffic: (r: Redis) => Promise<void>, ms = 1500) {
  const sb = sandbox();
  const pending = runInProcess<MonitorData>('monitor', { redis: sb.redisUrl }, { duration: `${ms}ms`, ...options });
  const r = new Redis(sb.redisUrl);
  try {
    await new Promise((res) => setTimeout(res, 400));
    await traffic(r);
  } finally {
    r.disconnect();
  }
  const { env } = await pending;
  assertMatchesSchema(JSON.parse(JSON.stringify(env)));
  return env;
}

const v = (n: number) => JSON.stringify({ version: n });
const kinds = (env: { findings: { kind: string; key?: unknown }[] }) => env.findings.map((f) => `${f.kind} ${String(f.key ?? '')}`.trim()).sort();

describe('live MONITOR', () => {
  it('returns every byte string sent with SET byte for byte (random bytes, 300 values)', async () => {
    const sb = sandbox();
    const monitor = await openMonitor({ url: sb.redisUrl, flag: '--redis', timeoutMs: 2000, maxLineChars: 1 << 20 });
    const controller = new AbortController();
    const r = new Redis(sb.redisUrl);
    const sent = new Map<string, Buffer>();
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const got = new Map<string, Buffer>();
    const reading = (async () => {
      for await (const line of monitor.lines(controller.signal)) {
        const e = parseMonitorLine(line);
        if (e && e.args[0]!.toLowerCase() === 'set' && e.args[1]!.startsWith('prop:')) got.set(e.args[1]!, argBytes(e.args[2]!));
        if (got.size === 300) break;
      }
    })();
    try {
      await new Promise((res) => setTimeout(res, 200));
      for (let i = 0; i < 300; i += 1) {
        const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
        sent.set(`prop:${i}`, bytes);
        await r.set(`prop:${i}`, bytes);
      }
      await Promise.race([reading, new Promise((res) => setTimeout(res, 5000))]);
    } finally {
      controller.abort();
      monitor.close();
      r.disconnect();
    }
    assert.equal(got.size, 300);
    for (const [k, b] of sent) assert.deepEqual(got.get(k), b, k);
  });

  it('finds nothing in a correct flow', async () => {
    const env = await watch({ match: 'ok:*', channel: 'inv' }, async (r) => {
      await r.set('ok:1', v(1), 'EX', 60);
      await r.del('ok:1');
      await r.publish('inv', 'ok:1');
      await r.get('ok:1');
      await r.set('ok:1', v(2), 'EX', 60);
    });
    assert.deepEqual(env.findings, []);
    assert.equal(env.exitCode, 0);
  });

  it('finds a stale fill, concurrent fills, a missing broadcast and a fill without TTL; the saved capture says the same', async () => {
    const env = await watch({ match: 'product:*', channel: 'inv', save: saved }, async (r) => {
      const other = r.duplicate();
      try {
        await r.set('product:1', v(5), 'EX', 60);
        await r.del('product:1');
        await r.publish('inv', 'product:1');
        await r.set('product:1', v(4), 'EX', 60); // an older row written back: stale-fill
        await r.del('product:2'); // never broadcast: missing-broadcast
        await r.set('product:2', v(3), 'EX', 60);
        await other.set('product:2', v(3), 'EX', 60); // a second client within the race window: concurrent-fill
        await r.set('product:3', v(1)); // no TTL: fill-without-ttl
      } finally {
        other.disconnect();
      }
    });
    assert.deepEqual(kinds(env), ['concurrent-fill product:2', 'fill-without-ttl product:3', 'missing-broadcast product:2', 'stale-fill product:1']);
    assert.equal(env.exitCode, 1);
    const again = await runInProcess<MonitorData>('monitor', {}, { input: saved, match: 'product:*', channel: 'inv' });
    assert.deepEqual(kinds(again.env), kinds(env));
  });
});

describe('live MONITOR and the invalidation channel', () => {
  it('counts sharded subscribers (SSUBSCRIBE) with the others: --expect-subscribers 2 is met by one of each', async () => {
    const sb = sandbox();
    const plain = new Redis(sb.redisUrl);
    const sharded = new Redis(sb.redisUrl);
    try {
      await plain.subscribe('inv');
      await sharded.ssubscribe('inv');
      const env = await watch({ match: 'product:*', channel: 'inv', expectSubscribers: '2' }, async (r) => {
        await r.set('product:1', v(1), 'EX', 60);
      });
      assert.deepEqual(
        env.findings.filter((f) => f.kind === 'missing-subscribers'),
        [],
      );
      const short = await watch({ match: 'product:*', channel: 'inv', expectSubscribers: '3' }, async (r) => {
        await r.set('product:1', v(1), 'EX', 60);
      });
      assert.match(String(short.findings.find((f) => f.kind === 'missing-subscribers')?.message), /has 2 subscriber\(s\), expected 3/);
    } finally {
      plain.disconnect();
      sharded.disconnect();
    }
  });
});

describe('live MONITOR with --save on a disk in trouble', () => {
  it('a write that fails (no space left) stops the watch with the reason, instead of a stack trace', async () => {
    const env = await watch({ match: 'product:*', save: '/dev/full' }, async (r) => {
      for (let i = 0; i < 50; i += 1) await r.set(`product:${i}`, v(1), 'EX', 60);
    });
    const stopped = env.findings.find((f) => f.kind === 'monitor-stopped');
    assert.match(String(stopped?.message), /could not write --save \/dev\/full: no space left on the device/);
    assert.equal(env.complete, false);
    assert.equal(env.exitCode, 1);
  });

  it('a disk that stops taking data slows the reader instead of growing memory: Redis holds the stream and the guard stops the watch', async () => {
    const sb = sandbox();
    const fifo = join(tmpdir(), `cd-fifo-${process.pid}`);
    rmSync(fifo, { force: true });
    execFileSync('mkfifo', [fifo]);
    // The other end of the pipe is open but reads nothing while the watch runs: a disk that stopped taking data.
    const stalled = createReadStream(fifo);
    stalled.pause();
    const pending = runInProcess<MonitorData>('monitor', { redis: sb.redisUrl }, { duration: '30s', match: 'product:*', save: fifo, maxBuffer: '1MiB' });
    const r = new Redis(sb.redisUrl);
    let done = false;
    void pending.finally(() => (done = true));
    try {
      const value = 'x'.repeat(200);
      for (let round = 0; !done && round < 400; round += 1) {
        const pipe = r.pipeline();
        for (let i = 0; i < 2000; i += 1) pipe.set(`product:${i}`, value);
        await pipe.exec();
      }
      const { env } = await pending;
      const stopped = env.findings.find((f) => f.kind === 'monitor-stopped');
      // Before, every line queued in cachedoctor's memory behind the pipe and the watch ran its 30 s.
      assert.match(String(stopped?.message), /held \d+ MiB of MONITOR output for us \(over --max-buffer\)/);
      assert.equal(env.complete, false);
    } finally {
      r.disconnect();
      stalled.destroy();
      rmSync(fifo, { force: true });
    }
  });
});

describe('live MONITOR when its guard goes blind', () => {
  it('a CLIENT LIST that keeps failing stops the watch after 3 s with the reason, instead of watching unguarded', async () => {
    const sb = sandbox();
    const admin = new Redis(sb.redisUrl);
    try {
      await admin.call('ACL', 'SETUSER', 'cd_guard', 'on', '>cd-guard-pw', '~*', 'resetchannels', '+@all');
      const url = sb.redisUrl.replace('redis://', 'redis://cd_guard:cd-guard-pw@');
      const t0 = Date.now();
      const pending = runInProcess<MonitorData>('monitor', { redis: url }, { duration: '30s', match: 'product:*' });
      await new Promise((res) => setTimeout(res, 800));
      // The output-buffer check is refused from now on; the watch itself goes on as before.
      await admin.call('ACL', 'SETUSER', 'cd_guard', '-client|list');
      const { env, captured } = await pending;
      assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
      const stopped = env.findings.find((f) => f.kind === 'monitor-stopped');
      assert.match(String(stopped?.message), /output buffer on .* could not be checked for 3 s \(CLIENT LIST: NOPERM/);
      assert.equal(env.complete, false);
      // Said once as it happened, not once a second.
      assert.equal(captured.stderr.match(/cannot check the MONITOR output buffer/g)?.length, 1);
    } finally {
      await admin.call('ACL', 'DELUSER', 'cd_guard').catch(() => {});
      admin.disconnect();
    }
  });
});

describe('live MONITOR when Redis goes away', () => {
  const own = useSandbox({ postgres: false });

  it('Ctrl-C before the watch has started stops it at once, and no MONITOR is left running', async () => {
    const sb = await own.ready();
    const ctrlC = new AbortController();
    ctrlC.abort();
    const t0 = Date.now();
    const { env } = await runInProcess<MonitorData>('monitor', { redis: sb.redisUrl }, { duration: '20s', match: 'product:*', channel: 'inv' }, ctrlC.signal);
    assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
    assert.equal(env.complete, false);
    const r = new Redis(sb.redisUrl);
    const list = String(await r.call('CLIENT', 'LIST'));
    r.disconnect();
    assert.doesNotMatch(list, /cmd=monitor/);
  });
  it('Redis stopped mid-watch: exit 3, the report of what was seen (incomplete), the failure named', async () => {
    const sb = await own.ready();
    const pending = runInProcess<MonitorData>('monitor', { redis: sb.redisUrl, timeout: '2s' }, { duration: '20s', match: 'product:*' });
    const r = new Redis(sb.redisUrl, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    await new Promise((res) => setTimeout(res, 400));
    for (let i = 0; i < 50; i += 1) await r.set(`product:${i}`, v(1), 'EX', 60);
    await new Promise((res) => setTimeout(res, 200));
    const t0 = Date.now();
    await sb.redis!.stop();
    const { env } = await pending;
    r.disconnect();
    assert.ok(Date.now() - t0 < 5000, 'gave up promptly');
    assert.equal(env.exitCode, 3);
    assert.equal(env.complete, false);
    assert.equal((env.summary as { events: number }).events, 50);
    assert.match(env.error?.message ?? '', /127\.0\.0\.1:\d+/);
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
  });
});

describe('live MONITOR on a Redis Cluster', () => {
  const cluster = useSandbox({ postgres: false, redis: false, redisCluster: 3 });

  it('watches every master and correlates their streams in time order (an invalidation on one node, its broadcast on another)', async () => {
    const sb = await cluster.ready();
    const { Cluster } = await import('ioredis');
    const seed = { host: '127.0.0.1', port: sb.clusterNodes[0]!.port };
    const c = new Cluster([seed]);
    const pending = runInProcess<MonitorData>(
      'monitor',
      { redis: sb.redisClusterUrl, redisCluster: true },
      { duration: '2500ms', match: 'product:*', channel: 'inv' },
    );
    let commands = 0;
    try {
      await new Promise((res) => setTimeout(res, 600));
      for (let id = 1; id <= 30; id += 1) {
        await c.set(`product:${id}`, v(2), 'EX', 60);
        await c.del(`product:${id}`);
        // PUBLISH goes to whichever node ioredis picks: often not the node that owns the key.
        await c.publish('inv', `product:${id}`);
        await c.set(`product:${id}`, v(id === 7 ? 1 : 3), 'EX', 60);
        commands += 4;
      }
    } finally {
      c.disconnect();
    }
    const { env } = await pending;
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    const data = env as unknown as MonitorData & { summary: { events: number } };
    assert.equal(data.source.kind, 'live');
    assert.equal((data.source as { target: string }).target.split(', ').length, 3);
    // Every command was seen once, whichever master ran it (cluster housekeeping commands come on top).
    assert.ok(data.summary.events >= commands, `${data.summary.events} events for ${commands} commands`);
    assert.equal(data.stats.invalidations, 30);
    assert.deepEqual(kinds(env), ['stale-fill product:7']);
    // No MONITOR is left running on any node.
    for (const node of sb.clusterNodes) {
      const r = new Redis({ host: '127.0.0.1', port: node.port });
      const list = await r.call('CLIENT', 'LIST');
      r.disconnect();
      assert.doesNotMatch(String(list), /cmd=monitor/);
    }
  });
});

describe('the case study, replayed by a cache-aside service', () => {
  const full = useSandbox();

  async function scenario(run: (primary: import('pg').Client, sb: import('../../src/sandbox/sandbox.js').Sandbox) => Promise<void>) {
    const sb = await full.ready();
    const pg = await import('pg');
    const primary = new pg.default.Client({ connectionString: sb.primaryUrl });
    await primary.connect();
    await primary.query(`DROP TABLE IF EXISTS products; CREATE TABLE products (id int PRIMARY KEY, price numeric NOT NULL, version int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO products SELECT g, 10, 1 FROM generate_series(1, 5) g;`);
    await sb.waitForCatchUp();
    const r = new Redis(sb.redisUrl);
    await r.flushall();
    r.disconnect();
    const pending = runInProcess<MonitorData>('monitor', { redis: sb.redisUrl }, { duration: '2500ms', match: 'product:*', channel: 'invalidate' });
    await new Promise((res) => setTimeout(res, 400));
    try {
      await run(primary, sb);
    } finally {
      await primary.end();
    }
    return (await pending).env;
  }

  it('a correct service (reads the primary, broadcasts) gives no findings', async () => {
    const env = await scenario(async (primary, sb) => {
      const app = await ProductService.start(sb.redisUrl, sb.primaryUrl);
      try {
        for (let id = 1; id <= 5; id += 1) await app.get(id);
        await app.updatePrice(primary, 2, 12, true);
        await app.get(2);
      } finally {
        await app.stop();
      }
    });
    assert.deepEqual(
      env.findings.filter((f) => f.kind !== 'fill-without-ttl'),
      [],
    );
  });

  it('fills from a standby whose replay is paused: a refill with the version just invalidated, on exactly the written keys', async () => {
    const env = await scenario(async (primary, sb) => {
      const app = await ProductService.start(sb.redisUrl, sb.standbyUrl);
      try {
        for (let id = 1; id <= 5; id += 1) await app.get(id);
        await sb.pauseReplay();
        for (const id of [1, 3]) await app.updatePrice(primary, id, 20, true);
        for (let id = 1; id <= 5; id += 1) await app.get(id);
      } finally {
        await sb.resumeReplay();
        await app.stop();
      }
    });
    assert.deepEqual(env.findings.map((f) => `${f.kind} ${String(f.key)}`).sort(), ['same-version-refill product:1', 'same-version-refill product:3']);
  });

  it('two instances filling after one invalidation race (concurrent-fill); a delete without a broadcast is found', async () => {
    const env = await scenario(async (primary, sb) => {
      const a = await ProductService.start(sb.redisUrl, sb.primaryUrl);
      const b = await ProductService.start(sb.redisUrl, sb.primaryUrl);
      try {
        await a.get(4);
        await a.updatePrice(primary, 4, 30, false);
        await Promise.all([a.get(4), b.get(4)]);
      } finally {
        await a.stop();
        await b.stop();
      }
    });
    assert.deepEqual(env.findings.map((f) => `${f.kind} ${String(f.key)}`).sort(), ['concurrent-fill product:4', 'missing-broadcast product:4']);
  });
});
