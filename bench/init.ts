// bench/init: how fast init reads key names and how long it takes to a proposal, on a keyspace of 1,000,000 keys in
// five families (three cached from tables), against a bare SCAN of the same number of keys in the same run (the
// floor); and what --rate caps. Per sample size: sampling (in process, keys/s, against the floor), template inference
// (the pure core, on the sampled keys), and `cachedoctor init --json` end to end (with its peak RSS), beside a bare
// `node` start; then init under --rate.
//   npm run bench:init [-- --keys 1000000 --samples 10000,100000,1000000 --rounds 3 --rate 2000]
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { inferTemplates } from '../src/core/discover/templates.js';
import { quantile } from '../src/core/stats.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { connectRedisNodes } from '../src/sources/redis/connect.js';
import { sampleKeys } from '../src/sources/redis/keySample.js';
import { numberArg } from './args.js';
import { pipeCommands } from './seed.js';

const KEYS = numberArg('--keys', 1_000_000);
const ROUNDS = numberArg('--rounds', 3);
const RATE = numberArg('--rate', 2000);
const samplesArg = process.argv.indexOf('--samples');
const SAMPLES = samplesArg === -1 ? [10_000, 100_000, KEYS] : process.argv[samplesArg + 1]!.split(',').map(Number);
const BIN = fileURLToPath(new URL('../bin/cachedoctor.js', import.meta.url));

const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const seconds = async (f: () => Promise<unknown> | unknown) => {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
};

/** The share of the keyspace per family; products, orders and profiles are cached rows, sessions and counters not. */
const share = { product: 0.5, order: 0.2, profile: 0.1, session: 0.15, ratelimit: 0.05 };
const TENANTS = 20;

