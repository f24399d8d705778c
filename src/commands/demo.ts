// `cachedoctor demo`: starts a throwaway primary + standby, reproduces replica lag, and shows cachedoctor finding it.
import { type DemoData, type DemoStep, missedExpectations } from '../core/demo.js';
import { type CommandResult, toEnvelope } from '../core/envelope.js';
import { InterruptedError, SourceError } from '../errors.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { VERSION } from '../version.js';
import type { CommandContext } from './context.js';
import { runLag } from './lag.js';

export async function runDemo(ctx: CommandContext): Promise<CommandResult<DemoData>> {
  const { out, signal } = ctx;
  out.note('demo: starting a throwaway PostgreSQL primary and streaming standby in a temp folder ...');
  const sb = await startSandbox(signal);
  const steps: DemoStep[] = [];
  try {
    const primary = sb.primary!;
    const standby = sb.standby!;
    await primary.sql('CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version int NOT NULL DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now())');
    await primary.sql('INSERT INTO products (id, price) SELECT g, 10 + g FROM generate_series(1, 1000) g');
    await sb.waitForCatchUp();
    const lagOf = async (options: Record<string, unknown>) => {
      if (signal.aborted) throw new InterruptedError('demo interrupted');
      const settings = { ...ctx.settings, primary: { url: primary.url, origin: 'demo' }, replicas: [{ url: standby.url, origin: 'demo' }], thresholds: { ...ctx.settings.thresholds, maxLagSeconds: 1 } };
      return toEnvelope(await runLag({ ...ctx, settings, options }), VERSION, ctx.now());
    };

    out.note('demo: 1/2 healthy replication ...');
    steps.push({
      title: '1. A healthy primary and standby',
      explanation: 'The standby has replayed everything: a cache miss served from it re-fills Redis with current rows.',
      expected: [],
      report: await lagOf({}),
    });

    out.note('demo: 2/2 pausing replay on the standby, then updating prices on the primary ...');
    await sb.pauseReplay();
    await primary.sql('UPDATE products SET price = price * 1.1, version = version + 1, updated_at = now() WHERE id <= 200');
    await new Promise((r) => setTimeout(r, 1500));
    steps.push({
      title: '2. The replica-lag ambush',
      explanation:
        'The write committed on the primary, but the standby has not replayed it. Any cache miss routed to the standby now reads ' +
        'the old price and writes it back into Redis as if it were fresh (limit for this demo: 1 s).',
      expected: ['replica-lag', 'replay-paused'],
      report: await lagOf({}),
    });
    await sb.resumeReplay();
  } finally {
    out.note('demo: tearing the sandbox down ...');
    await sb.teardown();
  }
  const findings = missedExpectations(steps);
  return { command: 'demo', summary: { steps: steps.length }, findings, fails: findings.length > 0, complete: true, data: { steps } };
}

/** The sandbox, or a one-line reason it could not start (missing binaries, Ctrl-C during start-up). */
async function startSandbox(signal: AbortSignal): Promise<Sandbox> {
  try {
    return await Sandbox.start({ redis: false, handleSignals: false });
  } catch (err) {
    if (signal.aborted) throw new InterruptedError('demo interrupted while the sandbox was starting');
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw new SourceError(`demo: could not start the sandbox: ${first}`, 'the demo needs PostgreSQL server binaries (initdb, postgres, pg_basebackup)', { cause: err });
  }
}
