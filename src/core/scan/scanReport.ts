// Builds scan's result from the tallies: ranked findings, the summary with its confidence interval, the verdict.
import type { CommandResult } from '../envelope.js';
import { countByKind, type Finding, finding, severitiesOfCounts } from '../findings/findings.js';
import type { FindingKind } from '../findings/kinds.js';
import { plural } from '../plural.js';
import { formatSeconds } from '../units.js';
import type { Classified, EntryState } from './classify.js';
import { type FillEvidence, type FillTtl, fillEvidence, fillWords, learnedTtl } from './fillTime.js';
import { byHarm } from './rank.js';
import { type Consistency, consistency, emptyCounts, type StateCounts } from './summary.js';
import type { Tally } from './tally.js';

/** A wrong entry as listed in the report: when it was filled against the row's write, and the replica that still
 * serves its old version, if any. */
export type ListedEntry = Classified & { laggingReplica: string | null; fill: FillEvidence };

export interface ScanThresholds {
  maxStale: number;
  maxStaleRatio: number | null;
}

export interface MappingSummary extends Consistency {
  mapping: string;
  table: string;
  sampled: number;
  unmatched: number;
  counts: StateCounts;
  /** The TTL fills set, that dates each entry's fill: given with the mapping, learned from the sample, or null. */
  fillTtl: FillTtl | null;
}

export interface ScanData {
  mappings: MappingSummary[];
  /** The most harmful wrong entries across mappings, ranked. */
  entries: ListedEntry[];
  thresholds: ScanThresholds;
  graceSeconds: number;
}

export interface ScanRun {
  /** Each mapping's tally, its table, and the fill TTL its mapping gives (null: learn it from the sample). */
  tallies: { tally: Tally; table: string; ttlSeconds: number | null }[];
  /** Sources that failed without stopping the scan (a --replica that could not be asked). */
  failures: Finding[];
  attributions: Map<string, string>;
  thresholds: ScanThresholds;
  graceSeconds: number;
  maxListed: number;
  complete: boolean;
  /** How long the scan took, from connecting to the last re-check. */
  seconds: number;
  /** Where the sample started (--seed repeats it); null for --all. */
  seed: number | null;
}

