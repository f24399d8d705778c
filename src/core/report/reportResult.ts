// `report` as one ranked answer: the findings of every part (lag, scan, subscribers, monitor) on one list, each
// with its likely cause and fix, grouped where they share both, ordered by severity and impact; then health.
import type { CommandResult } from '../envelope.js';
import { addCounts, countByKind, countsFailAt, type Finding, finding, type Severity, severitiesOfCounts, severityRank } from '../findings/findings.js';
import { FINDING_KINDS, type FindingKind } from '../findings/kinds.js';
import type { LagData } from '../lag/lagReport.js';
import type { FollowData } from '../follow/followData.js';
import type { MonitorData } from '../monitor/monitorReport.js';
import { plural } from '../plural.js';
import { WRONG_STATES } from '../scan/classify.js';
import { ENTRY_KINDS, type ScanData } from '../scan/scanReport.js';
import { CAUSE_IDS, type CauseContext, type CauseId, causesOf, causesTitle } from '../findings/causes.js';

export type PartName = 'lag' | 'scan' | 'subscribers' | 'monitor' | 'follow';
export const PARTS: readonly PartName[] = ['lag', 'scan', 'subscribers', 'monitor', 'follow'];

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
  follow: PartRun<FollowData>;
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
  /** The most likely cause (the first of causes), or null when the findings are not about stale data. */
  cause: CauseId | null;
  /** Every possible cause, most likely first: one when the evidence decides. */
  causes: CauseId[];
  /** True when the evidence decides the cause (exactly one). */
  certain: boolean;
  causeTitle: string | null;
  /** Findings in the group, listed or not (when the kind's total is known to be theirs). */
  count: number;
  /** Of those, how many the report lists (--max-listed of each kind). */
  listed: number;
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
  /** Every finding of every part counted by kind, listed or not. */
  counts: Partial<Record<FindingKind, number>>;
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
    /** follow's writes per mapping, when it ran. */
    follow: {
      mode: 'logical' | 'poll';
      mappings: { mapping: string; writes: number; checked: number; converged: number; unchecked: number; nines: number | null; staleRatio: number | null }[];
    } | null;
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
    lagChecked: lag !== null && replicas.every((r) => r.error === null && r.lagSeconds !== null),
    noReplicas: lag !== null && replicas.length === 0,
  };
  // One name per replica: scan names the one it asked by host:port, lag by the name the primary knows.
  const replicaName = (target: unknown) => replicas.find((r) => r.target !== null && r.target === target)?.name ?? target;
  const parts: PartStatus[] = [];
  const findings: Finding[] = [];
  /** Findings counted by part and kind, listed or not. */
  const totals = new Map<string, number>();
  let counts: Partial<Record<FindingKind, number>> = {};
  for (const part of PARTS) {
    const p = run[part] as PartRun<object>;
    const own = p.status === 'ok' || p.status === 'partial' ? p.result.findings : [];
    // A part that lost a source says so itself when it can (node-not-scanned, source-failed): once is enough.
    const explained = own.some((f) => f.kind === 'node-not-scanned' || (f.kind === 'source-failed' && f.severity === 'critical'));
    const failure: Finding[] =
      p.status === 'failed' || (p.status === 'partial' && p.result.sourceFailure && !explained)
        ? [
            finding('source-failed', `${part} could not check: ${p.reason}`, {
              part,
              fix: 'this part of the report is missing or incomplete: fix the connection and run the report again',
            }),
          ]
        : [];
    // What the part counted, listed or not (scan and monitor list --max-listed of each kind), plus its failure.
    const partCounts = addCounts(p.status === 'ok' || p.status === 'partial' ? (p.result.counts ?? countByKind(own)) : {}, countByKind(failure));
    for (const [kind, n] of Object.entries(partCounts) as [FindingKind, number][]) totals.set(`${part}\u0000${kind}`, n);
    // scan counts its entries per mapping too: a kind spread over mappings is counted in each.
    if (part === 'scan' && (p.status === 'ok' || p.status === 'partial'))
      for (const m of (p.result.data as ScanData).mappings ?? [])
        for (const kind of ENTRY_KINDS) if (m.counts[kind] > 0) totals.set(`scan\u0000${kind}\u0000${m.mapping}`, m.counts[kind]);
    counts = addCounts(counts, partCounts);
    parts.push({ part, status: p.status, reason: 'reason' in p ? p.reason : null, findings: own.length });
    for (const f of [...own, ...failure]) {
      const ids = causesOf(f, ctx);
      const c = causesTitle(ids, ctx);
      findings.push({
        ...f,
        ...(typeof f.laggingReplica === 'string' ? { laggingReplica: replicaName(f.laggingReplica) } : {}),
        part,
        cause: ids[0] ?? null,
        causes: ids,
        ...(c ? { causeTitle: c.title, fix: c.fix } : {}),
      });
    }
  }
  const { items: ranked, ordered: sorted } = rank(findings, totals);
  const attempted = parts.filter((p) => p.status !== 'skipped');
  const allFailed = attempted.length > 0 && attempted.every((p) => p.status === 'failed');
  const result: CommandResult<ReportData> = {
    command: 'report',
    fails: countsFailAt(judgedCounts(counts, totals, resultOf(run.scan)), run.failOn),
    complete: run.complete && parts.every((p) => p.status === 'ok' || p.status === 'skipped'),
    findings: sorted,
    summary: {
      // Counted from every part's totals, not from the listed findings (each part lists --max-listed per kind).
      ...severitiesOfCounts(counts),
      items: ranked.length,
      causes: causeCounts(ranked),
      // Several possible causes, or none examined (not listed): the findings whose cause is not decided.
      undecidedCauses: ranked
        .filter((i) => i.causes.length > 1 || (i.listed === 0 && FINDING_KINDS[i.kind as FindingKind].cause !== null))
        .reduce((n, i) => n + i.count, 0),
      parts: Object.fromEntries(parts.map((p) => [p.part, p.status])),
    },
    counts,
    data: { parts, ranked, counts, health: health(run) },
  };
  // A part that could not check is a source that could not be reached or queried: exit 3, whatever the others found
  // (they are still listed); the report says which part, and why.
  const lost = attempted.filter((p) => p.status === 'failed' || (p.status === 'partial' && (resultOf(run[p.part] as PartRun<object>)?.sourceFailure ?? null)));
  if (allFailed) return { ...result, sourceFailure: { message: `nothing could be checked: ${attempted.map((p) => `${p.part}: ${p.reason}`).join('; ')}` } };
  if (lost.length > 0) return { ...result, sourceFailure: { message: lost.map((p) => `${p.part} could not check: ${p.reason}`).join('; ') } };
  return result;
}

