// Builds the monitor command's result from the correlator's findings and statistics.
import type { CommandResult } from '../envelope.js';
import { addCounts, countByKind, countsFailAt, type Finding, finding, type Severity, severitiesOfCounts } from '../findings/findings.js';
import type { MonitorResult } from './correlate.js';

export interface MonitorData {
  source: { kind: 'capture'; path: string } | { kind: 'live'; target: string; saved: string | null };
  raceWindowMs: number;
  channel: string | null;
  /** Lines that were not MONITOR events (counted and skipped). */
  malformed: number;
  /** Lines holding a value over --max-value-bytes, skipped without being held whole. */
  oversizedLines: number;
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
  oversizedLines: number;
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
          run.source.kind === 'live'
            ? finding(
                'no-traffic',
                `no command reached ${run.source.target} in ${run.result.stats.seconds.toFixed(1)} s: nothing to correlate (is this the Redis the applications use, and are they running?)`,
              )
            : finding('no-traffic', `the capture ${run.source.path} holds no MONITOR events: nothing to correlate`, {
                fix: 'capture with redis-cli monitor > capture.log while the applications are busy',
              }),
        ];
  const findings = [...run.result.findings, ...run.extra, ...silent];
  const c = run.result.counts;
  // Every finding, listed or not (the list keeps --max-listed of each kind).
  const counts = addCounts(c, countByKind([...run.extra, ...silent]));
  return {
    command: 'monitor',
    fails: countsFailAt(counts, run.failOn),
    complete: run.complete,
    findings,
    summary: {
      events: run.result.stats.events,
      malformed: run.malformed,
      oversizedLines: run.oversizedLines,
      seconds: run.result.stats.seconds,
      eventsPerSecond: run.result.stats.eventsPerSecond,
      staleFills: c['stale-fill'] ?? 0,
      sameVersionRefills: c['same-version-refill'] ?? 0,
      concurrentFills: c['concurrent-fill'] ?? 0,
      missingBroadcasts: c['missing-broadcast'] ?? 0,
      fillsWithoutTtl: c['fill-without-ttl'] ?? 0,
      ...severitiesOfCounts(counts),
    },
    counts,
    data: {
      source: run.source,
      raceWindowMs: run.raceWindowMs,
      channel: run.channel,
      malformed: run.malformed,
      oversizedLines: run.oversizedLines,
      stats: run.result.stats,
      counts: c,
      peakOmemBytes: run.peakOmemBytes,
    },
  };
}
