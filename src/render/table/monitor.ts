// monitor as text: what was watched, each finding with the key's timeline as evidence, then the statistics.
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Envelope } from '../../core/envelope.js';
import type { MonitorData } from '../../core/monitor/monitorReport.js';
import { plural } from '../../core/plural.js';
import { severityLabel } from '../colour.js';
import { printable } from '../printable.js';
import { renderVerdict } from './findings.js';
import { renderTimeline } from './timeline.js';

/** Findings shown per kind; the rest are counted. */
const SHOWN_PER_KIND = 3;

export function renderMonitorTable(env: Envelope<MonitorData>, chalk: ChalkInstance, width: number): string {
  const s = env.stats;
  const where =
    env.source.kind === 'capture'
      ? `capture ${env.source.path}`
      : `live MONITOR on ${env.source.target}${env.source.saved ? ` (saved to ${env.source.saved})` : ''}`;
  const out: string[] = [
    `${chalk.bold('Command stream')}  ${where}: ${plural(s.events, 'event')} over ${s.seconds.toFixed(1)} s${s.eventsPerSecond !== null ? ` (${s.eventsPerSecond}/s)` : ''}${env.malformed ? `, ${env.malformed} malformed line(s) skipped` : ''}${env.oversizedLines ? `, ${env.oversizedLines} line(s) with a value over --max-value-bytes skipped` : ''}`,
  ];
  if (env.findings.length === 0) out.push('', chalk.green('No findings.'));
  // The most severe kinds first, a few of each, and how many more each has (counted, listed or not).
  const kinds = [...new Set(env.findings.map((f) => f.kind))];
  for (const kind of kinds) {
    const ofKind = env.findings.filter((f) => f.kind === kind);
    for (const f of ofKind.slice(0, SHOWN_PER_KIND)) {
      out.push('', `${severityLabel(chalk, f.severity)} ${chalk.bold(f.kind)}: ${printable(f.message)}`);
      out.push(...renderTimeline(f.timeline, chalk, '    '));
    }
    const more = (env.counts[kind] ?? ofKind.length) - Math.min(ofKind.length, SHOWN_PER_KIND);
    if (more > 0) out.push(chalk.dim(`  ... ${more} more ${kind} not shown (--json lists up to --max-listed of each kind)`));
  }
  // Two columns, the second wrapped to what the terminal has left.
  const stats = new Table({ style: { head: [], border: chalk.level > 0 ? ['grey'] : [] }, colWidths: [29, Math.max(20, width - 33)], wordWrap: true });
  stats.push(
    {
      'Reads / invalidations': `${s.reads} / ${s.invalidations}${s.readsPerInvalidation !== null ? ` (${s.readsPerInvalidation} reads per invalidation)` : ''}`,
    },
    {
      'Refill after invalidation': s.refillDelayMs
        ? `p50 ${s.refillDelayMs.median.toFixed(1)} ms, p95 ${s.refillDelayMs.p95.toFixed(1)} ms, max ${s.refillDelayMs.max.toFixed(1)} ms`
        : '-',
    },
    {
      'Top commands':
        s.topCommands
          .slice(0, 6)
          .map((c) => `${c.name} ${c.count}`)
          .join(', ') || '-',
    },
    {
      'Top key prefixes':
        s.topPrefixes
          .slice(0, 6)
          .map((p) => `${printable(p.name)} ${p.count}`)
          .join(', ') || '-',
    },
  );
  if (env.peakOmemBytes !== null) stats.push({ 'Peak monitor buffer (omem)': `${(env.peakOmemBytes / 1024).toFixed(0)} KiB` });
  out.push('', stats.toString(), '', renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}
