// monitor against a real Redis: the live parser is byte-exact, the scenarios of the case study are found, and a
// saved capture gives the same findings as the live stream.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { runMonitor } from '../../src/commands/monitor.js';
import type { MonitorData } from '../../src/core/monitor/monitorReport.js';
import { argBytes, parseMonitorLine } from '../../src/core/monitor/parseLine.js';
import { openMonitor } from '../../src/sources/redis/monitorStream.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ postgres: false });
const saved = join(tmpdir(), `cd-monitor-${process.pid}.log`);
after(() => rmSync(saved, { force: true }));

/** Runs the monitor for `ms` while `traffic` runs, after the feed is reliable (~150 ms, FACTS.md). */
async function watch(options: Record<string, unknown>, traffic: (r: Redis) => Promise<void>, ms = 1500) {
  const sb = sandbox();
  const pending = runInProcess<MonitorData>(runMonitor, { redis: sb.redisUrl }, { duration: `${ms}ms`, ...options });
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
    const monitor = await openMonitor({ url: sb.redisUrl, flag: '--redis', timeoutMs: 2000 });
    const controller = new AbortController();
    const r = new Redis(sb.redisUrl);
    const sent = new Map<string, Buffer>();
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
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
    const again = await runInProcess<MonitorData>(runMonitor, {}, { input: saved, match: 'product:*', channel: 'inv' });
    assert.deepEqual(kinds(again.env), kinds(env));
  });
});
