// For every committed write: did the cache converge within the grace period? Pure: writes, cache touches (CLIENT
// TRACKING), broadcasts, replicas' replay positions and reads of the key come in with the local time they were seen;
// findings and the per-mapping summary come out. Times are local milliseconds; commits are moved onto the local clock
// with the measured offset, and an order closer than its uncertainty is said to be uncertain, never guessed.
import { finding, type Finding } from '../findings/findings.js';
import { parseLsn } from '../lag/lsn.js';
import { compareVersions, formatVersion, type Version } from '../scan/version.js';
import { Reservoir, type Spread } from '../stats.js';
import { staleness } from '../scan/summary.js';
import type { CommittedWrite } from './writes.js';

export type StaleClass = 'not-invalidated' | 'refilled-from-replica' | 'refilled-by-race' | 'invalidated-before-commit' | 'uncertain';
export const STALE_CLASSES: readonly StaleClass[] = ['not-invalidated', 'refilled-from-replica', 'refilled-by-race', 'invalidated-before-commit', 'uncertain'];

/** What a read of the key found. */
export type CacheState =
  | { kind: 'absent' }
  | { kind: 'version'; version: Version }
  | { kind: 'unreadable'; why: string }
  /** Not read: over --max-value-bytes, or refused by every cluster node asked (its slot moving). */
  | { kind: 'oversized' }
  | { kind: 'refused' };

export interface CheckerOptions {
  graceMs: number;
  raceWindowMs: number;
  /** Checks waiting at once; past it the oldest is counted as unchecked, never silently dropped. */
  maxPending: number;
  /** Findings kept per class (all are counted). */
  maxListed: number;
  /** Whether an invalidation channel is followed (missing-broadcast). */
  channel: string | null;
  /** The primary's clock minus ours, and how far that may be off (half the round trip, at least 1 ms). */
  clock: { offsetMs: number; uncertaintyMs: number };
  /** Replicas whose replay is sampled, by name. */
  replicas: readonly string[];
  /** Told each write's outcome as soon as it is known (serve counts them live); the summary counts them too. */
  observe?: (o: WriteOutcome) => void;
}

/** What became known of a mapping's writes: n seen, n not checked, one converged (and how soon), one stale, one
 * not broadcast. */
export type WriteOutcome =
  | { mapping: string; outcome: 'seen' | 'unchecked'; n: number }
  | { mapping: string; outcome: 'converged'; consistentAfterMs: number }
  | { mapping: string; outcome: 'stale'; class: StaleClass }
  | { mapping: string; outcome: 'missing-broadcast' };

export interface MappingFollow {
  mapping: string;
  writes: number;
  checked: number;
  converged: number;
  /** Converged only at the second look (a write in flight at the first). */
  late: number;
  stale: Record<StaleClass, number>;
  /** Not checked: dropped past --max-pending, over --rate, over --max-value-bytes, without a key (below), or still
   * waiting when the follow ended. */
  unchecked: number;
  /** Changes whose cache key the stream does not give (a delete names only the replica identity, and the key is
   * made of other columns): counted in writes and unchecked. */
  unkeyed: number;
  missingBroadcasts: number;
  staleRatio: number | null;
  staleRatioLow: number | null;
  staleRatioHigh: number | null;
  nines: number | null;
  ninesAtLeast: number | null;
  /** Commit to the first touch of the key after it, and to the last (the refill), in ms. */
  commitToInvalidatedMs: Spread | null;
  commitToRefilledMs: Spread | null;
}

interface Check {
  write: CommittedWrite;
  commitLocalMs: number;
  seenMs: number;
  dueMs: number;
  /** early: read as soon as the write is seen (what the key held then: evidence, never judged); first: after
   * --grace; confirm: after as long again, when the first look was not converged. */
  stage: 'early' | 'first' | 'confirm';
  early?: { atMs: number; state: CacheState };
}

