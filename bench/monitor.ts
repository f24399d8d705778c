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
import { numberArg } from './args.js';

const LINES = numberArg('--lines', 1_000_000);
const ROUNDS = numberArg('--rounds', 3);
const LIVE_SECONDS = numberArg('--live-seconds', 10);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));
const med = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
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
    else if (r < 17)
      parts.push(`${ts} [0 ${client}] "set" "${key}" "{\\"id\\":${i % 100_000},\\"price\\":${i % 997},\\"version\\":${Math.floor(i / 50_000)}}" "EX" "300"`);
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
  console.log(
    `offline, ${LINES.toLocaleString()} lines: wc -l median ${med(wc).toFixed(0)} ms; cachedoctor monitor --input median ${med(cd).toFixed(0)} ms = ${Math.round(LINES / (med(cd) / 1000)).toLocaleString()} lines/s (target >= 1,000,000), ratio to wc ${(med(cd) / med(wc)).toFixed(1)}`,
  );
  console.log(`  summary: ${summary}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Live: redis-benchmark at full speed against the sandbox Redis while cachedoctor monitors it. "No event lost" is
// checked exactly: the GET and SET calls Redis counted (INFO commandstats) between just before redis-benchmark
// started and just after it stopped, all inside the watch, against the GETs and SETs the monitor reported.
const sb = await Sandbox.start({ postgres: false });
try {
  const port = String(sb.redis!.port);
  const cli = (...args: string[]) => execFileSync(findBinary('redis-cli'), ['-p', port, ...args], { encoding: 'utf8' });
  const getSetCalls = () => {
    const stats = cli('info', 'commandstats');
    return ['get', 'set'].reduce((sum, c) => sum + Number(new RegExp(`cmdstat_${c}:calls=(\\d+)`).exec(stats)?.[1] ?? 0), 0);
  };
  const monitor = spawn(
    process.execPath,
    [BIN, 'monitor', '--redis', sb.redisUrl, '--match', 'key:*', '--duration', `${LIVE_SECONDS + 3}s`, '--json', '--fail-on', 'critical'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  monitor.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => monitor.once('exit', r));
  await new Promise((r) => setTimeout(r, 1000));
  const before = getSetCalls();
  const bench = spawn(findBinary('redis-benchmark'), ['-p', port, '-n', '100000000', '-c', '20', '-t', 'set,get', '-r', '100000', '-q', '--csv'], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, LIVE_SECONDS * 1000));
  bench.kill('SIGTERM');
  await new Promise((r) => bench.once('exit', r));
  await new Promise((r) => setTimeout(r, 200));
  const sent = getSetCalls() - before;
  await exited;
  const doc = JSON.parse(out);
  const seen = (doc.stats.topCommands as { name: string; count: number }[])
    .filter((c) => c.name === 'get' || c.name === 'set')
    .reduce((sum, c) => sum + c.count, 0);
  console.log(
    `live, redis-benchmark set/get with 20 clients for ${LIVE_SECONDS} s: Redis ran ${sent.toLocaleString()} GET/SET, the monitor saw ${seen.toLocaleString()} (${sent === seen ? 'none lost' : `${(sent - seen).toLocaleString()} LOST`}); ${Math.round(sent / LIVE_SECONDS).toLocaleString()} commands/s; peak omem ${Math.round(doc.peakOmemBytes / 1024)} KiB (target < 1024); complete ${doc.complete}`,
  );
} finally {
  await sb.teardown();
}
