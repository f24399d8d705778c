// Counts per state, and what the sample says about the whole cache: a stale ratio with its 95% interval, and nines.
import { type Classified, type EntryState, WRONG_STATES } from './classify.js';

/** inflight: wrong at first, right after the grace period; unconfirmed: wrong at first, scan stopped before the re-check. */
export type StateCounts = Record<EntryState | 'inflight' | 'unconfirmed' | 'noTtl', number>;

export function emptyCounts(): StateCounts {
  return { fresh: 0, stale: 0, ahead: 0, orphan: 0, 'version-not-bumped': 0, undecodable: 0, oversized: 0, expired: 0, inflight: 0, unconfirmed: 0, noTtl: 0 };
}

export function count(counts: StateCounts, entry: Classified): void {
  counts[entry.state] += 1;
  if (entry.noTtl) counts.noTtl += 1;
}

export interface Consistency {
  /** Entries compared with a row: fresh + wrong (undecodable, oversized, expired and inflight left out). */
  compared: number;
  wrong: number;
  staleRatio: number | null;
  /** Wilson score interval, 95%. */
  staleRatioLow: number | null;
  staleRatioHigh: number | null;
  /** -log10(stale ratio): 99.9% fresh = 3 nines; null when nothing was wrong. */
  nines: number | null;
  /** The nines the sample supports at 95% confidence (from the interval's upper end). */
  ninesAtLeast: number | null;
}

export function consistency(c: StateCounts): Consistency {
  const wrong = WRONG_STATES.reduce((n, s) => n + c[s], 0);
  return staleness(wrong, wrong + c.fresh);
}

/** `wrong` of `compared` (entries, or writes checked) as a stale ratio with its 95% interval and nines. */
export function staleness(wrong: number, compared: number): Consistency {
  if (compared === 0) return { compared, wrong, staleRatio: null, staleRatioLow: null, staleRatioHigh: null, nines: null, ninesAtLeast: null };
  const ratio = wrong / compared;
  const [low, high] = wilson(wrong, compared);
  return {
    compared,
    wrong,
    staleRatio: ratio,
    staleRatioLow: low,
    staleRatioHigh: high,
    nines: ratio > 0 ? round2(-Math.log10(ratio)) : null,
    ninesAtLeast: high > 0 ? round2(-Math.log10(high)) : null,
  };
}

/** Wilson score interval for a binomial proportion (z = 1.96): honest near 0, where stale ratios live. */
export function wilson(successes: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