/** How long touches, broadcasts and replay samples are remembered: past every check's window. */
const HISTORY_FLOOR_MS = 10_000;
/** Touches of a key kept (a hot key is touched often; only the recent ones matter). */
const TOUCHES_KEPT = 16;

export class FollowChecker {
  private readonly early: Check[] = [];
  private readonly first: Check[] = [];
  private readonly confirm: Check[] = [];
  private earlyHead = 0;
  private firstHead = 0;
  private confirmHead = 0;
  private readonly touches = new Map<string, number[]>();
  /** When Redis was flushed (FLUSHALL/FLUSHDB): every key touched at once. */
  private flushes: number[] = [];
  private readonly broadcasts = new Map<string, number[]>();
  /** Per replica: when each sample's query was sent and its answer came (the LSN was read in between). */
  private readonly replay = new Map<string, { sentMs: number; atMs: number; lsn: bigint }[]>();
  /** The newest commit seen per key: an older write of a key written again since is superseded, not stale. */
  private readonly latest = new Map<string, bigint>();
  private readonly perMapping = new Map<string, MappingFollow & { invalidated: Reservoir; refilled: Reservoir }>();
  private readonly findings = new Map<string, Finding[]>();
  private readonly historyMs: number;
  /** Commit to follow seeing the write, per write (a uniform sample of them all). */
  private readonly delays = new Reservoir();

  constructor(private readonly opts: CheckerOptions) {
    this.historyMs = Math.max(HISTORY_FLOOR_MS, opts.graceMs * 3 + opts.raceWindowMs * 10);
    for (const r of opts.replicas) this.replay.set(r, []);
  }

  get pending(): number {
    return this.early.length - this.earlyHead + (this.first.length - this.firstHead) + (this.confirm.length - this.confirmHead);
  }

  write(w: CommittedWrite, nowMs: number): void {
    const m = this.mappingOf(w.mapping);
    m.writes += 1;
    this.tell({ mapping: w.mapping, outcome: 'seen', n: 1 });
    if (this.pending >= this.opts.maxPending) {
      const oldest =
        this.early.length > this.earlyHead
          ? this.early[this.earlyHead++]!
          : this.first.length > this.firstHead
            ? this.first[this.firstHead++]!
            : this.confirm[this.confirmHead++];
      if (oldest) this.uncheck(oldest.write.mapping, 1);
    }
    const commitLocalMs = Number(w.commitMicros / 1000n) - this.opts.clock.offsetMs;
    if ((this.latest.get(w.key) ?? -1n) < w.commitMicros) this.latest.set(w.key, w.commitMicros);
    this.delays.add(Math.max(0, nowMs - commitLocalMs));
    this.early.push({ write: w, commitLocalMs, seenMs: nowMs, dueMs: nowMs, stage: 'early' });
    this.compact();
  }

  /** A write that was not checked (over --rate): counted, never silently skipped. */
  skipped(w: CommittedWrite): void {
    this.mappingOf(w.mapping).writes += 1;
    this.tell({ mapping: w.mapping, outcome: 'seen', n: 1 });
    this.uncheck(w.mapping, 1);
  }

  /** Writes of a mapping whose cache key the stream did not give: counted, not checked. */
  unkeyed(mapping: string, n: number): void {
    const m = this.mappingOf(mapping);
    m.writes += n;
    m.unkeyed += n;
    this.tell({ mapping, outcome: 'seen', n });
    this.uncheck(mapping, n);
  }

  touched(keys: readonly string[], nowMs: number): void {
    for (const k of keys) remember(this.touches, k, nowMs);
  }

  /** FLUSHALL or FLUSHDB: every key is touched (tracking names none). */
  flushed(nowMs: number): void {
    this.flushes.push(nowMs);
  }

  broadcast(keys: readonly string[], nowMs: number): void {
    for (const k of keys) remember(this.broadcasts, k, nowMs);
  }

