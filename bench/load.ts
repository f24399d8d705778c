// bench/load: cachedoctor on servers under load. redis-benchmark drives Redis at full speed and pgbench the
// primary while `scan --all --rate 5000` runs (does it keep to its rate?) and while `monitor` watches (does the
// monitor's output buffer on the server stay small?). Prints the load each server carried in the same window.
//   npm run bench:load [-- --keys 60000 --rate 5000 --monitor-seconds 10]
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findBinary } from '../src/sandbox/binaries.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { loadProducts } from './seed.js';
import { numberArg } from './args.js';

const N = numberArg('--keys', 60_000);
const RATE = numberArg('--rate', 5000);
const MONITOR_SECONDS = numberArg('--monitor-seconds', 10);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));

function cachedoctor(args: string[]): { ms: number; doc: Record<string, unknown> } {
  const t = process.hrtime.bigint();
  let out: string;
  try {
    out = execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    const e = err as { status?: number; stdout?: string };
    if (e.status !== 1) throw err;
    out = e.stdout ?? '';
  }
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, doc: JSON.parse(out) as Record<string, unknown> };
}

const sb = await Sandbox.start({ standby: false, postgresSettings: ['shared_buffers=128MB'] });
try {
  await loadProducts(sb, N);
  const port = String(sb.redis!.port);
  const pgArgs = ['-h', '127.0.0.1', '-p', String(sb.primary!.port), '-U', 'postgres'];
  execFileSync(findBinary('pgbench'), [...pgArgs, '-i', '-s', '5', '-q', 'postgres'], { stdio: 'ignore' });
  const commands = () =>
    Number(/total_commands_processed:(\d+)/.exec(execFileSync(findBinary('redis-cli'), ['-p', port, 'info', 'stats'], { encoding: 'utf8' }))?.[1]);

  const measure = async (
    label: string,
    run: () => { ms: number; doc: Record<string, unknown> },
    report: (r: { ms: number; doc: Record<string, unknown> }) => string,
  ) => {
    const redisLoad = spawn(findBinary('redis-benchmark'), ['-p', port, '-c', '20', '-n', '100000000', '-t', 'set,get', '-r', '100000', '-q'], {
      stdio: 'ignore',
    });
    let pgbenchOut = '';
    const pgLoad = spawn(findBinary('pgbench'), [...pgArgs, '-c', '4', '-j', '2', '-T', '600', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] });
    pgLoad.stdout.on('data', (d: Buffer) => (pgbenchOut += d.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    const c0 = commands();
    const r = run();
    const c1 = commands();
    redisLoad.kill('SIGINT');
    pgLoad.kill('SIGINT');
    await new Promise((res) => pgLoad.once('exit', res));
    console.log(`${label}: ${report(r)}`);
    console.log(
      `  load meanwhile: Redis ${Math.round((c1 - c0) / (r.ms / 1000)).toLocaleString()} commands/s (redis-benchmark, 20 clients), pgbench 4 clients running on the primary`,
    );
  };

  await measure(
    `scan --all --rate ${RATE} over ${N.toLocaleString()} keys`,
    () =>
      cachedoctor([
        'scan',
        '--all',
        '--rate',
        String(RATE),
        '--grace',
        '0',
        '--json',
        '--quiet',
        '--redis',
        sb.redisUrl,
        '--pg',
        sb.primaryUrl,
        '--key',
        'product:{id}',
        '--table',
        'products',
      ]),
    ({ ms, doc }) => {
      const sampled = (doc.summary as { sampled: number }).sampled;
      return `${sampled.toLocaleString()} keys in ${(ms / 1000).toFixed(2)} s = ${Math.round(sampled / (ms / 1000)).toLocaleString()} keys/s end to end (rate asked ${RATE}; ideal ${(sampled / RATE).toFixed(1)} s)`;
    },
  );
  await measure(
    `monitor for ${MONITOR_SECONDS} s`,
    () => cachedoctor(['monitor', '--redis', sb.redisUrl, '--match', 'key:*', '--duration', `${MONITOR_SECONDS}s`, '--json']),
    ({ doc }) => {
      const s = doc.summary as { events: number; eventsPerSecond: number };
      return `${s.events.toLocaleString()} events (${s.eventsPerSecond.toLocaleString()}/s), peak output buffer on the server ${Math.round(Number(doc.peakOmemBytes) / 1024)} KiB (limit --max-buffer 32 MiB), complete ${String(doc.complete)}`;
    },
  );
} finally {
  await sb.teardown();
}
