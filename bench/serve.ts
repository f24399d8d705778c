// bench/serve: cachedoctor serve soaked at short intervals (lag every 200 ms, a scan of every mapping every second,
// follow all the time) under a steady pgbench write load, its RSS sampled every 10 s (flat or growing), and the time
// of a /metrics scrape against a /healthz request to the same server in the same run (the baseline: what HTTP itself
// costs), as medians.
//   npm run bench:serve [-- --seconds 300 --rate 500 --rows 20000]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary } from '../src/sandbox/binaries.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { numberArg } from './args.js';
import { loadRedis } from './seed.js';

const SECONDS = numberArg('--seconds', 300);
const RATE = numberArg('--rate', 500);
const ROWS = numberArg('--rows', 20_000);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeRequests(url: string, n: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await (await fetch(url)).text();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const sb = await Sandbox.start({ postgresSettings: ['shared_buffers=128MB'] });
try {
  await sb.primary!.sql(`CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version int NOT NULL);
    INSERT INTO products SELECT g, g % 997, 2 FROM generate_series(1, ${ROWS}) g; ANALYZE products;`);
  await loadRedis(sb.redis!.port, ROWS);
  const script = join(tmpdir(), `cachedoctor-serve-bench-${process.pid}.sql`);
  writeFileSync(script, `\\set id random(1, ${ROWS})\nUPDATE products SET version = version + 1 WHERE id = :id;\n`);

  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.primaryUrl,
      '--replica',
      sb.standbyUrl,
      '--key',
      'product:{id}',
      '--table',
      'products',
      '--listen',
      '127.0.0.1:0',
      '--lag-interval',
      '200ms',
      '--scan-interval',
      '1s',
      '--rate',
      '5000',
      '--grace',
      '1s',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[^/\s]+)\/metrics/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('close', () => reject(new Error(`serve ended:\n${err}`)));
  });
  console.log(
    `serve soak: ${SECONDS} s, lag every 200 ms, a scan of 1,000 of ${ROWS.toLocaleString('en')} keys every 1 s, follow under ${RATE} writes/s; RSS every 10 s:`,
  );
  const pgArgs = ['-h', '127.0.0.1', '-p', String(sb.primary!.port), '-U', 'postgres'];
  const pgbench = spawn(findBinary('pgbench'), [...pgArgs, '-n', '-f', script, '-c', '2', '-j', '1', '-R', String(RATE), '-T', String(SECONDS), 'postgres'], {
    stdio: 'ignore',
  });
  const samples: number[] = [];
  const scrapes: { metrics: number; healthz: number }[] = [];
  const sampler = setInterval(() => {
    const r = rssMiB(child.pid!);
    samples.push(r);
    void Promise.all([timeRequests(`${url}/metrics`, 5), timeRequests(`${url}/healthz`, 5)]).then(([metrics, healthz]) => {
      scrapes.push({ metrics, healthz });
      process.stdout.write(`  ${String(samples.length * 10).padStart(4)} s  ${r.toFixed(0)} MiB  scrape ${metrics.toFixed(1)} ms\n`);
    });
  }, 10_000);
  await new Promise((resolve) => pgbench.on('close', resolve));
  clearInterval(sampler);
  const text = await (await fetch(`${url}/metrics`)).text();
  const counter = (name: string) => Number(new RegExp(`^${name}\\{mapping="product"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const runs = (part: string) => Number(new RegExp(`^cachedoctor_part_runs_total\\{part="${part}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const errors = [...text.matchAll(/^cachedoctor_part_errors_total\{part="(\w+)"\} (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  const stopAt = Date.now();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('close', resolve));
  const stopMs = Date.now() - stopAt;
  // The first minute is warm-up (the heap growing to its working size); after it, flat means both halves alike.
  const settled = samples.slice(6);
  const half = Math.max(1, Math.floor(settled.length / 2));
  const first = median(settled.slice(0, half));
  const last = median(settled.slice(-half));
  console.log(
    `writes seen ${counter('cachedoctor_follow_committed_writes_total').toLocaleString('en')}, checked ${counter('cachedoctor_follow_checked_writes_total').toLocaleString('en')}, unchecked ${counter('cachedoctor_follow_unchecked_writes_total')}; runs: lag ${runs('lag')}, scan ${runs('scan')}, follow ${runs('follow')}; errors: ${errors.join(', ') || 'none'}`,
  );
  console.log(
    `RSS after the first minute: median of the first half ${first.toFixed(0)} MiB, of the second half ${last.toFixed(0)} MiB: ratio ${(last / first).toFixed(2)}; max ${Math.max(...samples).toFixed(0)} MiB`,
  );
  const m = median(scrapes.map((s) => s.metrics));
  const h = median(scrapes.map((s) => s.healthz));
  console.log(`a /metrics scrape: median ${m.toFixed(1)} ms, against ${h.toFixed(1)} ms for /healthz on the same server: ratio ${(m / h).toFixed(1)}`);
  console.log(`SIGTERM to exit: ${stopMs} ms`);
  execFileSync('rm', ['-f', script]);
} finally {
  await sb.teardown();
}