/** The counts that decide the exit: the scan's wrong entries only when they are over its thresholds (--max-stale). */
function judgedCounts(
  counts: Partial<Record<FindingKind, number>>,
  totals: ReadonlyMap<string, number>,
  scan: CommandResult<ScanData> | null,
): Partial<Record<FindingKind, number>> {
  if (scan === null || scan.fails) return counts;
  const out = { ...counts };
  // The entry states --max-stale and --max-stale-ratio allow up to a threshold.
  for (const kind of WRONG_STATES as readonly FindingKind[]) out[kind] = Math.max(0, (out[kind] ?? 0) - (totals.get(`scan\u0000${kind}`) ?? 0));
  return out;
}

/** Findings per cause where the evidence decides it, from the ranked groups' counts (listed or not). */
function causeCounts(ranked: readonly RankedItem[]): Record<CauseId, number> {
  const out = Object.fromEntries(CAUSE_IDS.map((id) => [id, 0])) as Record<CauseId, number>;
  for (const item of ranked) if (item.certain && item.cause !== null) out[item.cause] += item.count;
  return out;
}

function resultOf<D extends object>(p: PartRun<D>): CommandResult<D> | null {
  return p.status === 'ok' || p.status === 'partial' ? p.result : null;
}

function groupKey(f: Finding): string {
  const causes = Array.isArray(f.causes) ? f.causes.join('+') : (f.cause ?? '');
  return [f.part, f.kind, f.severity, causes, f.mapping ?? '', f.laggingReplica ?? f.replica ?? f.name ?? ''].join('\u0000');
}

/**
 * Groups findings that share part, kind, cause and mapping/replica, and orders the groups: severity first, then
 * findings whose cause is certain, then those with several possible causes, then how many, then the part (lag explains what scan and monitor see).
 */
