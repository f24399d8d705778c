// Builds the monitor command's result from the correlator's findings and statistics.
import type { CommandResult } from '../envelope.js';
import { addCounts, countByKind, countsFailAt, type Finding, finding, type Severity, severitiesOfCounts } from '../findings/findings.js';
import { plural } from '../plural.js';
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
  /** What was followed, in words ("--match 'product:*'", "mapping product (product:{id})"), and its version field(s). */
  following: { what: string; versionField: string };
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
  const findings = [...run.result.findings, ...run.extra, ...silent, ...followedNothing(run)];
  const c = run.result.counts;
  // Every finding, listed or not (the list keeps --max-listed of each kind).
  const counts = addCounts(c, countByKind(findings.slice(run.result.findings.length)));
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

/** A watch that followed nothing proves nothing: no event touched a followed key, or no fill carried a version. */
function followedNothing(run: MonitorRun): Finding[] {
  const st = run.result.stats;
  const seen = (list: { name: string; count: number }[]) => list.slice(0, 5).map((p) => `${p.name}* (${p.count})`);
  if (st.events > 0 && st.followedEvents === 0) {
    const instead = seen(st.otherPrefixes);
    return [
      finding(
        'nothing-followed',
        `none of ${plural(st.events, 'command')} touched a key of ${run.following.what}${instead.length > 0 ? `; keys seen instead: ${instead.join(', ')}` : ' (no command named a key)'}`,
        { events: st.events, seen: st.otherPrefixes.slice(0, 5) },
      ),
    ];
  }
  if (st.fills > 0 && st.versionedFills === 0) {
    const fields = st.unversionedFields ?? [];
    return [
      finding(
        'no-version-in-fills',
        `${plural(st.fills, 'fill')} of ${run.following.what}, none with the version field ${run.following.versionField}: stale fills cannot be told; a fill holds ${fields.join(', ') || 'nothing'}`,
        { fills: st.fills, versionField: run.following.versionField, seen: fields },
      ),
    ];
  }
  return [];
}