  /** A replica's replay position, read by a query sent at `sentMs` and answered at `nowMs`. */
  replayed(replica: string, lsn: string, nowMs: number, sentMs = nowMs): void {
    const samples = this.replay.get(replica);
    const v = parseLsn(lsn);
    if (!samples || v === undefined) return;
    samples.push({ sentMs, atMs: nowMs, lsn: v });
    while (samples.length > 2 && samples[0]!.atMs < nowMs - this.historyMs) samples.shift();
  }

  /** The checks whose read is due: first looks, then second looks, oldest first. */
  due(nowMs: number, limit = Number.POSITIVE_INFINITY): { id: Check; key: string; mapping: string }[] {
    const out: { id: Check; key: string; mapping: string }[] = [];
    for (const [queue, head] of [
      [this.confirm, 'confirmHead'],
      [this.first, 'firstHead'],
      [this.early, 'earlyHead'],
    ] as const) {
      while (out.length < limit && this[head] < queue.length && queue[this[head]]!.dueMs <= nowMs) {
        const c = queue[this[head]]!;
        this[head] += 1;
        out.push({ id: c, key: c.write.key, mapping: c.write.mapping });
      }
    }
    return out;
  }

  /** The read of a due check. */
  answer(check: Check, state: CacheState, nowMs: number): void {
    if (check.stage === 'early') {
      this.first.push({ ...check, stage: 'first', dueMs: check.seenMs + this.opts.graceMs, early: { atMs: nowMs, state } });
      return;
    }
    const m = this.mappingOf(check.write.mapping);
    // Too big to read (over --max-value-bytes), or refused by the cluster: not judged, counted.
    if (state.kind === 'oversized' || state.kind === 'refused') {
      this.uncheck(check.write.mapping, 1);
      return;
    }
    // Written again since (a delete then an insert, a key taken by another row): the newer write is what counts.
    const superseded = (this.latest.get(check.write.key) ?? 0n) > check.write.commitMicros;
    const converged = superseded || isConverged(check.write, state);
    if (check.stage === 'first') this.broadcastCheck(check, m);
    if (converged) {
      m.checked += 1;
      m.converged += 1;
      if (check.stage === 'confirm') m.late += 1;
      const after = this.touchesAfter(check);
      if (after.length > 0) m.invalidated.add(after[0]! - check.commitLocalMs);
      if (after.length > 1) m.refilled.add(after[after.length - 1]! - check.commitLocalMs);
      this.tell({ mapping: m.mapping, outcome: 'converged', consistentAfterMs: consistentAfter(check, after, nowMs) });
      return;
    }
    if (check.stage === 'first') {
      this.confirm.push({ ...check, stage: 'confirm', dueMs: nowMs + this.opts.graceMs });
      return;
    }
    m.checked += 1;
    const { cls, detail, replica } = this.classify(check);
    m.stale[cls] += 1;
    this.tell({ mapping: m.mapping, outcome: 'stale', class: cls });
    this.keep(
      `stale-after-write\u0000${cls}`,
      finding('stale-after-write', this.describe(check, state, cls, detail, nowMs), {
        key: check.write.key,
        mapping: check.write.mapping,
        class: cls,
        committedVersion: check.write.version ? formatVersion(check.write.version) : null,
        cachedVersion: state.kind === 'version' ? formatVersion(state.version) : null,
        commitLsn: check.write.commitLsn,
        committedAt: new Date(Number(check.write.commitMicros / 1000n)).toISOString(),
        replica,
        timeline: this.timeline(check, state, nowMs),
      }),
    );
  }

