// bench/monitor: offline, a capture of N lines (default 1,000,000) analysed by `cachedoctor monitor --input`, beside
// `wc -l` on the same file; live, redis-benchmark drives Redis at full speed while cachedoctor monitors it for 10 s,
// with the events received and the peak output buffer (omem) Redis held for the monitor.
//   npm run bench:monitor [-- --lines 1000000 --rounds 3 --live-seconds 10]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from '../src/core/stats.js';
import { findBinary } from '../src/sandbox/binaries.js';
import { Sandbox } from '../src/sandbox/sandbox.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const LINES = arg('--lines', 1_000_000);
const ROUNDS = arg('--rounds', 3);
const LIVE_SECONDS = arg('--live-seconds', 10);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));
const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const time = (cmd: string, args: string[]) => {
  const t = process.hrtime.bigint();
  const out = execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
};

// A realistic mix: 70% GET, 15% SET with a version, 10% DEL, 5% other keys; 100k product keys, 50 clients.
const dir = mkdtempSync(join(tmpdir(), 'cd-bench-monitor-'));
try {
  const file = join(dir, 'capture.log');
  const parts: string[] = [];
  const t0 = 1_795_000_000;
  for (let i = 0; i < LINES; i += 1) {
    const ts = `${t0 + Math.floor(i / 100_000)}.${String((i * 10) % 1_000_000).padStart(6, '0')}`;
    const client = `10.0.${(i % 50) >> 4}.${i % 50}:${40000 + (i % 50)}`;
    const key = `product:${(i * 7919) % 100_000}`;
    const r = i % 20;
    if (r < 14) parts.push(`${ts} [0 ${client}] "get" "${key}"`);
    else if (r < 17) parts.push(`${ts} [0 ${client}] "set" "${key}" "{\\"id\\":${i % 100_000},\\"price\\":${i % 997},\\"version\\":${Math.floor(i / 50_000)}}" "EX" "300"`);
    else if (r < 19) parts.push(`${ts} [0 ${client}] "del" "${key}"`);
    else parts.push(`${ts} [0 ${client}] "incr" "counter:${i % 100}"`);
  }
  writeFileSync(file, `${parts.join('\n')}\n`);
  const wc: number[] = [];
  const cd: number[] = [];
  let summary = '';
  for (let r = 0; r < ROUNDS; r += 1) {
    wc.push(time('wc', ['-l', file]).ms);
    const run = time(process.execPath, [BIN, 'monitor', '--input', file, '--match', 'product:*', '--json', '--fail-on', 'critical']);
    cd.push(run.ms);
    summary = JSON.stringify(JSON.parse(run.out).summary);
  }
  console.log(`offline, ${LINES.toLocaleString()} lines: wc -l median ${med(wc).toFixed(0)} ms; cachedoctor monitor --input median ${med(cd).toFixed(0)} ms = ${Math.round(LINES / (med(cd) / 1000)).toLocaleString()} lines/s (target >= 1,000,000), ratio to wc ${(med(cd) / med(wc)).toFixed(1)}`);
  console.log(`  summary: ${summary}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Live: redis-benchmark at full speed against the sandbox Redis while cachedoctor monitors it.
const sb = await Sandbox.start({ postgres: false });
try {
  const port = String(sb.redis!.port);
  const bench = spawn(findBinary('redis-benchmark'), ['-p', port, '-n', '100000000', '-c', '20', '-t', 'set,get', '-r', '100000', '-q', '--csv'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const run = time(process.execPath, [BIN, 'monitor', '--redis', sb.redisUrl, '--match', 'key:*', '--duration', `${LIVE_SECONDS}s`, '--json', '--fail-on', 'critical']);
  bench.kill('SIGTERM');
  const doc = JSON.parse(run.out);
  const info = execFileSync(findBinary('redis-cli'), ['-p', port, 'info', 'stats'], { encoding: 'utf8' });
  console.log(`live, redis-benchmark set/get with 20 clients for ${LIVE_SECONDS} s: ${doc.summary.events.toLocaleString()} events received = ${Math.round(doc.summary.events / doc.summary.seconds).toLocaleString()}/s; peak omem ${Math.round(doc.peakOmemBytes / 1024)} KiB (target < 1024); complete ${doc.complete}`);
  console.log(`  redis: ${/total_commands_processed:(\d+)/.exec(info)?.[1]} commands processed in all`);
} finally {
  await sb.teardown();
}
