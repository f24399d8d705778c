// scan as tables: the per-mapping summary, then the ranked wrong entries, findings about the rest, the verdict.
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Envelope } from '../../core/envelope.js';
import type { ScanData } from '../../core/scan/scanReport.js';
import { formatSeconds } from '../../core/units.js';
import { severityLabel } from '../colour.js';
import { renderVerdict } from './findings.js';

const DASH = '-';

export function renderScanTable(env: Envelope<ScanData>, chalk: ChalkInstance): string {
  const style = { head: chalk.level > 0 ? ['bold'] : [], border: chalk.level > 0 ? ['grey'] : [] };
  const out: string[] = [chalk.bold('Cache vs primary')];
  const summary = new Table({ head: ['Mapping', 'Table', 'Sampled', 'Fresh', 'Stale', 'Ahead', 'Orphan', 'Not bumped', 'Undecodable', 'Oversized', 'No TTL', 'In flight', 'Stale ratio (95% CI)', 'Nines'], style });
  for (const m of env.mappings) {
    summary.push([
      m.mapping,
      m.table,
      m.sampled,
      m.counts.fresh,
      m.counts.stale ? chalk.red.bold(String(m.counts.stale)) : '0',
      m.counts.ahead,
      m.counts.orphan,
      m.counts['version-not-bumped'] ? chalk.red.bold(String(m.counts['version-not-bumped'])) : '0',
      m.counts.undecodable,
      m.counts.oversized,
      m.counts.noTtl,
      m.counts.inflight,
      ratio(m.staleRatio, m.staleRatioLow, m.staleRatioHigh),
      m.nines !== null ? String(m.nines) : m.ninesAtLeast !== null ? `≥ ${m.ninesAtLeast}` : DASH,
    ]);
  }
  out.push(summary.toString());
  if (env.entries.length > 0) {
    const t = new Table({ head: ['Key', 'Kind', 'Cache', 'Primary', 'Behind', 'Wrong for', 'TTL left', 'Lagging replica'], style });
    for (const e of env.entries) {
      t.push([
        e.key,
        e.state === 'stale' || e.state === 'version-not-bumped' ? chalk.red(e.state) : chalk.yellow(e.state),
        e.cacheVersion ?? DASH,
        e.rowVersion ?? DASH,
        e.versionsBehind !== null && e.versionsBehind > 0 ? String(e.versionsBehind) : DASH,
        e.secondsBehind !== null ? formatSeconds(e.secondsBehind) : DASH,
        e.ttlSeconds !== null ? formatSeconds(e.ttlSeconds) : chalk.yellow('none'),
        e.laggingReplica ?? DASH,
      ]);
    }
    const listed = env.entries.length < (env.summary.wrong as number) ? ` (the ${env.entries.length} worst of ${env.summary.wrong})` : '';
    out.push('', chalk.bold(`Wrong entries, worst first${listed}`), t.toString());
  }
  const rest = env.findings.filter((f) => !['stale', 'ahead', 'orphan', 'version-not-bumped'].includes(f.kind));
  if (rest.length > 0) {
    out.push('', chalk.bold('Other findings'));
    for (const f of rest.slice(0, 12)) out.push(`  ${severityLabel(chalk, f.severity)} ${chalk.bold(f.kind)}: ${f.message}`);
    if (rest.length > 12) out.push(chalk.dim(`  ... and ${rest.length - 12} more (see --json)`));
  }
  const inflight = env.summary.inflight as number;
  if (inflight > 0) out.push('', chalk.dim(`${inflight} entries were wrong at first and right ${env.graceSeconds} s later: writes in flight, not staleness.`));
  const unconfirmed = env.summary.unconfirmed as number;
  if (unconfirmed > 0) out.push(chalk.yellow(`${unconfirmed} entries looked wrong but the scan stopped before their second look: not counted as stale.`));
  out.push('', renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}

function ratio(r: number | null, low: number | null, high: number | null): string {
  if (r === null) return DASH;
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 ? 3 : 2)}%`;
  return `${pct(r)} (${pct(low ?? 0)}-${pct(high ?? 0)})`;
}
