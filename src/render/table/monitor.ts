// monitor as text: what was watched, each finding with the key's timeline as evidence, then the statistics.
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Envelope } from '../../core/envelope.js';
import type { TimelineEntry } from '../../core/monitor/keyStates.js';
import type { MonitorData } from '../../core/monitor/monitorReport.js';
import { plural } from '../../core/plural.js';
import { severityLabel } from '../colour.js';
import { printable } from '../printable.js';
import { renderVerdict } from './findings.js';

export function renderMonitorTable(env: Envelope<MonitorData>, chalk: ChalkInstance): string {
  const s = env.stats;
  const where =
    env.source.kind === 'capture'
      ? `capture ${env.source.path}`
      : `live MONITOR on ${env.source.target}${env.source.saved ? ` (saved to ${env.source.saved})` : ''}`;
  const out: string[] = [
    `${chalk.bold('Command stream')}  ${where}: ${plural(s.events, 'event')} over ${s.seconds.toFixed(1)} s${s.eventsPerSecond !== null ? ` (${s.eventsPerSecond}/s)` : ''}${env.malformed ? `, ${env.malformed} malformed line(s) skipped` : ''}`,
  ];
  if (env.findings.length === 0) out.push('', chalk.green('No findings.'));
  for (const f of env.findings.slice(0, 20)) {
    out.push(
      '',
      `${severityLabel(chalk, f.severity)} ${chalk.bold(f.kind)}${f.confidence ? chalk.dim(` (confidence ${f.confidence})`) : ''}: ${printable(f.message)}`,
    );
    const timeline = f.timeline as TimelineEntry[] | undefined;
    if (timeline?.length) {
      const t0 = timeline[0]!.atUs;
      for (const t of timeline)
        out.push(
          chalk.dim(`    +${((t.atUs - t0) / 1000).toFixed(1).padStart(7)} ms  ${t.what.padEnd(10)} ${t.client}${t.version ? `  version ${t.version}` : ''}`),
        );
    }
  }
  const more = Object.entries(env.counts).filter(([kind, n]) => n > env.findings.filter((f) => f.kind === kind).length);
  if (env.findings.length > 20 || more.length)
    out.push(
      '',
      chalk.dim(
        `Counted in all: ${Object.entries(env.counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')} (see --json for the listed ones)`,
      ),
    );
  const stats = new Table({ style: { head: [], border: chalk.level > 0 ? ['grey'] : [] } });
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