export function rank(findings: readonly Finding[], totals: ReadonlyMap<string, number> = new Map()): { items: RankedItem[]; ordered: Finding[] } {
  const groups = new Map<string, Finding[]>();
  /** Where a kind's total (listed or not) is known: per mapping (scan's entries), else per part. */
  const scopeOf = (f: Finding) => {
    const perMapping = `${f.part}\u0000${f.kind}\u0000${f.mapping ?? ''}`;
    return totals.has(perMapping) ? perMapping : `${f.part}\u0000${f.kind}`;
  };
  /** Findings listed per scope: what its total has beyond them was not listed. */
  const listedInScope = new Map<string, number>();
  for (const f of findings) {
    const k = groupKey(f);
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
    listedInScope.set(scopeOf(f), (listedInScope.get(scopeOf(f)) ?? 0) + 1);
  }
  const items = [...groups.values()].map((g) => {
    const first = g[0]!;
    const keys = [...new Set(g.map((f) => f.key).filter((k): k is string => typeof k === 'string'))];
    const where = typeof first.mapping === 'string' ? ` in mapping ${first.mapping}` : '';
    // A group counts what it lists: findings not listed were never examined, so no cause is theirs.
    const total = g.length;
    const item: Omit<RankedItem, 'rank'> = {
      severity: first.severity,
      part: first.part as PartName,
      kind: first.kind,
      cause: (first.cause as CauseId | null) ?? null,
      causes: Array.isArray(first.causes) ? (first.causes as CauseId[]) : first.cause ? [first.cause as CauseId] : [],
      certain: false,
      causeTitle: (first.causeTitle as string | undefined) ?? null,
      count: total,
      listed: g.length,
      message: total === 1 ? first.message : `${many(first.part, first.kind, total)}${where}, e.g. ${first.message}`,
      fix: typeof first.fix === 'string' ? first.fix : null,
      evidence: {
        mapping: typeof first.mapping === 'string' ? first.mapping : null,
        replica: typeof first.laggingReplica === 'string' ? first.laggingReplica : typeof first.replica === 'string' ? first.replica : null,
        keys: keys.slice(0, KEYS_SHOWN),
        keyCount: keys.length,
        timeline: Array.isArray(first.timeline) ? first.timeline : null,
      },
    };
    item.certain = item.causes.length === 1;
    return { item, members: g };
  });
  // What a part counted beyond what it listed (--max-listed of each kind) is an item of its own, with no cause, so
  // every count adds up to the totals: per mapping where the part counts per mapping (scan's entries).
  const scopes = [...totals.keys()].filter((k) => !(k.split('\u0000').length === 2 && [...totals.keys()].some((o) => o.startsWith(`${k}\u0000`))));
  for (const scope of scopes) {
    const listedHere = listedInScope.get(scope) ?? 0;
    const rest = (totals.get(scope) ?? 0) - listedHere;
    if (rest <= 0) continue;
    const [part, kind, mapping = null] = scope.split('\u0000') as [PartName, FindingKind, string | undefined];
    items.push({
      item: {
        severity: FINDING_KINDS[kind].severity,
        part,
        kind,
        cause: null,
        causes: [],
        certain: false,
        causeTitle: null,
        count: rest,
        listed: 0,
        message: `${many(part, kind, rest, listedHere > 0 ? 'more ' : '')}${mapping ? ` in mapping ${mapping}` : ''} not listed (--max-listed): their causes were not examined`,
        fix: 'raise --max-listed to list them, each with its cause',
        evidence: { mapping, replica: null, keys: [], keyCount: 0, timeline: null },
      },
      members: [],
    });
  }
  items.sort(
    ({ item: a }, { item: b }) =>
      severityRank(b.severity) - severityRank(a.severity) || certainty(b) - certainty(a) || b.count - a.count || PARTS.indexOf(a.part) - PARTS.indexOf(b.part),
  );
  return { items: items.map(({ item }, i) => ({ rank: i + 1, ...item })), ordered: items.flatMap(({ members }) => members) };
}

/** "3 stale entries", "2 stale-fill findings" (with a word before the kind: "3 more stale entries"). */
function many(part: unknown, kind: string, n: number, more = ''): string {
  return part === 'scan' ? plural(n, `${more}${kind} entry`, `${more}${kind} entries`) : plural(n, `${more}${kind} finding`);
}

/** What is certain first: a decided cause, then several possible ones, then none. */
function certainty(item: Omit<RankedItem, 'rank'>): number {
  return item.causes.length === 1 ? 2 : item.causes.length > 1 ? 1 : 0;
}

function health(run: ReportRun): ReportData['health'] {
  const lag = resultOf(run.lag);
  const scan = resultOf(run.scan);
  const monitor = resultOf(run.monitor);
  const subscribers = resultOf(run.subscribers);
  const follow = resultOf(run.follow);
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
    follow: follow
      ? {
          mode: follow.data.mode,
          mappings: follow.data.mappings.map((m) => ({
            mapping: m.mapping,
            writes: m.writes,
            checked: m.checked,
            converged: m.converged,
            unchecked: m.unchecked,
            nines: m.nines,
            staleRatio: m.staleRatio,
          })),
        }
      : null,
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
