// bench/scan: loads N keys (default 1,000,000) into the sandbox Redis with their rows on the primary, then times
// `cachedoctor scan --all` against `redis-cli --scan --pattern` merely listing the same keys, in the same run.
//   npm run bench:scan [-- --keys 1000000 --rounds 3]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findBinary } from '../src/sandbox/binaries.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { quantile } from '../src/core/stats.js';
import { loadProducts } from './seed.js';
import { numberArg } from './args.js';

const N = numberArg('--keys', 1_000_000);
const ROUNDS = numberArg('--rounds', 3);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));

function timedWithRss(cmd: string, args: string[]): { ms: number; maxRssMiB: number; stdout: string } {
  const started = process.hrtime.bigint();
  const res = spawnSyncCapture('/usr/bin/time', ['-f', 'MAXRSS %M', cmd, ...args]);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const kb = Number(/MAXRSS (\d+)/.exec(res.stderr)?.[1] ?? 0);
  return { ms, maxRssMiB: kb / 1024, stdout: res.stdout };
}

function spawnSyncCapture(cmd: string, args: string[]): { stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout, stderr: '' };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    // scan exits 1 when it finds stale entries: that is its answer, not a failure of the benchmark.
    if (e.status === 1) return { stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    throw err;
  }
}

// Buffers big enough for the table: the test default (16 MB) would measure disk reads, not the lookups.
const sb = await Sandbox.start({ standby: false, postgresSettings: ['shared_buffers=256MB'] });
try {
  const t0 = Date.now();
  await loadProducts(sb, N);
  console.log(`loaded ${N} keys and rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const list: number[] = [];
  const scanTimes: number[] = [];
  const rss: number[] = [];
  let summary = '';
  for (let r = 0; r < ROUNDS; r += 1) {
    const l = timedWithRss(findBinary('redis-cli'), ['-p', String(sb.redis!.port), '--scan', '--pattern', 'product:*']);
    list.push(l.ms);
    const s = timedWithRss(process.execPath, [
      BIN,
      'scan',
      '--all',
      '--json',
      '--grace',
      '0',
      '--max-listed',
      '10',
      '--redis',
      sb.redisUrl,
      '--pg',
      sb.primaryUrl,
      '--key',
      'product:{id}',
      '--table',
      'products',
      '--compare',
      'price',
    ]);
    scanTimes.push(s.ms);
    rss.push(s.maxRssMiB);
    summary = JSON.stringify(JSON.parse(s.stdout).summary);
  }
  const med = (xs: number[]) =>
    quantile(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  const listMs = med(list);
  const scanMs = med(scanTimes);
  console.log(`redis-cli --scan --pattern (listing only): median ${(listMs / 1000).toFixed(2)} s, ${Math.round(N / (listMs / 1000)).toLocaleString()} keys/s`);
  console.log(`cachedoctor scan --all (full compare):    median ${(scanMs / 1000).toFixed(2)} s, ${Math.round(N / (scanMs / 1000)).toLocaleString()} keys/s`);
  console.log(`ratio scan / listing: ${(scanMs / listMs).toFixed(2)} (target <= 1.0); peak RSS of scan: ${Math.max(...rss).toFixed(0)} MiB (target < 200)`);
  console.log(`last summary: ${summary}`);
} finally {
  await sb.teardown();
}
