// bench/scan: `cachedoctor scan --all` at 300k, 1M and 3M keys (one in a thousand stale), against its I/O floor
// measured in the same run: a bare loop doing the same Redis reads and primary lookups and nothing else
// (bench/scanFloor.ts). Prints per size the scan's time, entries/s and peak RSS, the floor's time, and the ratios
// the targets are about: per-entry time at the largest size against the smallest, and scan against floor.
//   npm run bench:scan [-- --sizes 300000,1000000,3000000 --rounds 2]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { quantile } from '../src/core/stats.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { loadRedis, loadRows } from './seed.js';
import { numberArg } from './args.js';
import { scanFloor } from './scanFloor.js';

const SIZES = (process.argv[process.argv.indexOf('--sizes') + 1] ?? '')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const sizes = SIZES.length > 0 && process.argv.includes('--sizes') ? SIZES : [300_000, 1_000_000, 3_000_000];
const ROUNDS = numberArg('--rounds', 2);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));

interface ScanRun {
  seconds: number;
  wallSeconds: number;
  sampled: number;
  stale: number;
  maxRssMiB: number;
}

/** scan --all as a user runs it, under /usr/bin/time for the peak RSS; `seconds` is the scan's own (summary.seconds). */
function scanAll(sb: Sandbox): ScanRun {
  const args = ['-f', 'MAXRSS %M', process.execPath, BIN, 'scan', '--all', '--json', '--grace', '0', '--max-listed', '10'];
  args.push('--redis', sb.redisUrl, '--pg', sb.primaryUrl, '--key', 'product:{id}', '--table', 'products', '--compare', 'price');
  const started = performance.now();
  let stdout: string;
  let stderr: string;
  try {
    stdout = execFileSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    stderr = '';
  } catch (err) {
    // scan exits 1 when it finds stale entries: that is its answer, not a failure of the benchmark.
    const e = err as { stdout?: string; stderr?: string; status?: number };
    if (e.status !== 1) throw err;
    stdout = e.stdout ?? '';
    stderr = e.stderr ?? '';
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = (JSON.parse(stdout) as { summary: { seconds: number; sampled: number; stale: number } }).summary;
  return {
    seconds: summary.seconds,
    wallSeconds,
    sampled: summary.sampled,
    stale: summary.stale,
    maxRssMiB: Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? 0) / 1024,
  };
}

const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

async function flushRedis(url: string): Promise<void> {
  const r = new Redis(url);
  await r.flushall();
  r.disconnect();
}
const us = (seconds: number, n: number) => (seconds / n) * 1e6;

// Buffers big enough for the table: the test default (16 MB) would measure disk reads, not the lookups.
const sb = await Sandbox.start({ standby: false, postgresSettings: ['shared_buffers=512MB'] });
try {
  const largest = Math.max(...sizes);
  let t0 = Date.now();
  await loadRows(sb, largest);
  console.log(`loaded ${largest} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const results: { n: number; scan: ScanRun[]; floor: number[] }[] = [];
  for (const n of sizes) {
    t0 = Date.now();
    await flushRedis(sb.redisUrl);
    await loadRedis(sb.redis!.port, n);
    console.log(`\n${n} keys loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const scan: ScanRun[] = [];
    const floor: number[] = [];
    // Alternating, so both see the same machine at about the same moment.
    for (let r = 0; r < ROUNDS; r += 1) {
      const f = await scanFloor(sb.redisUrl, sb.primaryUrl, 'product:{id}', 'products');
      if (f.entries !== n || f.rows !== n) throw new Error(`floor read ${f.entries} entries and ${f.rows} rows of ${n}`);
      floor.push(f.seconds);
      const s = scanAll(sb);
      if (s.sampled !== n) throw new Error(`scan compared ${s.sampled} of ${n}`);
      scan.push(s);
      console.log(
        `  round ${r + 1}: floor ${f.seconds.toFixed(2)} s; scan --all ${s.seconds.toFixed(2)} s (${s.wallSeconds.toFixed(2)} s end to end), ${s.stale} stale, peak RSS ${s.maxRssMiB.toFixed(0)} MiB`,
      );
    }
    results.push({ n, scan, floor });
  }
  console.log('\n| Keys | scan --all | entries/s | per entry | end to end | peak RSS | I/O floor | floor per entry | scan / floor |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const perEntry: number[] = [];
  for (const { n, scan, floor } of results) {
    const s = median(scan.map((x) => x.seconds));
    const f = median(floor);
    perEntry.push(us(s, n));
    console.log(
      `| ${n.toLocaleString('en')} | ${s.toFixed(2)} s | ${Math.round(n / s).toLocaleString('en')} | ${us(s, n).toFixed(2)} us | ${median(scan.map((x) => x.wallSeconds)).toFixed(2)} s | ${Math.max(...scan.map((x) => x.maxRssMiB)).toFixed(0)} MiB | ${f.toFixed(2)} s | ${us(f, n).toFixed(2)} us | ${(s / f).toFixed(2)} |`,
    );
  }
  console.log(
    `\nper-entry time at ${sizes.at(-1)!.toLocaleString('en')} against ${sizes[0]!.toLocaleString('en')}: ${(perEntry.at(-1)! / perEntry[0]!).toFixed(2)}x (target <= 1.15); medians of ${ROUNDS} rounds`,
  );
} finally {
  await sb.teardown();
}