async function load(sb: Sandbox): Promise<void> {
  const n = (f: keyof typeof share) => Math.round(KEYS * share[f]);
  const perTenant = Math.ceil(n('order') / TENANTS);
  await sb.primary!.sql(`
    CREATE TABLE products (id bigint PRIMARY KEY, price int NOT NULL, version int NOT NULL);
    INSERT INTO products SELECT g, g % 997, 2 FROM generate_series(1, ${n('product')}) g;
    CREATE TABLE orders (tenant text, id bigint, total int NOT NULL, lock_version int NOT NULL, PRIMARY KEY (tenant, id));
    INSERT INTO orders SELECT 't' || t, g, g % 100, 1 FROM generate_series(1, ${TENANTS}) t, generate_series(1, ${perTenant}) g;
    CREATE TABLE profiles (id int PRIMARY KEY, nickname text NOT NULL, updated_at timestamptz NOT NULL);
    INSERT INTO profiles SELECT g, 'n' || g, '2026-01-01T00:00:00Z' FROM generate_series(1, ${n('profile')}) g;
    ANALYZE;`);
  await pipeCommands(
    sb.redis!.port,
    (function* () {
      for (let i = 1; i <= n('product'); i += 1) yield ['SET', `product:${i}`, JSON.stringify({ id: i, price: i % 997, version: 2 })];
      for (let t = 1; t <= TENANTS; t += 1)
        for (let i = 1; i <= perTenant; i += 1) yield ['SET', `order:t${t}:${i}`, JSON.stringify({ tenant: `t${t}`, id: i, total: i % 100, lock_version: 1 })];
      for (let i = 1; i <= n('profile'); i += 1) yield ['HSET', `profile:${i}`, 'id', String(i), 'nickname', `n${i}`, 'updated_at', '2026-01-01T00:00:00.000Z'];
      for (let i = 1; i <= n('session'); i += 1) yield ['SET', `session:${(i * 2654435761).toString(16).padStart(12, '0')}`, '{"user":1}'];
      for (let i = 1; i <= n('ratelimit'); i += 1) yield ['SET', `ratelimit:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, String(i % 50)];
    })(),
  );
}

/** The floor: SCAN COUNT 1000 until `n` names have come back, nothing else (the sampler's own round trips). */
async function bareScan(redis: Redis, n: number): Promise<number> {
  let cursor = '0';
  let read = 0;
  do {
    const [next, keys] = (await redis.callBuffer('SCAN', cursor, 'COUNT', '1000')) as [Buffer, Buffer[]];
    cursor = next.toString();
    read += keys.length;
  } while (cursor !== '0' && read < n);
  return read;
}

interface InitRun {
  wall: number;
  rssMiB: number;
  families: string[];
  high: string[];
}

function init(sb: Sandbox, extra: string[]): InitRun {
  const args = ['-f', 'MAXRSS %M', process.execPath, BIN, 'init', '--json', '--redis', sb.redisUrl, '--pg', sb.primaryUrl, ...extra];
  const t = performance.now();
  const run = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = (performance.now() - t) / 1000;
  if (run.status !== 0) throw new Error(`init exited ${run.status}: ${run.stderr}`);
  const { stdout, stderr } = run;
  const doc = JSON.parse(stdout) as { proposals: { template: string; confidence: string }[]; unmapped: { template: string }[] };
  return {
    wall,
    rssMiB: Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? 0) / 1024,
    families: [...doc.proposals.map((p) => `${p.template} (${p.confidence})`), ...doc.unmapped.map((u) => `${u.template} (unmapped)`)],
    high: doc.proposals
      .filter((p) => p.confidence === 'high')
      .map((p) => p.template)
      .sort(),
  };
}

const sb = await Sandbox.start({ standby: false, postgresSettings: ['shared_buffers=256MB'] });
try {
  const t0 = performance.now();
  await load(sb);
  console.log(`loaded ${KEYS.toLocaleString('en')} keys and their rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const nodes = await connectRedisNodes({ url: sb.redisUrl, flag: '--redis', timeoutMs: 10_000, cluster: false });
  const signal = new AbortController().signal;
  const rows: string[] = [];
  let lastFamilies: string[] = [];
  const starts: number[] = [];
  for (let r = 0; r < 3; r += 1) starts.push(await seconds(() => execFileSync(process.execPath, ['-e', '0'])));
  const nodeStart = median(starts);
  try {
    for (const n of SAMPLES) {
      const floor: number[] = [];
      const sample: number[] = [];
      const infer: number[] = [];
      const e2e: InitRun[] = [];
      let families = 0;
      for (let r = 0; r < ROUNDS; r += 1) {
        floor.push(await seconds(() => bareScan(nodes.nodes[0]!, n)));
        let keys: string[] = [];
        sample.push(
          await seconds(
            async () => (keys = (await sampleKeys(nodes, { sample: n, rate: null, flag: '--redis', timeoutMs: 10_000, signal, progress: () => {} })).keys),
          ),
        );
        infer.push(await seconds(() => (families = inferTemplates(keys).length)));
        e2e.push(init(sb, ['--sample', String(n)]));
        lastFamilies = e2e.at(-1)!.families;
      }
      const s = median(sample);
      const f = median(floor);
      rows.push(
        `| ${n.toLocaleString('en')} | ${s.toFixed(2)} s | ${Math.round(n / s).toLocaleString('en')} | ${f.toFixed(2)} s | ${(s / f).toFixed(2)} | ${(median(infer) * 1000).toFixed(0)} ms (${families} families) | ${median(e2e.map((x) => x.wall)).toFixed(2)} s | ${Math.max(...e2e.map((x) => x.rssMiB)).toFixed(0)} MiB | ${e2e[0]!.high.join(', ')} |`,
      );
    }
  } finally {
    nodes.close();
  }
  console.log(`\nbare node start: ${(nodeStart * 1000).toFixed(0)} ms; medians of ${ROUNDS} rounds\n`);
  console.log('| --sample | sampling | keys/s | bare SCAN | sampling / SCAN | templates | init end to end | peak RSS | high confidence |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\nfamilies at the largest sample: ${lastFamilies.join(', ')}`);

  // --rate: SCAN's COUNT shrinks to a tenth of the rate and each step waits its turn, so the names read per second
  // stay at the rate (values and lookups come after, a handful per family).
  const paced: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) paced.push(init(sb, ['--sample', '10000', '--rate', String(RATE)]).wall);
  const w = median(paced);
  console.log(
    `\ninit --sample 10000 --rate ${RATE}: ${w.toFixed(2)} s end to end (10,000 names at ${RATE}/s is ${(10_000 / RATE).toFixed(1)} s): ${Math.round(10_000 / w).toLocaleString('en')} keys/s overall`,
  );
} finally {
  await sb.teardown();
}
