// bench/follow: follow under pgbench-style updates of a mapped table, at rising write rates: the writes seen, how
// many were checked, how far the follow fell behind the primary (the slot's WAL), and cachedoctor's CPU and peak RSS
// beside it; then the cost to Redis of what follow uses (CLIENT TRACKING in broadcast mode) against MONITOR,
// measured side by side with redis-benchmark in the same run.
// With --soak <seconds>, one long follow at --soak-rate writes/s instead, its RSS sampled every 10 s: flat or growing.
//   npm run bench:follow [-- --rows 20000 --seconds 10 --rates 1000,2500,5000,8000]
//   npm run bench:follow -- --soak 300 --soak-rate 5000
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { findBinary } from '../src/sandbox/binaries.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { numberArg } from './args.js';

const ROWS = numberArg('--rows', 20_000);
const SECONDS = numberArg('--seconds', 10);
const RATES = (process.argv[process.argv.indexOf('--rates') + 1] ?? '').includes(',')
  ? process.argv[process.argv.indexOf('--rates') + 1]!.split(',').map(Number)
  : [1000, 2500, 5000, 8000];
const SOAK = numberArg('--soak', 0);
const SOAK_RATE = numberArg('--soak-rate', 5000);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));
const TICK = 100; // clock ticks per second in /proc/<pid>/stat

/** CPU seconds (user + system) and peak RSS (MiB) of a running process, from /proc. */
function usage(pid: number): { cpu: number; peakMiB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { cpu: (Number(stat[11]) + Number(stat[12])) / TICK, peakMiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 };
  } catch {
    return { cpu: Number.NaN, peakMiB: Number.NaN };
  }
}