  /** Checks still waiting when the follow ends: counted as unchecked. */
  finish(): { mappings: MappingFollow[]; findings: Finding[]; counts: Record<string, number>; seenAfterCommitMs: Spread | null } {
    for (const q of [
      [this.early, this.earlyHead],
      [this.first, this.firstHead],
      [this.confirm, this.confirmHead],
    ] as const) {
      for (let i = q[1]; i < q[0].length; i += 1) this.uncheck(q[0][i]!.write.mapping, 1);
    }
    for (const q of [this.early, this.first, this.confirm]) q.length = 0;
    this.earlyHead = 0;
    this.firstHead = 0;
    this.confirmHead = 0;
    const counts: Record<string, number> = {};
    const mappings = [...this.perMapping.values()].map(({ invalidated, refilled, ...m }) => {
      const stale = STALE_CLASSES.reduce((n, c) => n + m.stale[c], 0);
      const { staleRatio, staleRatioLow, staleRatioHigh, nines, ninesAtLeast } = staleness(stale, m.checked);
      counts['stale-after-write'] = (counts['stale-after-write'] ?? 0) + stale;
      if (m.missingBroadcasts > 0) counts['missing-broadcast'] = (counts['missing-broadcast'] ?? 0) + m.missingBroadcasts;
      return {
        ...m,
        staleRatio,
        staleRatioLow,
        staleRatioHigh,
        nines,
        ninesAtLeast,
        commitToInvalidatedMs: invalidated.spread() ?? null,
        commitToRefilledMs: refilled.spread() ?? null,
      };
    });
    for (const k of Object.keys(counts)) if (counts[k] === 0) delete counts[k];
    return { mappings, findings: [...this.findings.values()].flat(), counts, seenAfterCommitMs: this.delays.spread() ?? null };
  }

  private classify(check: Check): { cls: StaleClass; detail: string; replica: string | null } {
    const u = this.opts.clock.uncertaintyMs;
    const t = this.touchesOf(check.write.key);
    const c = check.commitLocalMs;
    const after = t.filter((x) => x > c + u);
    if (after.length === 0) {
      if (t.some((x) => Math.abs(x - c) <= u))
        return { cls: 'uncertain', detail: `the key was touched within ${fmtMs(u)} of the commit, closer than the clocks can tell`, replica: null };
      const before = t.filter((x) => x < c - u && x >= c - Math.max(1000, this.opts.raceWindowMs * 10));
      if (before.length > 0)
        return {
          cls: 'invalidated-before-commit',
          detail: `it was touched ${fmtMs(c - before[before.length - 1]!)} before the commit and not after: invalidated before the write committed, and refilled with the old row`,
          replica: null,
        };
      return { cls: 'not-invalidated', detail: 'nothing touched the key after the commit: the write never invalidated it', replica: null };
    }
    const refill = after[after.length - 1]!;
    if (check.write.commitLsn === null && this.replay.size > 0)
      return {
        cls: 'uncertain',
        detail: `refilled ${fmtMs(refill - c)} after the write with the old row; polling gives no commit position to hold the replicas against: a replica or a race`,
        replica: null,
      };
    const lsn = parseLsn(check.write.commitLsn) ?? 0n;
    let unsure: string | null = null;
    for (const [name, samples] of this.replay) {
      // Sampled, not watched: the replica passed the commit after its last sample below it and by its first at or
      // above it. Only a sample at or after the refill that was still below says it had not replayed it then.
      const firstAbove = samples.find((x) => x.lsn >= lsn)?.atMs ?? null;
      // The LSN was read after the query was sent: a sample below the commit proves it only as of its sending.
      let lastBelow: number | null = null;
      for (const x of samples) if (x.lsn < lsn) lastBelow = x.sentMs;
      if (lastBelow !== null && lastBelow >= refill + u) {
        const delay = firstAbove === null ? 'it still had not at the check' : `it did ${fmtMs(firstAbove - c)} after the commit`;
        return {
          cls: 'refilled-from-replica',
          detail: `refilled ${fmtMs(refill - c)} after the commit, while replica ${name} had not replayed it yet (${delay})`,
          replica: name,
        };
      }
      if (firstAbove === null || firstAbove > refill - u) unsure ??= name;
    }
    if (unsure !== null)
      return {
        cls: 'uncertain',
        detail: `refilled ${fmtMs(refill - c)} after the commit, about when replica ${unsure} replayed it (sampled every 50 ms): which came first cannot be told`,
        replica: unsure,
      };
    return {
      cls: 'refilled-by-race',
      detail: `refilled ${fmtMs(refill - c)} after the commit with the old row, while ${this.replay.size > 0 ? 'every replica had replayed it' : 'no replica is followed'}: a read between the commit and the invalidation`,
      replica: null,
    };
  }

