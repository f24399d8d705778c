// Builds the lag command's result from its samples: pure, so the whole report is unit-testable.
import { anyAtOrAbove, type CommandResult } from '../envelope.js';
import { countBySeverity, type Finding, type Severity } from '../findings/findings.js';
import { type LagThresholds, lagFindings } from './lagFindings.js';
import { type LagSample, mergeSampleFindings, type ReplicaWindow, summarizeWindow } from './lagWatch.js';
import { type ReadYourWritesAdvice, readYourWritesAdvice } from './readYourWrites.js';
import { computeReplicaLags, type ReplicaLag } from './replicaLag.js';
import { boundByWalHistory } from './walHistory.js';
import { isReplicaWalSender } from './replicaMatch.js';
import type { PrimarySnapshot, ReplicaSnapshot } from './replicationSnapshot.js';

export interface LagData {
  primary: { target: string; serverVersion: string; inRecovery: boolean; currentLsn: string | null; role: string } | null;
  /** Every replica as of the last sample. */
  replicas: ReplicaLag[];
  /** Walsenders that are not read replicas (base backups, WAL archivers, logical subscribers), for completeness. */
  otherWalSenders: { pid: number; applicationName: string | null; state: string | null; database: string | null }[];
  advice: ReadYourWritesAdvice;
  thresholds: LagThresholds;
  watch: {
    intervalMs: number;
    durationMs: number;
    samples: {
      at: string;
      replicas: { id: string; name: string; lagSeconds: number | null; lagBasis: string | null; lagBytes: number | null; state: string | null }[];
    }[];
    window: ReplicaWindow[];
  } | null;
}

/** One sample: lags and findings, with stuck replicas bounded by the primary's WAL positions in `earlier` samples. */
export function takeSample(
  at: Date,
  primary: PrimarySnapshot | null,
  replicas: readonly ReplicaSnapshot[],
  t: LagThresholds,
  earlier: readonly LagSample[] = [],
): LagSample {
  const lags = computeReplicaLags(primary, replicas).map((l) => boundByWalHistory(l, at, earlier));
  return { at: at.toISOString(), primaryLsn: primary?.currentLsn ?? null, lags, findings: lagFindings(primary, replicas, lags, t) };
}

export interface LagRun {
  samples: LagSample[];
  /** The primary as last read, or null when only replicas were given. */
  primary: PrimarySnapshot | null;
  thresholds: LagThresholds;
  watch: { intervalMs: number; durationMs: number } | null;
  failOn: Severity;
  complete: boolean;
  /** Findings about the run itself, e.g. the primary lost in the middle of --watch. */
  runFindings?: Finding[];
}

export function buildLagResult(run: LagRun): CommandResult<LagData> {
  const last = run.samples[run.samples.length - 1];
  const replicas = last?.lags ?? [];
  const findings = [...mergeSampleFindings(run.samples), ...(run.runFindings ?? [])];
  const all = run.samples.flatMap((s) => s.lags);
  const maxOf = (pick: (l: ReplicaLag) => number | null) =>
    all.reduce<number | null>((m, l) => {
      const v = pick(l);
      return v !== null && (m === null || v > m) ? v : m;
    }, null);
  const p = run.primary;
  // A --replica that could not be asked is a source that could not be reached or queried (exit 3); what the
  // primary and the other replicas said is still reported.
  const unasked = replicas.filter((l) => l.error !== null);
  return {
    ...(unasked.length > 0 ? { sourceFailure: { message: unasked.map((l) => `cannot query replica ${l.name}: ${l.error}`).join('; ') } } : {}),
    command: 'lag',
    fails: anyAtOrAbove(findings, run.failOn),
    complete: run.complete,
    findings,
    summary: {
      replicas: replicas.length,
      streaming: replicas.filter((l) => l.state === 'streaming' || l.receiverStatus === 'streaming').length,
      worstLagSeconds: maxOf((l) => l.lagSeconds),
      worstLagBytes: maxOf((l) => l.lagBytes),
      samples: run.samples.length,
      ...countBySeverity(findings),
    },
    data: {
      primary: p ? { target: p.target, serverVersion: p.serverVersion, inRecovery: p.inRecovery, currentLsn: p.currentLsn, role: p.role } : null,
      replicas,
      otherWalSenders: (p?.walSenders ?? [])
        .filter((w) => !isReplicaWalSender(w))
        .map((w) => ({ pid: w.pid, applicationName: w.applicationName, state: w.state, database: w.database })),
      advice: readYourWritesAdvice(
        run.samples.map((s) => s.lags),
        p?.inRecovery ?? false,
        run.watch !== null,
      ),
      thresholds: run.thresholds,
      watch: run.watch
        ? {
            ...run.watch,
            samples: run.samples.map((s) => ({
              at: s.at,
              replicas: s.lags.map((l) => ({
                id: l.id,
                name: l.name,
                lagSeconds: l.lagSeconds,
                lagBasis: l.lagBasis,
                lagBytes: l.lagBytes,
                state: l.state ?? l.receiverStatus,
              })),
            })),
            window: summarizeWindow(run.samples),
          }
        : null,
    },
  };
}
