// `report` as one ranked answer: the findings of every part (lag, scan, subscribers, monitor) on one list, each
// with its likely cause and fix, grouped where they share both, ordered by severity and impact; then health.
import type { CommandResult } from '../envelope.js';
import { anyAtOrAbove } from '../envelope.js';
import { countBySeverity, type Finding, type Severity, severityRank } from '../findings.js';
import type { LagData } from '../lag/lagReport.js';
import type { MonitorData } from '../monitor/monitorReport.js';
import { plural } from '../plural.js';
import type { ScanData } from '../scan/scanReport.js';
import { cause, type CauseContext, type CauseId, causeOf } from './causes.js';

export type PartName = 'lag' | 'scan' | 'subscribers' | 'monitor';
export const PARTS: readonly PartName[] = ['lag', 'scan', 'subscribers', 'monitor'];

/** How one part went: not configured (skipped), could not run (failed), or its result (partial if cut short). */
export type PartRun<D extends object> =
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'ok' | 'partial'; result: CommandResult<D>; reason: string | null };

export interface SubscribersData {
  channel: string;
  subscribers: number;
  expected: number | null;
}

export interface ReportRun {
  lag: PartRun<LagData>;
  scan: PartRun<ScanData>;
  subscribers: PartRun<SubscribersData>;
  monitor: PartRun<MonitorData>;
  channel: string | null;
  failOn: Severity;
  /** False when Ctrl-C stopped the report. */
  complete: boolean;
}

/** Findings that share a part, kind, cause and mapping or replica, as one line of the ranked report. */
export interface RankedItem {
  rank: number;
  severity: Severity;
  part: PartName;
  kind: string;
  cause: CauseId | null;
  causeTitle: string | null;
  count: number;
  message: string;
  fix: string | null;
  evidence: { mapping: string | null; replica: string | null; keys: string[]; keyCount: number; timeline: unknown[] | null };
}

export interface PartStatus {
  part: PartName;
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  reason: string | null;
  findings: number;
}

export interface ReportData {
  parts: PartStatus[];
  ranked: RankedItem[];
  health: {
    replicas: { name: string; state: string | null; lagSeconds: number | null; lagBytes: number | null; lagBasis: string | null; replayPaused: boolean }[];
    advice: { windowSeconds: number | null; message: string } | null;
    mappings: {
      mapping: string;
      table: string;
      sampled: number;
      fresh: number;
      stale: number;
      wrong: number;
      staleRatio: number | null;
      nines: number | null;
      counts: Record<string, number>;
    }[];
    subscribers: SubscribersData | null;
    monitor: {
      events: number;
      seconds: number;
      eventsPerSecond: number | null;
      readsPerInvalidation: number | null;
      refillDelayMs: unknown;
      peakOmemBytes: number | null;
    } | null;
  };
}

/** Examples of keys kept per ranked item. */
const KEYS_SHOWN = 5;

export function buildReportResult(run: ReportRun): CommandResult<ReportData> {
  const lag = resultOf(run.lag);
  const replicas = lag?.data.replicas ?? [];
  const ctx: CauseContext = {
    replicaBehind: (lag?.findings ?? []).some((f) => ['replica-lag', 'replay-paused', 'replica-disconnected'].includes(f.kind)),
    windowSeconds: lag?.data.advice.windowSeconds ?? null,
    channel: run.channel,
    replicasUnchecked: replicas.some((r) => r.onPrimary && r.target === null && r.state === 'streaming'),
  };
  // One name per replica: scan names the one it asked by host:port, lag by the name the primary knows.
  const replicaName = (target: unknown) => replicas.find((r) => r.target !== null && r.target === target)?.name ?? target;
  const parts: PartStatus[] = [];
  const findings: Finding[] = [];
  for (const part of PARTS) {
    const p = run[part] as PartRun<object>;
    const own = p.status === 'ok' || p.status === 'partial' ? p.result.findings : [];
    // A part that lost a source says so itself when it can (node-not-scanned, source-failed): once is enough.
    const explained = own.some((f) => f.kind === 'node-not-scanned' || (f.kind === 'source-failed' && f.severity === 'critical'));
    const failure: Finding[] =
      p.status === 'failed' || (p.status === 'partial' && p.result.sourceFailure && !explained)
        ? [
            {
              kind: 'source-failed',
              severity: 'critical',
              message: `${part} could not check: ${p.reason}`,
              part,
              fix: 'this part of the report is missing or incomplete: fix the connection and run the report again',
            },
          ]
        : [];
    parts.push({ part, status: p.status, reason: 'reason' in p ? p.reason : null, findings: own.length });
    for (const f of [...own, ...failure]) {
      const id = causeOf(part, f, ctx);
      const c = id === null ? null : cause(id, ctx);
      findings.push({
        ...f,
        // A mapping that compared nothing proves nothing: scan fails on it, and so does the report.
        ...(part === 'scan' && f.kind === 'no-keys' ? { severity: 'critical' } : {}),
        ...(typeof f.laggingReplica === 'string' ? { laggingReplica: replicaName(f.laggingReplica) } : {}),
        part,
        cause: id,
        ...(c ? { causeTitle: c.title, fix: c.fix } : {}),
      });
    }
  }
  const { items: ranked, ordered: sorted } = rank(findings);
  const attempted = parts.filter((p) => p.status !== 'skipped');
  const allFailed = attempted.length > 0 && attempted.every((p) => p.status === 'failed');
  const result: CommandResult<ReportData> = {
    command: 'report',
    fails: anyAtOrAbove(sorted, run.failOn),
    complete: run.complete && parts.every((p) => p.status === 'ok' || p.status === 'skipped'),
    findings: sorted,
    summary: {
      ...countBySeverity(sorted),
      items: ranked.length,
      causes: Object.fromEntries(
        (['write-invalidate-race', 'local-cache', 'replica-lag', 'no-ttl'] as CauseId[]).map((id) => [id, sorted.filter((f) => f.cause === id).length]),
      ),
      parts: Object.fromEntries(parts.map((p) => [p.part, p.status])),
    },
    data: { parts, ranked, health: health(run) },
  };
  return allFailed
    ? { ...result, sourceFailure: { message: `nothing could be checked: ${attempted.map((p) => `${p.part}: ${p.reason}`).join('; ')}` } }
    : result;
}

