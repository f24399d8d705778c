// scan as tables: the per-mapping summary, then the ranked wrong entries, findings about the rest, the verdict.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../../core/envelope.js';
import { EXIT } from '../../errors.js';
import { plural } from '../../core/plural.js';
import type { ScanData } from '../../core/scan/scanReport.js';
import { fillWords } from '../../core/scan/fillTime.js';
import { formatSeconds } from '../../core/units.js';
import { severityLabel } from '../colour.js';
import { printable } from '../printable.js';
import { fitTable } from './fit.js';

const DASH = '-';

export function renderScanTable(env: Envelope<ScanData>, chalk: ChalkInstance, width: number): string {
  const seed = env.summary.seed;
  const out: string[] = [
    `${chalk.bold('Cache vs primary')}${typeof seed === 'number' ? chalk.dim(`  sample from seed ${seed} (--seed ${seed} takes the same sample)`) : ''}`,
  ];
  // Columns for the rarer states only when some mapping has any: the usual table fits a terminal.
  type Mapping = ScanData['mappings'][number];
  const red = (n: number) => (n ? chalk.red.bold(String(n)) : '0');
  const rare = (head: string, n: (m: Mapping) => number, alarm = false) => ({
    head,
    cell: (m: Mapping) => (alarm ? red(n(m)) : n(m)),
    show: env.mappings.some((m) => n(m) > 0),
  });
  const columns: { head: string; cell: (m: Mapping) => string | number; show: boolean }[] = [
    { head: 'Mapping', cell: (m) => m.mapping, show: true },
    { head: 'Table', cell: (m) => m.table, show: true },
    { head: 'Sampled', cell: (m) => m.sampled, show: true },
    { head: 'Fresh', cell: (m) => m.counts.fresh, show: true },
    { head: 'Stale', cell: (m) => red(m.counts.stale), show: true },
    rare('Ahead', (m) => m.counts.ahead),
    rare('Orphan', (m) => m.counts.orphan),
    rare('Not bumped', (m) => m.counts['version-not-bumped'], true),
    rare('Undecodable', (m) => m.counts.undecodable),
    rare('Oversized', (m) => m.counts.oversized),
    rare('No TTL', (m) => m.counts.noTtl),
    rare('In flight', (m) => m.counts.inflight),
    { head: 'Stale ratio (95% CI)', cell: (m) => ratio(m.staleRatio, m.staleRatioLow, m.staleRatioHigh), show: true },
    { head: 'Nines', cell: (m) => (m.nines !== null ? String(m.nines) : m.ninesAtLeast !== null ? `≥ ${m.ninesAtLeast}` : DASH), show: true },
  ];
  const shown = columns.filter((c) => c.show);
  out.push(
    fitTable(
      shown.map((c) => c.head),
      env.mappings.map((m) => shown.map((c) => String(c.cell(m)))),
      width,
      chalk,
    ),
  );
  if (env.entries.length > 0) {
    const rows = env.entries.map((e) => [
      printable(e.key),
      e.state === 'stale' || e.state === 'version-not-bumped' ? chalk.red(e.state) : chalk.yellow(e.state),
      e.cacheVersion ?? DASH,
      e.rowVersion ?? DASH,
      e.versionsBehind !== null && e.versionsBehind > 0 ? String(e.versionsBehind) : DASH,
      e.secondsBehind !== null ? formatSeconds(e.secondsBehind) : DASH,
      (fillWords(e.fill) ?? DASH).replace(/^filled /, '').replace(/, and never invalidated$/, ''),
      e.ttlSeconds !== null ? formatSeconds(e.ttlSeconds) : chalk.yellow('none'),
      e.laggingReplica ?? DASH,
    ]);
    const listed = env.entries.length < (env.summary.wrong as number) ? ` (the ${env.entries.length} worst of ${env.summary.wrong})` : '';
    const head = ['Key', 'Kind', 'Cache', 'Primary', 'Behind', 'Wrong for', 'Filled', 'TTL left', 'Lagging replica'];
    out.push('', chalk.bold(`Wrong entries, worst first${listed}`), fitTable(head, rows, width, chalk));
  }
  const rest = env.findings.filter((f) => !['stale', 'ahead', 'orphan', 'version-not-bumped'].includes(f.kind));
  if (rest.length > 0) {
    out.push('', chalk.bold('Other findings'));
    for (const f of rest.slice(0, 12)) out.push(`  ${severityLabel(chalk, f.severity)} ${chalk.bold(f.kind)}: ${printable(f.message)}`);
    if (rest.length > 12) out.push(chalk.dim(`  ... and ${rest.length - 12} more in --json (the summary counts every entry)`));
  }
  const inflight = env.summary.inflight as number;
  if (inflight > 0) out.push('', chalk.dim(`${inflight} entries were wrong at first and right ${env.graceSeconds} s later: writes in flight, not staleness.`));
  const unconfirmed = env.summary.unconfirmed as number;
  if (unconfirmed > 0)
    out.push(
      chalk.yellow(
        `${plural(unconfirmed, 'entry', 'entries')} looked wrong but the scan stopped before ${unconfirmed === 1 ? 'its' : 'their'} second look: not counted as stale.`,
      ),
    );
  const other = [
    [env.summary.expired, 'expired during the scan'],
    [env.summary.unmatched, 'belong to other key families (not judged)'],
  ].filter(([n]) => (n as number) > 0);
  if (other.length > 0) out.push(chalk.dim(`Also: ${other.map(([n, what]) => `${n} ${what}`).join('; ')}.`));
  out.push('', scanVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}

/** The closing line: why the exit code is what it is, in the scan's own terms. */
function scanVerdict(env: Envelope<ScanData>, chalk: ChalkInstance): string {
  const s = env.summary as Record<string, number>;
  const wrong = s.wrong ?? 0;
  const unconfirmed = s.unconfirmed ?? 0;
  const partial = env.complete
    ? ''
    : env.error
      ? ' (incomplete)'
      : unconfirmed > 0 && env.exitCode !== EXIT.interrupted
        ? ' (incomplete: entries that looked wrong could not be read again)'
        : ' (incomplete: the scan was stopped)';
  const wrongKinds = [
    [s.stale, 'stale'],
    [s.versionNotBumped, 'version not bumped'],
    [s.ahead, 'ahead'],
    [s.orphan, 'orphan'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, k]) => `${n} ${k}`)
    .join(', ');
  const compared = (s.fresh ?? 0) + (s.wrong ?? 0);
  if (env.ok) return chalk.green(`OK: ${wrong} wrong of ${compared} compared (limit ${env.thresholds.maxStale})`);
  if (env.exitCode === EXIT.interrupted) {
    const left = unconfirmed > 0 ? `; ${unconfirmed} left unconfirmed (their re-check was stopped)` : '';
    return (
      chalk.yellow.bold(
        `INCOMPLETE: the scan was stopped before it finished: ${wrong} wrong of ${compared} compared so far (limit ${env.thresholds.maxStale})${left}`,
      ) + chalk.dim(` (exit ${env.exitCode})`)
    );
  }
  const reasons = [
    wrong > env.thresholds.maxStale && `${plural(wrong, 'wrong entry', 'wrong entries')} (${wrongKinds}), over --max-stale ${env.thresholds.maxStale}`,
    env.thresholds.maxStaleRatio !== null &&
      (s.staleRatio ?? 0) > env.thresholds.maxStaleRatio &&
      `stale ratio over --max-stale-ratio ${env.thresholds.maxStaleRatio}`,
    env.complete && compared === 0 && 'nothing was compared',
    env.error?.message,
    unconfirmed > 0 && `${unconfirmed} unconfirmed`,
  ].filter(Boolean);
  return chalk.red.bold(`FAIL: ${reasons.join('; ') || 'the scan did not finish'}${partial}`) + chalk.dim(` (exit ${env.exitCode})`);
}

function ratio(r: number | null, low: number | null, high: number | null): string {
  if (r === null) return DASH;
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 ? 3 : 2)}%`;
  return `${pct(r)} (${pct(low ?? 0)}-${pct(high ?? 0)})`;
}
