// The lag command as tables: current state per replica, the --watch window, findings and advice.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../../core/envelope.js';
import type { LagData } from '../../core/lag/lagReport.js';
import type { ReplicaLag } from '../../core/lag/replicaLag.js';
import { plural } from '../../core/plural.js';
import { formatBytes, formatSeconds } from '../../core/units.js';
import { fitTable } from './fit.js';
import { renderFindings, renderVerdict } from './findings.js';

const DASH = '-';

export function renderLagTable(env: Envelope<LagData>, chalk: ChalkInstance, width: number): string {
  const out: string[] = [];
  const p = env.primary;
  out.push(
    p
      ? `${chalk.bold('Replication lag')}  ${p.inRecovery ? chalk.red.bold(`--pg ${p.target} is IN RECOVERY, not the primary`) : `primary ${p.target}`} (PostgreSQL ${p.serverVersion}, role ${p.role}, WAL at ${p.currentLsn ?? DASH})`
      : `${chalk.bold('Replication lag')}  no primary given: replicas report on themselves`,
  );
  if (env.replicas.length > 0) out.push(replicaTable(env.replicas, env.thresholds, chalk, p !== null, width));
  else out.push(chalk.dim('  no replicas'));
  if (env.otherWalSenders.length > 0) {
    out.push(
      chalk.dim(
        `  also streaming WAL, not replicas: ${env.otherWalSenders.map((w) => `${w.applicationName ?? `pid ${w.pid}`} (${w.database ? `logical, ${w.database}` : (w.state ?? '?')})`).join(', ')}`,
      ),
    );
  }
  if (env.watch) out.push(watchTable(env, chalk, width));
  out.push('', renderFindings(env, chalk));
  out.push('', `${chalk.bold('Advice')}: ${env.advice.message}`);
  out.push('', renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}

function replicaTable(replicas: readonly ReplicaLag[], t: LagData['thresholds'], chalk: ChalkInstance, hasPrimary: boolean, width: number): string {
  const rows = replicas.map((r) => {
    // Replay-timestamp and WAL-history figures are upper bounds: say so.
    const bound = r.lagBasis === 'replay-timestamp' || r.lagBasis === 'wal-history' ? '≤ ' : '';
    const lagText = r.lagSeconds === null ? DASH : `${bound}${formatSeconds(r.lagSeconds)}`;
    const over = (r.lagSeconds ?? 0) > t.maxLagSeconds || (r.lagBytes ?? 0) > t.maxLagBytes;
    return [
      r.applicationName && r.applicationName !== r.name ? `${r.name}\n${chalk.dim(r.applicationName)}` : r.name,
      [r.state ?? (r.onPrimary ? 'hidden' : hasPrimary ? 'not on primary' : DASH), r.syncState].filter(Boolean).join(' / '),
      over ? chalk.red.bold(lagText) : lagText,
      r.lagBytes === null ? DASH : over ? chalk.red(formatBytes(r.lagBytes)) : formatBytes(r.lagBytes),
      [r.writeLagSeconds, r.flushLagSeconds, r.replayLagSeconds].map((s) => (s === null ? DASH : formatSeconds(s))).join(' / '),
      r.replyAgeSeconds === null ? DASH : formatSeconds(r.replyAgeSeconds),
      r.error
        ? chalk.red(r.errorKind === 'rejected' ? 'refused us' : 'unreachable')
        : (r.receiverStatus ?? (r.hasReceiver ? 'hidden' : r.target ? 'none' : DASH)),
      r.pauseState === 'paused' || r.pauseState === 'pause requested' ? chalk.yellow(r.pauseState) : (r.pauseState ?? DASH),
    ];
  });
  return fitTable(['Replica', 'State', 'Lag', 'Behind', 'Write / flush / replay lag', 'Reply age', 'Receiver', 'Replay'], rows, width, chalk);
}

function watchTable(env: Envelope<LagData>, chalk: ChalkInstance, width: number): string {
  const w = env.watch;
  if (!w) return '';
  const sec = (v: number | undefined) => (v === undefined ? DASH : formatSeconds(v));
  const rows = w.window.map((r) => [
    r.name,
    String(r.samples),
    sec(r.lagSeconds?.min),
    sec(r.lagSeconds?.median),
    sec(r.lagSeconds?.p95),
    sec(r.lagSeconds?.max),
    r.lagBytes ? formatBytes(r.lagBytes.max) : DASH,
    r.sparkline,
  ]);
  const table = fitTable(['Replica', 'Samples', 'Min', 'Median', 'p95', 'Max', 'Max behind', 'Lag over the window'], rows, width, chalk);
  return `\n${chalk.bold('Over the window')} (${plural(w.samples.length, 'sample')}, every ${formatSeconds(w.intervalMs / 1000)})\n${table}`;
}