function resultOf<D extends object>(p: PartRun<D>): CommandResult<D> | null {
  return p.status === 'ok' || p.status === 'partial' ? p.result : null;
}

function groupKey(f: Finding): string {
  return [f.part, f.kind, f.severity, f.cause ?? '', f.mapping ?? '', f.laggingReplica ?? f.replica ?? f.name ?? ''].join('\u0000');
}

/**
 * Groups findings that share part, kind, cause and mapping/replica, and orders the groups: severity first, then
 * findings with a known cause, then how many, then the part (lag explains what scan and monitor see).
 */
export function rank(findings: readonly Finding[]): { items: RankedItem[]; ordered: Finding[] } {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = groupKey(f);
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  const items = [...groups.values()].map((g) => {
    const first = g[0]!;
    const keys = [...new Set(g.map((f) => f.key).filter((k): k is string => typeof k === 'string'))];
    const where = typeof first.mapping === 'string' ? ` in mapping ${first.mapping}` : '';
    const item: Omit<RankedItem, 'rank'> = {
      severity: first.severity,
      part: first.part as PartName,
      kind: first.kind,
      cause: (first.cause as CauseId | null) ?? null,
      causeTitle: (first.causeTitle as string | undefined) ?? null,
      count: g.length,
      message:
        g.length === 1
          ? first.message
          : `${first.part === 'scan' ? plural(g.length, `${first.kind} entry`, `${first.kind} entries`) : plural(g.length, `${first.kind} finding`)}${where}, e.g. ${first.message}`,
      fix: typeof first.fix === 'string' ? first.fix : null,
      evidence: {
        mapping: typeof first.mapping === 'string' ? first.mapping : null,
        replica: typeof first.laggingReplica === 'string' ? first.laggingReplica : typeof first.replica === 'string' ? first.replica : null,
        keys: keys.slice(0, KEYS_SHOWN),
        keyCount: keys.length,
        timeline: Array.isArray(first.timeline) ? first.timeline : null,
      },
    };
    return { item, members: g };
  });
  items.sort(
    ({ item: a }, { item: b }) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      Number(b.cause !== null) - Number(a.cause !== null) ||
      b.count - a.count ||
      PARTS.indexOf(a.part) - PARTS.indexOf(b.part),
  );
  return { items: items.map(({ item }, i) => ({ rank: i + 1, ...item })), ordered: items.flatMap(({ members }) => members) };
}

function health(run: ReportRun): ReportData['health'] {
  const lag = resultOf(run.lag);
  const scan = resultOf(run.scan);
  const monitor = resultOf(run.monitor);
  const subscribers = resultOf(run.subscribers);
  return {
    replicas: (lag?.data.replicas ?? []).map((r) => ({
      name: r.name,
      state: r.state,
      lagSeconds: r.lagSeconds,
      lagBytes: r.lagBytes,
      lagBasis: r.lagBasis,
      replayPaused: r.pauseState === 'paused' || r.pauseState === 'pause requested',
    })),
    advice: lag ? { windowSeconds: lag.data.advice.windowSeconds, message: lag.data.advice.message } : null,
    mappings: (scan?.data.mappings ?? []).map((m) => ({
      mapping: m.mapping,
      table: m.table,
      sampled: m.sampled,
      fresh: m.counts.fresh,
      stale: m.counts.stale,
      wrong: m.wrong,
      staleRatio: m.staleRatio,
      nines: m.nines,
      counts: { ...m.counts },
    })),
    subscribers: subscribers?.data ?? null,
    monitor: monitor
      ? {
          events: monitor.data.stats.events,
          seconds: monitor.data.stats.seconds,
          eventsPerSecond: monitor.data.stats.eventsPerSecond,
          readsPerInvalidation: monitor.data.stats.readsPerInvalidation,
          refillDelayMs: monitor.data.stats.refillDelayMs,
          peakOmemBytes: monitor.data.peakOmemBytes,
        }
      : null,
  };
}
