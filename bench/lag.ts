// bench/lag: what one lag sample costs, against baselines measured in the same run (medians; machines are noisy).
//   npm run bench:lag [-- --rounds 30]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectPg } from '../src/sources/postgres/connect.js';
import { readPrimary, readReplica } from '../src/sources/postgres/replication.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { quantile } from '../src/core/stats.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 30;
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));

async function timeIt(fn: () => unknown): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function medianOf(n: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i += 1) times.push(await timeIt(fn));
  return quantile(
    times.sort((a, b) => a - b),
    0.5,
  );
}

const sb = await Sandbox.start({ redis: false });
try {
  const primary = await connectPg({ url: sb.primaryUrl, flag: '--pg', timeoutMs: 5000 });
  const standby = await connectPg({ url: sb.standbyUrl, flag: '--replica', timeoutMs: 5000 });
  const baseline = await medianOf(rounds, () => Promise.all([primary.query('SELECT 1'), standby.query('SELECT 1')]));
  const sample = await medianOf(rounds, () => Promise.all([readPrimary(primary, 1000), readReplica(standby, ['127.0.0.1'], 1000)]));
  await primary.close();
  await standby.close();

  const nodeStart = await medianOf(Math.min(rounds, 10), () => execFileSync(process.execPath, ['-e', '']));
  const cli = await medianOf(Math.min(rounds, 10), () =>
    execFileSync(process.execPath, [BIN, 'lag', '--pg', sb.primaryUrl, '--replica', sb.standbyUrl, '--json']),
  );

  console.log(
    `lag sample on open connections: median ${sample.toFixed(2)} ms vs SELECT 1 on both ${baseline.toFixed(2)} ms (ratio ${(sample / baseline).toFixed(1)}x, ${rounds} rounds)`,
  );
  console.log(
    `cachedoctor lag --json end to end: median ${cli.toFixed(0)} ms vs bare node start ${nodeStart.toFixed(0)} ms (ratio ${(cli / nodeStart).toFixed(1)}x)`,
  );
  console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  await sb.teardown();
}
