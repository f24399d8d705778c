// Builds the monitor command's result from the correlator's findings and statistics.
import { anyAtOrAbove, type CommandResult } from '../envelope.js';
import { countBySeverity, type Finding, type Severity } from '../findings.js';
import type { MonitorResult } from './correlate.js';

export interface MonitorData {
  source: { kind: 'capture'; path: string } | { kind: 'live'; target: string; saved: string | null };
  raceWindowMs: number;
  channel: string | null;
  /** Lines that were not MONITOR events (counted and skipped). */
  malformed: number;
  stats: MonitorResult['stats'];
  /** Every finding counted by kind, listed or not. */
  counts: Record<string, number>;
  /** Live: the largest output buffer Redis held for our monitor connection (CLIENT LIST omem). */
  peakOmemBytes: number | null;
}

export interface MonitorRun {
  result: MonitorResult;
  source: MonitorData['source'];
  raceWindowMs: number;
  channel: string | null;
  malformed: number;
  /** Findings about the run itself (subscriber count, a stopped monitor). */
  extra: Finding[];
  failOn: Severity;
  complete: boolean;
  peakOmemBytes: number | null;
}

export function buildMonitorResult(run: MonitorRun): CommandResult<MonitorData> {
  const silent: Finding[] =
    run.result.stats.events > 0
      ? []
      : [
          {
            kind: 'no-traffic',
            severity: 'warning',
            message:
              run.source.kind === 'live'
                ? `no command reached ${run.source.target} in ${run.result.stats.seconds.toFixed(1)} s: nothing to correlate (is this the Redis the applications use, and are they running?)`
                : `the capture ${run.source.path} holds no MONITOR events: nothing to correlate`,
            fix:
              run.source.kind === 'live'
                ? 'watch while the applications are busy, or for longer (--duration)'
                : 'capture with redis-cli monitor > capture.log while the applications are busy',
          },
        ];
  const findings = [...run.result.findings, ...run.extra, ...silent];
  const c = run.result.counts;
  return {
    command: 'monitor',
    fails: anyAtOrAbove(findings, run.failOn),
    complete: run.complete,
    findings,
    summary: {
      events: run.result.stats.events,
      malformed: run.malformed,
      seconds: run.result.stats.seconds,
      eventsPerSecond: run.result.stats.eventsPerSecond,
      staleFills: c['stale-fill'] ?? 0,
      concurrentFills: c['concurrent-fill'] ?? 0,
      missingBroadcasts: c['missing-broadcast'] ?? 0,
      fillsWithoutTtl: c['fill-without-ttl'] ?? 0,
      // Every finding, listed or not (the list keeps --max-listed of each kind).
      ...sumSeverities(run.result.severities, countBySeverity([...run.extra, ...silent])),
    },
    data: {
      source: run.source,
      raceWindowMs: run.raceWindowMs,
      channel: run.channel,
      malformed: run.malformed,
      stats: run.result.stats,
      counts: c,
      peakOmemBytes: run.peakOmemBytes,
    },
  };
}

function sumSeverities(a: Record<Severity, number>, b: Record<Severity, number>): Record<Severity, number> {
  return { critical: a.critical + b.critical, warning: a.warning + b.warning, info: a.info + b.info };
}