export function buildScanResult(run: ScanRun): CommandResult<ScanData> {
  const total = emptyCounts();
  let sampled = 0;
  let unmatched = 0;
  const fillTtls = new Map<string, FillTtl | null>();
  const mappings: MappingSummary[] = run.tallies.map(({ tally, table, ttlSeconds }) => {
    for (const k of Object.keys(total) as (keyof StateCounts)[]) total[k] += tally.counts[k];
    sampled += tally.sampled;
    unmatched += tally.unmatched;
    const fillTtl: FillTtl | null = ttlSeconds !== null ? { seconds: ttlSeconds, basis: 'given' } : learnedTtl(tally.maxTtlLeftSeconds, tally.keysWithTtl);
    fillTtls.set(tally.mapping, fillTtl);
    return {
      mapping: tally.mapping,
      table,
      sampled: tally.sampled,
      unmatched: tally.unmatched,
      counts: { ...tally.counts },
      fillTtl,
      ...consistency(tally.counts),
    };
  });
  const listedEntry = (e: Classified): ListedEntry => {
    const fill = e.state === 'stale' ? fillEvidence(e, fillTtls.get(e.mapping) ?? null) : NO_FILL;
    // Filled after the write (dated by a given TTL): this entry has been wrong since its fill, not since the write.
    const sinceFill = fill.ttlBasis === 'given' && (fill.order === 'after-write' || fill.order === 'at-write') && e.secondsBehind !== null;
    return {
      ...e,
      secondsBehind: sinceFill ? Math.min(e.secondsBehind!, fill.filledSecondsAgo!) : e.secondsBehind,
      laggingReplica: run.attributions.get(`${e.mapping}\u0000${e.key}`) ?? null,
      fill,
    };
  };
  // Up to --max-listed of each kind across mappings, most harmful first.
  const listed = new Map<EntryState, number>();
  const entries: ListedEntry[] = run.tallies
    .flatMap(({ tally }) => tally.worstEntries())
    .sort(byHarm)
    .filter((e) => {
      const n = listed.get(e.state) ?? 0;
      listed.set(e.state, n + 1);
      return n < run.maxListed;
    })
    .map(listedEntry)
    .sort(byHarm);
  const findings: Finding[] = [
    ...entries.map(entryFinding),
    ...run.tallies
      .flatMap(({ tally }) => [...tally.undecodable, ...tally.oversized])
      .filter((e) => {
        const n = listed.get(e.state) ?? 0;
        listed.set(e.state, n + 1);
        return n < run.maxListed;
      })
      .map((e) => entryFinding({ ...e, laggingReplica: null, fill: NO_FILL })),
    ...run.tallies.filter(({ tally }) => tally.counts.noTtl > 0).map(({ tally }) => noTtlFinding(tally)),
    // Only a finished scan may claim a mapping compared nothing: a stopped one may simply not have got there.
    ...(run.complete ? run.tallies.flatMap(({ tally, table }) => nothingComparedFinding(tally, table)) : []),
    ...run.failures,
  ];
  const overall = consistency(total);
  // A scan that compared nothing proves nothing (an empty cache, a mistyped template): it does not pass a CI smoke
  // check. Entries left unconfirmed by a stopped scan are not findings: the stopped run never passes anyway (130).
  const fails =
    (run.complete && overall.compared === 0) ||
    overall.wrong > run.thresholds.maxStale ||
    (run.thresholds.maxStaleRatio !== null && (overall.staleRatio ?? 0) > run.thresholds.maxStaleRatio);
  // Every finding counted, listed or not: entries from the totals, the scan's own findings (no-ttl, no-keys, a
  // lost node or replica) as they are.
  const counts: Partial<Record<FindingKind, number>> = {
    ...countByKind(findings.filter((f) => f.key === undefined)),
    ...Object.fromEntries(ENTRY_KINDS.filter((k) => total[k] > 0).map((k) => [k, total[k]])),
  };
  return {
    command: 'scan',
    fails,
    // Entries that looked wrong and could not be re-checked (a cluster slot no master serves any more) leave the
    // scan unfinished even when the walk was: it never passes.
    complete: run.complete && total.unconfirmed === 0,
    findings,
    summary: {
      sampled,
      seed: run.seed,
      seconds: Math.round(run.seconds * 1000) / 1000,
      fresh: total.fresh,
      stale: total.stale,
      ahead: total.ahead,
      orphan: total.orphan,
      versionNotBumped: total['version-not-bumped'],
      undecodable: total.undecodable,
      oversized: total.oversized,
      noTtl: total.noTtl,
      inflight: total.inflight,
      unconfirmed: total.unconfirmed,
      expired: total.expired,
      unmatched,
      wrong: overall.wrong,
      staleRatio: overall.staleRatio,
      staleRatioLow: overall.staleRatioLow,
      staleRatioHigh: overall.staleRatioHigh,
      nines: overall.nines,
      ninesAtLeast: overall.ninesAtLeast,
      // Every entry counts, listed or not: the findings list is capped by --max-listed, these are not.
      ...severitiesOfCounts(counts),
    },
    counts,
    data: { mappings, entries, thresholds: run.thresholds, graceSeconds: run.graceSeconds },
  };
}

/** Entry states that are findings (fresh and expired entries are not). */
export const ENTRY_KINDS = ['stale', 'version-not-bumped', 'ahead', 'orphan', 'undecodable', 'oversized'] as const satisfies readonly (EntryState &
  FindingKind)[];