/** Resident memory (MiB) of a running process now, from /proc. */
function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sb = await Sandbox.start({ standby: false, postgresSettings: ['shared_buffers=128MB'] });
try {
  const pgArgs = ['-h', '127.0.0.1', '-p', String(sb.primary!.port), '-U', 'postgres'];
  execFileSync(findBinary('psql'), [
    ...pgArgs,
    '-q',
    '-c',
    `CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version bigint NOT NULL DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now());
     INSERT INTO products (id, price) SELECT g, g FROM generate_series(1, ${ROWS}) g;`,
    'postgres',
  ]);
  /** Transactions the primary has committed so far (pg_stat_database). */
  const commits = () =>
    Number(
      execFileSync(findBinary('psql'), [...pgArgs, '-tA', '-c', "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = 'postgres'", 'postgres'], {
        encoding: 'utf8',
      }),
    );
  const script = join(tmpdir(), `cachedoctor-follow-bench-${process.pid}.sql`);
  writeFileSync(script, `\\set id random(1, ${ROWS})\nUPDATE products SET version = version + 1, updated_at = now() WHERE id = :id;\n`);

  /** follow for `seconds` against the sandbox, once it says it is following; its JSON document when it ends. */
  const startFollow = async (seconds: number) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'follow',
        '--redis',
        sb.redisUrl,
        '--pg',
        sb.primaryUrl,
        '--key',
        'product:{id}',
        '--table',
        'products',
        '--duration',
        `${seconds}s`,
        '--grace',
        '1s',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    let started = false;
    const ready = new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        err += d;
        if (!started && err.includes('following committed writes')) {
          started = true;
          resolve();
        }
      }),
    );
    await ready;
    const done = new Promise<string>((resolve) => child.on('close', () => resolve(out)));
    return { child, done };
  };

  if (SOAK > 0) {
    // One long follow at a steady rate; RSS every 10 s.
    console.log(`follow soak: ${SOAK} s at ${SOAK_RATE.toLocaleString('en')} writes/s on ${ROWS.toLocaleString('en')} rows, --grace 1s; RSS every 10 s:`);
    const { child, done } = await startFollow(SOAK + 5);
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const r = rssMiB(child.pid!);
      if (Number.isFinite(r)) samples.push(r);
      process.stdout.write(`  ${String(samples.length * 10).padStart(4)} s  ${r.toFixed(0)} MiB\n`);
    }, 10_000);
    const pgbench = spawn(
      findBinary('pgbench'),
      [...pgArgs, '-n', '-f', script, '-c', '4', '-j', '2', '-R', String(SOAK_RATE), '-T', String(SOAK), 'postgres'],
      {
        stdio: 'ignore',
      },
    );
    await new Promise((resolve) => pgbench.on('close', resolve));
    clearInterval(sampler);
    const doc = JSON.parse(await done) as { summary: { writes: number; checked: number; unchecked: number } };
    // The first minute is warm-up (the heap growing to its working size); after it, flat means both halves alike.
    const settled = samples.slice(6);
    const half = Math.max(1, Math.floor(settled.length / 2));
    const first = median(settled.slice(0, half));
    const last = median(settled.slice(-half));
    console.log(
      `writes followed ${doc.summary.writes.toLocaleString('en')}, checked ${doc.summary.checked.toLocaleString('en')}, unchecked ${doc.summary.unchecked}`,
    );
    console.log(
      `RSS after the first minute: median of the first half ${first.toFixed(0)} MiB, of the second half ${last.toFixed(0)} MiB: ratio ${(last / first).toFixed(2)}; max ${Math.max(...samples).toFixed(0)} MiB`,
    );
  } else {
    console.log(`follow under pgbench updates of ${ROWS.toLocaleString('en')} rows, ${SECONDS} s per rate, --grace 1s:`);
    console.log(
      '| Target writes/s | Transactions committed | Followed | Checked | Unchecked | Seen after commit p50 / p95 / max | Max behind | cachedoctor CPU | Peak RSS |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const rate of RATES) {
      const { child, done } = await startFollow(SECONDS);
      const before = commits();
      execFileSync(
        findBinary('pgbench'),
        [...pgArgs, '-n', '-f', script, '-c', '4', '-j', '2', '-R', String(rate), '-T', String(Math.max(1, SECONDS - 2)), 'postgres'],
        { stdio: 'ignore' },
      );
      const after = commits();
      let last = usage(child.pid!);
      const poll = setInterval(() => {
        const u = usage(child.pid!);
        if (Number.isFinite(u.cpu)) last = u;
      }, 200);
      const out = await done;
      clearInterval(poll);
      const doc = JSON.parse(out) as {
        summary: { writes: number; checked: number; unchecked: number };
        maxBehindBytes: number | null;
        seenAfterCommitMs: { median: number; p95: number; max: number } | null;
      };
      const seen = doc.seenAfterCommitMs;
      console.log(
        `| ${rate.toLocaleString('en')} | ${(after - before).toLocaleString('en')} | ${doc.summary.writes.toLocaleString('en')} | ${doc.summary.checked.toLocaleString('en')} | ${doc.summary.unchecked} | ${seen ? `${seen.median.toFixed(0)} / ${seen.p95.toFixed(0)} / ${seen.max.toFixed(0)} ms` : '-'} | ${doc.maxBehindBytes === null ? '-' : `${Math.round(doc.maxBehindBytes / 1024)} KiB`} | ${last.cpu.toFixed(1)} s of ${SECONDS} s | ${last.peakMiB.toFixed(0)} MiB |`,
      );
    }

    // The cost to Redis: SET throughput alone, with a BCAST tracking client on the benchmark's keys, and with MONITOR.
    const port = String(sb.redis!.port);
    const setRps = () => {
      const text = execFileSync(findBinary('redis-benchmark'), ['-p', port, '-t', 'set', '-n', '300000', '-c', '20', '-r', '100000', '-q'], {
        encoding: 'utf8',
      });
      return Number(/SET: ([\d.]+) requests per second/.exec(text)?.[1] ?? Number.NaN);
    };
    const rounds = (label: string, n = 3) => {
      const xs = Array.from({ length: n }, setRps).sort((a, b) => a - b);
      return { label, median: xs[Math.floor(n / 2)]! };
    };
    const base = rounds('no watcher');
    const sub = new Redis(sb.redisUrl);
    const cmd = new Redis(sb.redisUrl);
    const id = String(await sub.call('CLIENT', 'ID'));
    let messages = 0;
    let keys = 0;
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer | Buffer[]) => {
      messages += 1;
      keys += Array.isArray(message) ? message.length : 1;
    });
    await sub.subscribe('__redis__:invalidate');
    await cmd.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'BCAST', 'PREFIX', 'key:', 'NOLOOP');
    const tracked = rounds('CLIENT TRACKING BCAST (follow)');
    sub.disconnect();
    cmd.disconnect();
    const mon = new Redis(sb.redisUrl);
    const watching = await mon.monitor();
    const monitored = rounds('MONITOR attached');
    watching.disconnect();
    mon.disconnect();
    console.log('');
    console.log('Redis SET throughput (redis-benchmark -t set -c 20, median of 3):');
    for (const r of [base, tracked, monitored]) {
      console.log(
        `  ${r.label.padEnd(32)} ${Math.round(r.median).toLocaleString('en')} req/s  (${((1 - r.median / base.median) * 100).toFixed(1)}% below no watcher)`,
      );
    }
    console.log(`  (tracking delivered ${keys.toLocaleString('en')} key invalidations in ${messages.toLocaleString('en')} messages: Redis batches them)`);
  }
} finally {
  await sb.teardown();
}
