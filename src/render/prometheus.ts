// The report in Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector:
// one gauge family per metric, HELP and TYPE first, label values escaped (\\ \" \n).
import type { Envelope } from '../core/envelope.js';
import { SEVERITIES } from '../core/findings/findings.js';
import { FINDING_KINDS, type FindingKind } from '../core/findings/kinds.js';
import { severityTotals } from './totals.js';
import type { ReportData } from '../core/report/reportResult.js';

interface Family {
  name: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

export function renderPrometheus(env: Envelope<ReportData>): string {
  const families: Family[] = [];
  const family = (name: string, help: string) => {
    const f: Family = { name: `cachedoctor_${name}`, help, samples: [] };
    families.push(f);
    return (value: number | null, labels: Record<string, string> = {}) => {
      if (value !== null && Number.isFinite(value)) f.samples.push({ labels, value });
    };
  };
  const h = env.health;

  const ok = family('report_ok', '1 when the report found nothing at or above --fail-on and every configured part ran');
  ok(env.ok ? 1 : 0);
  const exit = family('report_exit_code', 'the exit code of the report run (0 healthy, 1 findings, 3 a source failed)');
  exit(env.exitCode);
  const time = family('report_timestamp_seconds', 'when the report was made, in seconds since the epoch');
  time(Date.parse(env.generatedAt) / 1000);
  const up = family('part_up', '1 when this part of the report could query its sources (0: failed); skipped parts are absent');
  for (const p of env.parts) if (p.status !== 'skipped') up(p.status === 'failed' ? 0 : 1, { part: p.part });

  // Counted from every part's totals (the JSON lists --max-listed of each kind).
  const totals = severityTotals(env);
  const bySeverity = family('findings_by_severity', 'findings of the report, by severity');
  for (const s of SEVERITIES) bySeverity(totals[s], { severity: s });
  const findings = family('findings', 'findings of the report, by kind and severity');
  for (const [kind, n] of Object.entries(env.counts) as [FindingKind, number][]) findings(n, { kind, severity: FINDING_KINDS[kind].severity });

  const entries = family('entries', 'cache entries sampled by scan, by mapping and state');
  const ratio = family('stale_ratio', 'wrong entries (stale, ahead, orphan, version not bumped) over entries compared, by mapping');
  const nines = family('consistency_nines', '-log10 of the stale ratio, by mapping (absent when nothing was stale)');
  for (const m of h.mappings) {
    for (const [state, n] of Object.entries(m.counts)) entries(n, { mapping: m.mapping, state: state.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) });
    ratio(m.staleRatio, { mapping: m.mapping });
    nines(m.nines, { mapping: m.mapping });
  }

  const lagSeconds = family('replica_lag_seconds', 'replay lag per replica in seconds (an upper bound when replay is stuck)');
  const lagBytes = family('replica_lag_bytes', 'replay lag per replica in bytes of WAL');
  const paused = family('replica_replay_paused', '1 when WAL replay is paused on the replica');
  for (const r of h.replicas) {
    lagSeconds(r.lagSeconds, { replica: r.name });
    lagBytes(r.lagBytes, { replica: r.name });
    paused(r.replayPaused ? 1 : 0, { replica: r.name });
  }
  const window = family('read_your_writes_window_seconds', 'route reads after a write to the primary for at least this long (absent when no window is safe)');
  window(h.advice?.windowSeconds ?? null);

  const subscribers = family('channel_subscribers', 'subscribers of the invalidation channel (PUBSUB NUMSUB and SHARDNUMSUB)');
  if (h.subscribers) subscribers(h.subscribers.subscribers, { channel: h.subscribers.channel });

  const writes = family('follow_writes', 'committed writes followed in the --follow window, by mapping and outcome');
  const writeNines = family('follow_consistency_nines', '-log10 of the share of checked writes the cache did not converge on, by mapping');
  for (const m of h.follow?.mappings ?? []) {
    writes(m.converged, { mapping: m.mapping, outcome: 'converged' });
    writes(m.checked - m.converged, { mapping: m.mapping, outcome: 'stale' });
    writes(m.unchecked, { mapping: m.mapping, outcome: 'unchecked' });
    writeNines(m.nines, { mapping: m.mapping });
  }

  const events = family('monitor_events_per_second', 'commands per second seen by the MONITOR window');
  const perInvalidation = family('monitor_reads_per_invalidation', 'cache reads per invalidation in the MONITOR window');
  if (h.monitor) {
    events(h.monitor.eventsPerSecond);
    perInvalidation(h.monitor.readsPerInvalidation);
  }

  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}
