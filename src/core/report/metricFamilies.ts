// The report's metrics, as data: each family's name, help and label names, once; their samples from a report.
// `report --format prometheus` writes them as a textfile, `serve` exposes them (with its own) on /metrics.
import type { Envelope } from '../envelope.js';
import { SEVERITIES } from '../findings/findings.js';
import { FINDING_KINDS, type FindingKind } from '../findings/kinds.js';
import type { ReportData } from './reportResult.js';
import { severityTotals } from '../findings/totals.js';

export interface FamilySpec {
  /** Without the cachedoctor_ prefix. */
  name: string;
  help: string;
  labels: readonly string[];
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export const REPORT_FAMILIES = [
  { name: 'report_ok', help: '1 when the report found nothing at or above --fail-on and every configured part ran', labels: [] },
  { name: 'report_exit_code', help: 'the exit code of the report run (0 healthy, 1 findings, 3 a source failed)', labels: [] },
  { name: 'report_timestamp_seconds', help: 'when the report was made (serve: the scrape), in seconds since the epoch', labels: [] },
  { name: 'part_up', help: '1 when this part of the report could query its sources (0: failed); skipped parts are absent', labels: ['part'] },
  { name: 'findings_by_severity', help: 'findings of the report, by severity', labels: ['severity'] },
  { name: 'findings', help: 'findings of the report, by kind and severity', labels: ['kind', 'severity'] },
  { name: 'entries', help: 'cache entries sampled by scan, by mapping and state', labels: ['mapping', 'state'] },
  { name: 'stale_ratio', help: 'wrong entries (stale, ahead, orphan, version not bumped) over entries compared, by mapping', labels: ['mapping'] },
  { name: 'consistency_nines', help: '-log10 of the stale ratio, by mapping (absent when nothing was stale)', labels: ['mapping'] },
  { name: 'replica_lag_seconds', help: 'replay lag per replica in seconds (an upper bound when replay is stuck)', labels: ['replica'] },
  { name: 'replica_lag_bytes', help: 'replay lag per replica in bytes of WAL', labels: ['replica'] },
  { name: 'replica_replay_paused', help: '1 when WAL replay is paused on the replica', labels: ['replica'] },
  {
    name: 'read_your_writes_window_seconds',
    help: 'route reads after a write to the primary for at least this long (absent when no window is safe)',
    labels: [],
  },
  {
    name: 'channel_subscribers',
    help: 'subscribers of the invalidation channel (PUBSUB NUMSUB and SHARDNUMSUB; follow, which hears it by a pattern, is not counted)',
    labels: ['channel'],
  },
  { name: 'follow_writes', help: 'committed writes followed in the --follow window, by mapping and outcome', labels: ['mapping', 'outcome'] },
  {
    name: 'follow_consistency_nines',
    help: '-log10 of the share of checked writes the cache did not converge on, by mapping',
    labels: ['mapping'],
  },
  { name: 'monitor_events_per_second', help: 'commands per second seen by the MONITOR window', labels: [] },
  { name: 'monitor_reads_per_invalidation', help: 'cache reads per invalidation in the MONITOR window', labels: [] },
] as const satisfies readonly FamilySpec[];

export type ReportFamily = (typeof REPORT_FAMILIES)[number]['name'];

/** Each family's samples from one report (a family without any is absent from the output). */
export function reportSamples(env: Envelope<ReportData>): Map<ReportFamily, Sample[]> {
  const out = new Map<ReportFamily, Sample[]>(REPORT_FAMILIES.map((f) => [f.name, []]));
  const add = (name: ReportFamily, value: number | null | undefined, labels: Record<string, string> = {}) => {
    if (value !== null && value !== undefined && Number.isFinite(value)) out.get(name)!.push({ labels, value });
  };
  const h = env.health;
  add('report_ok', env.ok ? 1 : 0);
  add('report_exit_code', env.exitCode);
  add('report_timestamp_seconds', Date.parse(env.generatedAt) / 1000);
  for (const p of env.parts) if (p.status !== 'skipped') add('part_up', p.status === 'failed' ? 0 : 1, { part: p.part });

  // Counted from every part's totals (the JSON lists --max-listed of each kind).
  const totals = severityTotals(env);
  for (const s of SEVERITIES) add('findings_by_severity', totals[s], { severity: s });
  for (const [kind, n] of Object.entries(env.counts) as [FindingKind, number][]) add('findings', n, { kind, severity: FINDING_KINDS[kind].severity });

  for (const m of h.mappings) {
    for (const [state, n] of Object.entries(m.counts)) add('entries', n, { mapping: m.mapping, state: state.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) });
    add('stale_ratio', m.staleRatio, { mapping: m.mapping });
    add('consistency_nines', m.nines, { mapping: m.mapping });
  }
  for (const r of h.replicas) {
    add('replica_lag_seconds', r.lagSeconds, { replica: r.name });
    add('replica_lag_bytes', r.lagBytes, { replica: r.name });
    add('replica_replay_paused', r.replayPaused ? 1 : 0, { replica: r.name });
  }
  add('read_your_writes_window_seconds', h.advice?.windowSeconds);
  if (h.subscribers) add('channel_subscribers', h.subscribers.subscribers, { channel: h.subscribers.channel });
  for (const m of h.follow?.mappings ?? []) {
    add('follow_writes', m.converged, { mapping: m.mapping, outcome: 'converged' });
    add('follow_writes', m.checked - m.converged, { mapping: m.mapping, outcome: 'stale' });
    add('follow_writes', m.unchecked, { mapping: m.mapping, outcome: 'unchecked' });
    add('follow_consistency_nines', m.nines, { mapping: m.mapping });
  }
  if (h.monitor) {
    add('monitor_events_per_second', h.monitor.eventsPerSecond);
    add('monitor_reads_per_invalidation', h.monitor.readsPerInvalidation);
  }
  return out;
}
