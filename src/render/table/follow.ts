// follow as text: per mapping, the writes followed and how many the cache converged on, the nines over writes and
// the time to consistency; then the stale writes, a few of each class with their timeline; the verdict.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../../core/envelope.js';
import { STALE_CLASSES } from '../../core/follow/checker.js';
import type { FollowData } from '../../core/follow/followData.js';
import { plural } from '../../core/plural.js';
import { formatBytes } from '../../core/units.js';
import { severityLabel } from '../colour.js';
import { printable } from '../printable.js';
import { fitTable } from './fit.js';
import { renderVerdict } from './findings.js';
import { renderTimeline } from './timeline.js';

const SHOWN_PER_CLASS = 3;
const DASH = '-';

export function renderFollowTable(env: Envelope<FollowData>, chalk: ChalkInstance, width: number): string {
  const out: string[] = [
    `${chalk.bold('Committed writes')}  on ${env.primary} for ${env.seconds.toFixed(1)} s, each checked in Redis ${env.graceMs / 1000} s after its commit${env.replicas.length > 0 ? `; replicas ${env.replicas.join(', ')}` : ''}${env.maxBehindBytes !== null ? `; at most ${formatBytes(env.maxBehindBytes)} behind the primary` : ''}`,
  ];
  for (const n of env.notes) out.push(chalk.yellow(`  ${n}`));
  const ms = (s: { median: number; p95: number } | null) => (s ? `${s.median.toFixed(0)} / ${s.p95.toFixed(0)} ms` : DASH);
  out.push(
    fitTable(
      ['Mapping', 'Writes', 'Checked', 'Converged', 'Stale', 'Unchecked', 'Nines', 'Invalidated p50 / p95', 'Refilled p50 / p95'],
      env.mappings.map((m) => {
        const stale = m.checked - m.converged;
        return [
          m.mapping,
          String(m.writes),
          String(m.checked),
          String(m.converged),
          stale > 0 ? chalk.red.bold(String(stale)) : '0',
          m.unchecked > 0 ? chalk.yellow(String(m.unchecked)) : '0',
          m.nines !== null ? String(m.nines) : m.ninesAtLeast !== null ? `≥ ${m.ninesAtLeast}` : DASH,
          ms(m.commitToInvalidatedMs),
          ms(m.commitToRefilledMs),
        ];
      }),
      width,
      chalk,
    ),
  );
  for (const m of env.mappings) {
    const classes = STALE_CLASSES.filter((c) => m.stale[c] > 0).map((c) => `${m.stale[c]} ${c}`);
    if (classes.length > 0) out.push(chalk.dim(`  ${m.mapping}: ${classes.join(', ')}`));
  }
  if (env.findings.length === 0) out.push('', chalk.green('No findings.'));
  const groups = new Map<string, typeof env.findings>();
  for (const f of env.findings) {
    const g = `${f.kind}\u0000${String(f.class ?? '')}`;
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  for (const [g, list] of groups) {
    for (const f of list.slice(0, SHOWN_PER_CLASS)) {
      out.push('', `${severityLabel(chalk, f.severity)} ${chalk.bold(f.kind)}: ${printable(f.message)}`);
      out.push(...renderTimeline(f.timeline, chalk, '    '));
    }
    const total = g.startsWith('stale-after-write')
      ? env.mappings.reduce((n, m) => n + (m.stale[g.split('\u0000')[1] as (typeof STALE_CLASSES)[number]] ?? 0), 0)
      : list.length;
    if (total > SHOWN_PER_CLASS) out.push(chalk.dim(`  ... ${plural(total - SHOWN_PER_CLASS, 'more')} of this kind (--json lists up to --max-listed)`));
  }
  out.push('', renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}