function entryKind(state: EntryState): FindingKind {
  if (!(ENTRY_KINDS as readonly EntryState[]).includes(state)) throw new Error(`a ${state} entry is not a finding`);
  return state as FindingKind;
}

const NO_FILL: FillEvidence = { order: 'unknown', filledSecondsAgo: null, ttlBasis: null, fillTtlSeconds: null };

function entryFinding(e: ListedEntry): Finding {
  return finding(entryKind(e.state), describe(e), {
    key: e.key,
    mapping: e.mapping,
    cacheVersion: e.cacheVersion,
    rowVersion: e.rowVersion,
    versionsBehind: e.versionsBehind,
    secondsBehind: e.secondsBehind,
    ttlSeconds: e.ttlSeconds,
    ...(e.state === 'stale' ? { fill: e.fill.order, filledSecondsAgo: e.fill.filledSecondsAgo, ttlBasis: e.fill.ttlBasis } : {}),
    laggingReplica: e.laggingReplica,
    ...(e.detail ? { detail: e.detail } : {}),
  });
}

function describe(e: ListedEntry): string {
  const filled = fillWords(e.fill);
  const wrongFor = e.secondsBehind !== null ? `, wrong for ${formatSeconds(e.secondsBehind)}` : '';
  const replica = e.laggingReplica ? `; replica ${e.laggingReplica} still serves that version` : '';
  switch (e.state) {
    case 'stale':
      return `${e.key} is ${e.versionsBehind !== null ? `${plural(e.versionsBehind, 'version')} ` : ''}behind the primary (cache ${e.cacheVersion}, primary ${e.rowVersion})${wrongFor}${filled ? `; ${filled}` : ''}${replica}`;
    case 'ahead':
      return `${e.key} is ahead of the primary (cache ${e.cacheVersion}, primary ${e.rowVersion}): ${e.detail}`;
    case 'orphan':
      return `${e.key} has no row on the primary (cache version ${e.cacheVersion}): a delete that did not invalidate, or a fill from a stale read`;
    case 'version-not-bumped':
      return `${e.key}: ${e.detail}`;
    default:
      return `${e.key}: ${e.detail}`;
  }
}

/** A mapping that compared nothing: no keys at all, or none that could be compared (all oversized, ...). */
function nothingComparedFinding(t: Tally, table: string): Finding[] {
  const c = t.counts;
  if (consistency(c).compared > 0) return [];
  if (t.sampled === 0) {
    const why = t.unmatched > 0 ? `${plural(t.unmatched, 'key')} matched the SCAN pattern but belong to other key families` : 'no key matches its pattern';
    return [
      finding('no-keys', `mapping ${t.mapping} (${table}) compared nothing: ${why}`, {
        mapping: t.mapping,
        fix: 'check the key template against real keys (redis-cli --scan --pattern ...)',
      }),
    ];
  }
  const parts = [
    c.oversized && `${c.oversized} oversized`,
    c.undecodable && `${c.undecodable} undecodable`,
    c.expired && `${c.expired} expired during the scan`,
    c.inflight && `${c.inflight} changing`,
  ].filter(Boolean);
  return [
    finding('no-keys', `mapping ${t.mapping} (${table}) compared nothing: of ${plural(t.sampled, 'key')} sampled, ${parts.join(', ')}`, {
      mapping: t.mapping,
      fix: c.oversized > 0 ? 'raise --max-value-bytes to compare big values' : 'see the undecodable findings: the mapping may not match how values are written',
    }),
  ];
}

function noTtlFinding(t: Tally): Finding {
  return finding(
    'no-ttl',
    `${plural(t.counts.noTtl, 'key')} of mapping ${t.mapping} ${t.counts.noTtl === 1 ? 'never expires' : 'never expire'} (no TTL): a missed invalidation stays wrong forever; e.g. ${t.noTtlExamples.join(', ')}`,
    { mapping: t.mapping, count: t.counts.noTtl, examples: t.noTtlExamples },
  );
}
