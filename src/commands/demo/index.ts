// `cachedoctor demo`: starts a throwaway Redis, PostgreSQL primary and streaming standby, runs a small product
// service that reproduces the three failure modes of the case study, and shows `cachedoctor report` finding them.
import type pg from 'pg';
import { type DemoData, type DemoStep, missedExpectations } from '../../core/demo.js';
import { type CommandResult, toEnvelope } from '../../core/envelope.js';
import { InterruptedError, SourceError } from '../../errors.js';
import { FILL_TTL_SECONDS, INVALIDATION_CHANNEL, ProductService } from '../../sandbox/productService.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { VERSION } from '../../version.js';
import { sleep } from '../../async.js';
import type { CommandContext } from '../context.js';
import { parse as parseReport, run as runReport } from '../report/index.js';

const PRODUCTS = 200;

export function parse(): Record<string, never> {
  return {};
}

export async function run(ctx: CommandContext): Promise<CommandResult<DemoData>> {
  const { out, signal } = ctx;
  out.note('demo: starting a throwaway Redis, PostgreSQL primary and streaming standby in a temp folder ...');
  const sb = await startSandbox(signal);
  const steps: DemoStep[] = [];
  const services: ProductService[] = [];
  let primary: pg.Client | null = null;
  try {
    const pgModule = (await import('pg')).default;
    primary = new pgModule.Client({ connectionString: sb.primaryUrl });
    await primary.connect();
    await primary.query(`CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version int NOT NULL DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO products (id, price) SELECT g, 10 + g FROM generate_series(1, ${PRODUCTS}) g`);
    await sb.waitForCatchUp();
    // The report's flags, as a reader would type them: printed as a command line, and parsed by report's own parser.
    const base = {
      key: 'product:{id}',
      table: 'products',
      ttl: `${FILL_TTL_SECONDS}s`,
      channel: INVALIDATION_CHANNEL,
      grace: '300ms',
      maxLagSeconds: '1',
      failOn: 'info',
    };
    const flagText = (flags: Record<string, string>) =>
      Object.entries(flags).map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${/[{}]/.test(v) ? `'${v}'` : v}`);
    /** The command line that runs the same report, for the reader to try. */
    const commandLine = (flags: Record<string, string>) =>
      [`cachedoctor report --redis ${sb.redisUrl} --pg ${sb.primaryUrl} --replica ${sb.standbyUrl}`, ...flagText({ ...base, ...flags })].join(' ');
    const report = async (flags: Record<string, string>) => {
      if (signal.aborted) throw new InterruptedError('demo interrupted');
      const settings = {
        ...ctx.settings,
        redis: { url: sb.redisUrl, origin: 'demo', cluster: false },
        primary: { url: sb.primaryUrl, origin: 'demo' },
        replicas: [{ url: sb.standbyUrl, origin: 'demo' }],
      };
      const opts = parseReport({ flags: { ...base, ...flags }, config: {}, configName: 'config file' });
      return toEnvelope(await runReport({ ...ctx, settings }, opts), VERSION, ctx.now());
    };
    const start = async (name: string, readFrom: string, opts: { localCache?: boolean; subscribe?: boolean }) => {
      const s = await ProductService.start(sb.redisUrl, readFrom, opts);
      services.push(s);
      out.note(
        `demo:   ${name}: reads ${readFrom === sb.standbyUrl ? 'the STANDBY' : 'the primary'}${opts.localCache ? ', keeps an in-process cache' : ''}${opts.subscribe ? ', listens for invalidations' : opts.localCache ? ', does NOT listen for invalidations' : ''}`,
      );
      return s;
    };

    out.note('demo: 1/2 a correct service warms the cache; report ...');
    const web1 = await start('web-1', sb.primaryUrl, { localCache: true, subscribe: true });
    for (let id = 1; id <= PRODUCTS; id += 1) await web1.get(id);
    steps.push({
      title: '1. A correct cache-aside service',
      explanation: 'web-1 reads the primary, invalidates after each write and broadcasts it. cachedoctor report finds nothing wrong.',
      expected: [],
      command: commandLine({}),
      report: await report({}),
    });

    out.note('demo: 2/2 staging the three failure modes ...');
    const web2 = await start('web-2', sb.primaryUrl, { localCache: true, subscribe: false });
    const web3 = await start('web-3', sb.primaryUrl, { localCache: true, subscribe: true });
    const reports = await start('reports-1', sb.standbyUrl, {});
    // Failure 1, the write/invalidate race: a read loads the row, a write commits and invalidates, then the read
    // fills the cache with the row it loaded before the write.
    for (let id = 1; id <= 5; id += 1) {
      const before = await web1.load(id);
      await web1.updatePrice(primary, id, 100 + id, true);
      await web1.fill(before);
    }
    await sb.waitForCatchUp();
    // Failure 3, replica lag: the standby stops replaying; writes go on; a cache miss served by the standby
    // fills Redis with the row as it was.
    await sb.pauseReplay();
    for (let id = 11; id <= 20; id += 1) await web1.updatePrice(primary, id, 200 + id, true);
    // The misses come a little later, well after the writes: the fills are dated after them (from their TTL).
    await sleep(1500, signal);
    for (let id = 11; id <= 20; id += 1) await reports.get(id);
    // While report watches the command stream: more fills from the standby, deletes without a broadcast
    // (failure 2: web-2's in-process cache and its peers never hear of them), and two instances racing to refill.
    let traffic = true;
    const loop = (async () => {
      for (let n = 0; traffic && !signal.aborted; n += 1) {
        const lagging = 21 + (n % 20);
        await web1.fill(await web1.load(lagging));
        await web1.updatePrice(primary!, lagging, 300 + n, true);
        await reports.get(lagging);
        await web2.updatePrice(primary!, 100 + (n % 50), 400 + n, false);
        const racing = 41 + (n % 20);
        await web1.updatePrice(primary!, racing, 500 + n, true);
        await Promise.all([web1.get(racing), web3.get(racing)]);
        await sleep(100, signal);
      }
    })();
    await sleep(1200, signal);
    try {
      const step: DemoStep = {
        title: '2. The three failure modes of the case study',
        explanation:
          'A read that loaded a row before a write filled the cache after it (a write/invalidate race); web-2 keeps an in-process cache and deletes ' +
          'without publishing, so no instance hears of its writes (hidden local caches); reports-1 fills the cache from a standby whose replay is ' +
          'paused (replica lag). cachedoctor report --monitor 5s --follow 5s ranks what it finds (follow checks every committed write), with the likely cause and the fix for each.',
        expected: [
          'replica-lag',
          'replay-paused',
          'stale@replica-lag',
          'stale@write-invalidate-race',
          'missing-subscribers',
          'stale-fill',
          'missing-broadcast',
          'concurrent-fill',
          'stale-after-write@replica-lag',
        ],
        command: commandLine({ monitor: '5s', follow: '5s', expectSubscribers: '3' }),
        report: await report({ monitor: '5s', follow: '5s', expectSubscribers: '3' }),
      };
      traffic = false;
      // Traffic that failed part-way (not one stopped by Ctrl-C) means the report saw less than was staged.
      const failed = await loop.then(
        () => null,
        (err: unknown) => err,
      );
      step.trafficError = failed === null || signal.aborted ? null : String((failed as Error).message ?? failed);
      steps.push(step);
    } finally {
      traffic = false;
      // Awaited above when the step ran; here only so an earlier failure leaves nothing running.
      await loop.then(
        () => undefined,
        () => undefined,
      );
      await sb.resumeReplay();
    }
  } finally {
    out.note('demo: tearing the sandbox down ...');
    await Promise.all(services.map((s) => s.stop().catch(() => {})));
    await primary?.end().catch(() => {});
    await sb.teardown();
  }
  const findings = missedExpectations(steps);
  // Ctrl-C during a step may still leave every expected kind found: an interrupted demo never passes.
  const complete = !signal.aborted;
  return { command: 'demo', summary: { steps: steps.length }, findings, fails: findings.length > 0, complete, data: { steps } };
}

/** The sandbox, or a one-line reason it could not start (missing binaries, Ctrl-C during start-up). */
async function startSandbox(signal: AbortSignal): Promise<Sandbox> {
  try {
    return await Sandbox.start({ handleSignals: false });
  } catch (err) {
    if (signal.aborted) throw new InterruptedError('demo interrupted while the sandbox was starting');
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw new SourceError(
      `demo: could not start the sandbox: ${first}`,
      'the demo needs redis-server and the PostgreSQL server binaries (initdb, postgres, pg_basebackup)',
      { cause: err },
    );
  }
}