  private describe(check: Check, state: CacheState, cls: StaleClass, detail: string, nowMs: number): string {
    const w = check.write;
    const holds = state.kind === 'version' ? `version ${formatVersion(state.version)}` : state.kind === 'unreadable' ? state.why : 'nothing';
    const committed = w.op === 'DELETE' ? 'a delete' : `version ${w.version ? formatVersion(w.version) : '?'}`;
    return `${w.key} still holds ${holds} ${fmtMs(nowMs - check.commitLocalMs)} after ${committed} committed (${cls}): ${detail}`;
  }

  private broadcastCheck(check: Check, m: MappingFollow): void {
    if (this.opts.channel === null) return;
    const u = this.opts.clock.uncertaintyMs;
    const start = check.commitLocalMs - u - this.opts.raceWindowMs;
    const invalidated = this.touchesAfter(check)[0] ?? check.commitLocalMs;
    const end = invalidated + u + this.opts.raceWindowMs;
    if ((this.broadcasts.get(check.write.key) ?? []).some((x) => x >= start && x <= end)) return;
    m.missingBroadcasts += 1;
    this.tell({ mapping: m.mapping, outcome: 'missing-broadcast' });
    this.keep(
      'missing-broadcast',
      finding(
        'missing-broadcast',
        `${check.write.key} was written${check.write.commitLsn ? ` (${check.write.commitLsn})` : ''} with no message on ${this.opts.channel} naming it within ${this.opts.raceWindowMs} ms: in-process caches keep the old value`,
        { key: check.write.key, mapping: check.write.mapping, commitLsn: check.write.commitLsn },
      ),
    );
  }

  private touchesAfter(check: Check): number[] {
    const limit = check.commitLocalMs + this.opts.clock.uncertaintyMs;
    return this.touchesOf(check.write.key).filter((x) => x > limit);
  }

  /** When the key was touched, a flush of Redis included, oldest first. */
  private touchesOf(key: string): number[] {
    const own = this.touches.get(key) ?? [];
    if (this.flushes.length === 0) return own;
    return [...own, ...this.flushes].sort((a, b) => a - b);
  }

  private timeline(check: Check, state: CacheState, nowMs: number): { at: string; event: string }[] {
    const at = (ms: number) => new Date(ms).toISOString();
    const events: { ms: number; event: string }[] = [
      { ms: check.commitLocalMs, event: check.write.commitLsn ? `commit ${check.write.commitLsn}` : 'written (updatedAt)' },
    ];
    const lsn = parseLsn(check.write.commitLsn) ?? 0n;
    for (const [name, samples] of this.replay) {
      const s = samples.find((x) => x.lsn >= lsn);
      if (s) events.push({ ms: s.atMs, event: `replayed on ${name}` });
    }
    if (check.early) events.push({ ms: check.early.atMs, event: `read when seen: ${stateText(check.early.state)}` });
    for (const t of this.touches.get(check.write.key) ?? []) if (t >= check.commitLocalMs - 2000) events.push({ ms: t, event: 'key touched' });
    for (const t of this.flushes) if (t >= check.commitLocalMs - 2000 && t <= nowMs) events.push({ ms: t, event: 'Redis flushed (FLUSHALL/FLUSHDB)' });
    for (const t of this.broadcasts.get(check.write.key) ?? []) if (t >= check.commitLocalMs - 2000) events.push({ ms: t, event: 'broadcast' });
    events.push({ ms: nowMs, event: `checked: ${stateText(state)}` });
    return events.sort((a, b) => a.ms - b.ms).map((e) => ({ at: at(e.ms), event: e.event }));
  }

