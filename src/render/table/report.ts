// report as text: the ranked list (what is wrong, the likely cause, the fix, the evidence), then health, then
// what was and was not checked.
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Envelope } from '../../core/envelope.js';
import type { ReportData } from '../../core/report/reportResult.js';
import { formatBytes, formatSeconds } from '../../core/units.js';
import { severityLabel } from '../colour.js';
import { printable } from '../printable.js';
import { renderVerdict } from './findings.js';
import { renderTimeline } from './timeline.js';

/** Ranked items shown in full; the rest are counted (all are in --json). */
const SHOWN = 15;

export function renderReportTable(env: Envelope<ReportData>, chalk: ChalkInstance, columns: number): string {
  const out: string[] = [chalk.bold('Staleness report')];
  if (env.ranked.length === 0) out.push('', chalk.green('No findings.'));
  for (const item of env.ranked.slice(0, SHOWN)) {
    const cause = item.causeTitle ? chalk.cyan(` [likely cause: ${item.causeTitle}]`) : '';
    out.push('', `${chalk.bold(`#${item.rank}`)} ${severityLabel(chalk, item.severity)} ${chalk.bold(item.kind)} ${chalk.dim(`(${item.part})`)}${cause}`);
    out.push(`   ${printable(item.message)}`);
    const e = item.evidence;
    if (item.count > 1 && e.keys.length > 0)
      out.push(
        chalk.dim(`   ${e.keyCount === 1 ? 'key' : `keys (${e.keyCount})`}: ${e.keys.map(printable).join(', ')}${e.keyCount > e.keys.length ? ', ...' : ''}`),
      );
    out.push(...renderTimeline(e.timeline, chalk, '     '));
    if (item.fix) out.push(`   ${chalk.dim('fix:')} ${item.fix}`);
  }
  if (env.ranked.length > SHOWN) out.push('', chalk.dim(`... and ${env.ranked.length - SHOWN} more (see --json)`));
  out.push('', chalk.bold('Health'), health(env, chalk, columns));
  out.push('', chalk.bold('Checked'));
  for (const p of env.parts) {
    const mark =
      p.status === 'ok'
        ? chalk.green('ok')
        : p.status === 'skipped'
          ? chalk.dim('skipped')
          : p.status === 'partial'
            ? chalk.yellow('partial')
            : chalk.red('FAILED');
    out.push(`  ${p.part.padEnd(12)} ${mark}${p.reason ? chalk.dim(`: ${p.reason}`) : ''}`);
  }
  out.push('', renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}

function health(env: Envelope<ReportData>, chalk: ChalkInstance, columns: number): string {
  const h = env.health;
  // 24 columns of names, the rest for values: the table is exactly as wide as the terminal (borders: 3).
  const width = Math.max(30, Math.min(columns, 160) - 27);
  const table = new Table({ style: { head: [], border: chalk.level > 0 ? ['grey'] : [] }, colWidths: [24, width], wordWrap: true });
  for (const r of h.replicas) {
    const bound = r.lagBasis === 'replay-timestamp' || r.lagBasis === 'wal-history' ? '≤ ' : '';
    const lag = r.lagSeconds === null ? 'lag unknown' : `${bound}${formatSeconds(r.lagSeconds)}`;
    table.push({
      [`Replica ${r.name}`]: `${r.state ?? '-'}, ${lag}${r.lagBytes !== null ? ` / ${formatBytes(r.lagBytes)}` : ''}${r.replayPaused ? ', replay PAUSED' : ''}`,
    });
  }
  if (h.advice) table.push({ 'Read-your-writes': h.advice.message });
  for (const m of h.mappings) {
    const nines = m.nines === null ? (m.wrong === 0 && m.sampled > 0 ? 'all fresh' : '-') : `${m.nines.toFixed(1)} nines`;
    const wrong = m.wrong === m.stale ? '' : `, ${m.wrong} wrong in all`;
    table.push({ [`Mapping ${m.mapping}`]: `${m.sampled} sampled: ${m.fresh} fresh, ${m.stale} stale${wrong} (${nines})` });
  }
  if (h.subscribers)
    table.push({
      [`Channel ${h.subscribers.channel}`]: `${h.subscribers.subscribers} subscriber(s)${h.subscribers.expected !== null ? ` (expected ${h.subscribers.expected})` : ''}`,
    });
  for (const m of h.follow?.mappings ?? []) {
    const nines = m.nines === null ? (m.checked > 0 && m.converged === m.checked ? 'all converged' : '-') : `${m.nines.toFixed(1)} nines`;
    table.push({
      [`Writes ${m.mapping}`]: `${m.writes} followed${h.follow!.mode === 'poll' ? ' (polled)' : ''}: ${m.checked} checked, ${m.converged} converged${m.unchecked > 0 ? `, ${m.unchecked} unchecked` : ''} (${nines})`,
    });
  }
  if (h.monitor) {
    const m = h.monitor;
    const refill = m.refillDelayMs as { median: number; p95: number; max: number } | null;
    table.push({
      'Command stream': `${m.events} events in ${m.seconds.toFixed(1)} s${m.eventsPerSecond !== null ? ` (${m.eventsPerSecond}/s)` : ''}${m.readsPerInvalidation !== null ? `, ${m.readsPerInvalidation} reads per invalidation` : ''}${
        refill ? `, refill after invalidation p50 ${refill.median.toFixed(1)} / p95 ${refill.p95.toFixed(1)} / max ${refill.max.toFixed(1)} ms` : ''
      }`,
    });
  }
  return table.length === 0 ? chalk.dim('  nothing measured') : table.toString();
}
