// probe's result: per replica, how long a committed write took to become visible there, and the read-your-writes
// window that follows from it. Pure: samples in, findings and advice out.
import type { CommandResult } from './envelope.js';
import { anyAtOrAbove } from './envelope.js';
import { finding, type Finding, type Severity } from './findings/findings.js';
import { plural } from './plural.js';
import { WINDOW_MARGIN } from './lag/readYourWrites.js';
import { type Spread, spread } from './stats.js';

export interface ReplicaVisibility {
  /** The --replica (host:port). */
  replica: string;
  /** Milliseconds from the primary's COMMIT returning to the value being visible on the replica, per write; null:
   * not visible within --max-wait (later writes are then not measured). */
  samplesMs: (number | null)[];
  /** Why the replica could not be measured at all (connection refused, ...). */
  error: string | null;
  /** Whether its WAL replay was paused when the probe ended; null: not known. */
  replayPaused: boolean | null;
}

export interface ProbeData {
  table: string;
  count: number;
  intervalMs: number;
  pollMs: number;
  maxWaitMs: number;
  replicas: (ReplicaVisibility & { spread: Spread | null; timeouts: number })[];
  /** Route reads after a write to the primary for at least this long; null when no window is safe. */
  recommendedWindowMs: number | null;
  advice: string;
}

export interface ProbeRun {
  table: string;
  intervalMs: number;
  pollMs: number;
  maxWaitMs: number;
  replicas: ReplicaVisibility[];
  maxLagSeconds: number;
  failOn: Severity;
  complete: boolean;
  /** Writes committed on the primary (all replicas were asked about each). */
  written: number;
}

/** The recommended window: the worst visibility seen, times the margin lag uses, rounded up to 10 ms. */
export function visibilityWindowMs(worstMs: number): number {
  return Math.max(10, Math.ceil((worstMs * WINDOW_MARGIN) / 10) * 10);
}

const formatMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms * 10) / 10} ms`);

export function buildProbeResult(run: ProbeRun): CommandResult<ProbeData> {
  const findings: Finding[] = [];
  const replicas = run.replicas.map((r) => {
    const timeouts = r.samplesMs.filter((s) => s === null).length;
    const s = spread(r.samplesMs) ?? null;
    if (r.error !== null) {
      findings.push(finding('source-failed', `replica ${r.replica} could not be measured: ${r.error}`, { replica: r.replica }));
    } else if (timeouts > 0) {
      findings.push(
        finding(
          'write-not-visible',
          `replica ${r.replica} did not show a committed write within ${run.maxWaitMs / 1000} s${r.replayPaused ? ' (its WAL replay is paused)' : ''}: a cache miss served from it re-fills Redis with old rows for at least that long`,
          { replica: r.replica, maxWaitMs: run.maxWaitMs },
        ),
      );
    } else if (s && s.max > run.maxLagSeconds * 1000) {
      findings.push(
        finding(
          'replica-lag',
          `replica ${r.replica} showed committed writes after up to ${formatMs(s.max)} (p50 ${formatMs(s.median)}; limit ${run.maxLagSeconds} s)`,
          {
            replica: r.replica,
            maxMs: s.max,
            fix: `after a write, route cache-miss reads of that row to the primary for at least ${formatMs(visibilityWindowMs(s.max))}`,
          },
        ),
      );
    }
    if (r.replayPaused) {
      findings.push(
        finding('replay-paused', `replica ${r.replica} has WAL replay paused: every write from now on is invisible there until pg_wal_replay_resume()`, {
          replica: r.replica,
          pauseState: 'paused',
        }),
      );
    }
    return { ...r, spread: s, timeouts };
  });
  const measured = replicas.filter((r) => r.error === null);
  const blind = measured.find((r) => r.timeouts > 0);
  const worst = Math.max(...measured.map((r) => r.spread?.max ?? 0));
  const recommendedWindowMs = blind || measured.length === 0 || measured.every((r) => r.spread === null) ? null : visibilityWindowMs(worst);
  const advice = blind
    ? `replica ${blind.replica} did not show a write within ${run.maxWaitMs / 1000} s: no window is safe; fill the cache from the primary until it replays again`
    : recommendedWindowMs === null
      ? 'nothing was measured'
      : `after a write, route reads of that row (and cache fills) to the primary for at least ${formatMs(recommendedWindowMs)} (worst visibility ${formatMs(worst)} over ${plural(run.written, 'write')}, times ${WINDOW_MARGIN}; one run sees no rare spike: repeat at busy times)`;
  return {
    command: 'probe',
    fails: anyAtOrAbove(findings, run.failOn),
    complete: run.complete,
    findings,
    summary: {
      writes: run.written,
      replicas: replicas.length,
      recommendedWindowMs,
      worstMs: measured.length > 0 && !blind ? worst : null,
      timeouts: replicas.reduce((n, r) => n + r.timeouts, 0),
    },
    data: {
      table: run.table,
      count: run.written,
      intervalMs: run.intervalMs,
      pollMs: run.pollMs,
      maxWaitMs: run.maxWaitMs,
      replicas,
      recommendedWindowMs,
      advice,
    },
  };
}