  private tell(o: WriteOutcome): void {
    this.opts.observe?.(o);
  }

  private uncheck(mapping: string, n: number): void {
    this.mappingOf(mapping).unchecked += n;
    this.tell({ mapping, outcome: 'unchecked', n });
  }

  private keep(group: string, f: Finding): void {
    const list = this.findings.get(group) ?? [];
    if (list.length < this.opts.maxListed) list.push(f);
    this.findings.set(group, list);
  }

  private mappingOf(name: string): MappingFollow & { invalidated: Reservoir; refilled: Reservoir } {
    let m = this.perMapping.get(name);
    if (!m) {
      m = {
        mapping: name,
        writes: 0,
        checked: 0,
        converged: 0,
        late: 0,
        stale: Object.fromEntries(STALE_CLASSES.map((c) => [c, 0])) as Record<StaleClass, number>,
        unchecked: 0,
        unkeyed: 0,
        missingBroadcasts: 0,
        staleRatio: null,
        staleRatioLow: null,
        staleRatioHigh: null,
        nines: null,
        ninesAtLeast: null,
        commitToInvalidatedMs: null,
        commitToRefilledMs: null,
        invalidated: new Reservoir(),
        refilled: new Reservoir(),
      };
      this.perMapping.set(name, m);
    }
    return m;
  }

  /** Forgets touches and broadcasts no check can need any more; called often (touches come without writes too). */
  prune(nowMs: number): void {
    if (nowMs - this.lastPrune < 1000 && this.touches.size + this.broadcasts.size <= 200_000) return;
    this.lastPrune = nowMs;
    for (const map of [this.touches, this.broadcasts]) for (const [k, ts] of map) if (ts[ts.length - 1]! < nowMs - this.historyMs) map.delete(k);
    for (const [k, at] of this.latest) if (Number(at / 1000n) - this.opts.clock.offsetMs < nowMs - this.historyMs) this.latest.delete(k);
    this.flushes = this.flushes.filter((t) => t >= nowMs - this.historyMs);
  }

  /** Drops what no check can need any more, so memory stays flat under a steady write load. */
  private compact(): void {
    for (const [q, head] of [
      [this.early, 'earlyHead'],
      [this.first, 'firstHead'],
      [this.confirm, 'confirmHead'],
    ] as const) {
      if (this[head] > 4096 && this[head] * 2 > q.length) {
        q.splice(0, this[head]);
        this[head] = 0;
      }
    }
    this.prune(this.early.at(-1)?.seenMs ?? this.first.at(-1)?.seenMs ?? 0);
  }

  private lastPrune = 0;
}

/**
 * How soon after its commit a converged write's key was right: its first touch after the commit (the invalidation
 * or the overwrite); with none, at once when the read as the write was seen found it right already (it was not
 * cached), else by the look that found it (an upper bound).
 */
function consistentAfter(check: Check, touchesAfter: readonly number[], nowMs: number): number {
  if (touchesAfter.length > 0) return Math.max(0, touchesAfter[0]! - check.commitLocalMs);
  if (check.early && isConverged(check.write, check.early.state)) return 0;
  return Math.max(0, nowMs - check.commitLocalMs);
}

/** Converged: a delete left the key absent; a write left it absent or at a version at least the committed one. */
function isConverged(w: CommittedWrite, state: CacheState): boolean {
  if (state.kind === 'absent') return true;
  if (state.kind !== 'version' || w.op === 'DELETE') return false;
  if (w.version === null) return true;
  return compareVersions(state.version, w.version).order >= 0;
}

function remember(map: Map<string, number[]>, key: string, nowMs: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [nowMs]);
  else {
    list.push(nowMs);
    if (list.length > TOUCHES_KEPT) list.shift();
  }
}

function stateText(state: CacheState): string {
  return state.kind === 'version' ? `version ${formatVersion(state.version)}` : state.kind === 'unreadable' ? state.why : state.kind;
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.max(0, Math.round(ms))} ms`;
}
