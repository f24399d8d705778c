// What serve knows, as one report: each part's last completed run and whether its last attempt worked, follow's
// writes since serve started, all in the report's shape, so /metrics has report's families under report's names,
// computed by report's own code. A part's gauges stay until its next run completes or, once it is down, until they
// are older than it keeps them: a blip leaves no gap in a series, and an alert on what a part saw does not fire for
// ever on values it can no longer measure.
import type { CommandResult, Envelope } from '../envelope.js';
import type { Severity } from '../findings/findings.js';
import { severityTotals } from '../findings/totals.js';
import { buildReportResult, type PartName, type PartRun, type ReportData } from '../report/reportResult.js';
import { toEnvelope } from '../envelope.js';

export type ServedPart = 'lag' | 'scan' | 'subscribers' | 'follow';
export const SERVED_PARTS: readonly ServedPart[] = ['lag', 'scan', 'subscribers', 'follow'];

/** One part as serve runs it. */
export interface PartState {
  /** Why it does not run (not configured, turned off, or nothing to run it on yet); null: it runs. */
  off: string | null;
  /** Whether its last attempt could query its sources; null: not attempted yet. */
  up: boolean | null;
  /** Failed attempts since serve started, and in a row now. */
  errors: number;
  failuresInRow: number;
  runs: number;
  lastError: string | null;
  lastRunAtMs: number | null;
  lastDurationMs: number | null;
  lastSuccessAtMs: number | null;
  /** The last run that completed (follow: none; its writes are counted as they are checked). */
  last: CommandResult | null;
  lastCompletedAtMs: number | null;
  /** While the part is down: how long after it completed its last run's values are still shown. */
  keepMs: number;
}

export function newPartState(off: string | null = null, keepMs = 0): PartState {
  return {
    off,
    up: null,
    errors: 0,
    failuresInRow: 0,
    runs: 0,
    lastError: null,
    lastRunAtMs: null,
    lastDurationMs: null,
    lastSuccessAtMs: null,
    last: null,
    lastCompletedAtMs: null,
    keepMs,
  };
}

/** The part's last run as /metrics shows it now: none once the part is down and that run is older than it keeps. */
export function shownRun(s: PartState, nowMs: number): CommandResult | null {
  if (s.last === null || s.up !== false) return s.last;
  return s.lastCompletedAtMs !== null && nowMs - s.lastCompletedAtMs <= s.keepMs ? s.last : null;
}

export interface ServedState {
  parts: Record<ServedPart, PartState>;
  /** follow's writes since serve started, per mapping (report's health.follow); null when follow is off. */
  follow: ReportData['health']['follow'];
  channel: string | null;
  failOn: Severity;
}

export function servedReport(state: ServedState, version: string, now: Date): Envelope<ReportData> {
  const run = (p: ServedPart): PartRun<never> => {
    const s = state.parts[p];
    const last = shownRun(s, now.getTime());
    return (last ? { status: 'ok', result: last, reason: null } : { status: 'skipped', reason: s.off ?? s.lastError ?? 'not run yet' }) as PartRun<never>;
  };
  const built = buildReportResult({
    lag: run('lag'),
    scan: run('scan'),
    subscribers: run('subscribers'),
    monitor: { status: 'skipped', reason: 'not run by serve (MONITOR costs Redis throughput)' },
    follow: { status: 'skipped', reason: 'counted live' },
    channel: state.channel,
    failOn: state.failOn,
    complete: true,
  });
  // Each part as its last attempt went; a part down is a source that could not be reached or queried (exit 3).
  const status = (p: PartName) => {
    const s = state.parts[p as ServedPart];
    if (!s || s.off !== null || s.up === null) return 'skipped' as const;
    return s.up ? ('ok' as const) : ('failed' as const);
  };
  const parts = built.data.parts.map((p) => ({ ...p, status: status(p.part), reason: state.parts[p.part as ServedPart]?.lastError ?? p.reason }));
  const down = SERVED_PARTS.filter((p) => status(p) === 'failed');
  const result: CommandResult<ReportData> = {
    ...built,
    complete: true,
    data: { ...built.data, parts, health: { ...built.data.health, follow: state.follow } },
    ...(down.length > 0 ? { sourceFailure: { message: down.map((p) => `${p}: ${state.parts[p].lastError}`).join('; ') } } : {}),
  };
  return toEnvelope(result, version, now);
}

/** Until every running part has had its first attempt there is no verdict (rather than a healthy one). */
export function noVerdictYet(state: ServedState): boolean {
  return SERVED_PARTS.some((p) => state.parts[p].off === null && state.parts[p].up === null && state.parts[p].last === null);
}

/** What /metrics says of the whole (report_ok, report_exit_code, findings by severity) at `now`; null: no verdict yet. */
export interface ServeVerdict {
  ok: boolean;
  exitCode: number;
  findings: Record<Severity, number>;
}

export function lastVerdict(state: ServedState, version: string, now: Date): ServeVerdict | null {
  if (noVerdictYet(state)) return null;
  const env = servedReport(state, version, now);
  return { ok: env.ok, exitCode: env.exitCode, findings: severityTotals(env) };
}
