// When a stale entry was filled, against when its row was last written: the evidence that tells a write that never
// invalidated the cache (filled before the write) from a fill that read an old row (filled at or after it).
// Redis keeps no fill time, but a fill sets the mapping's TTL: the entry's age is that TTL minus the TTL left.
import { formatSeconds } from '../units.js';
import type { Classified } from './classify.js';

/** before-write: filled before the row's last write and never invalidated; at-write: within the margin of it
 * (a fill racing the write); after-write: filled later with the old version (a stale read); unknown: no evidence. */
export type FillOrder = 'before-write' | 'at-write' | 'after-write' | 'unknown';

/** The TTL every fill of a mapping sets: given (`ttl` in the mapping, --ttl) or learned from the sample. */
export interface FillTtl {
  seconds: number;
  /** given: the TTL fills set, so an entry's age is known. learned: the longest TTL left in the sample, an estimate
   * that holds only if every fill sets one TTL (jitter, or a job that sets another, breaks it): the order it gives is
   * what is likely, never certain (see the stale rule in findings/kinds.ts). */
  basis: 'given' | 'learned';
}

export interface FillEvidence {
  order: FillOrder;
  /** Seconds from the fill to when the entry was read (an estimate, when the TTL was learned); null when unknown. */
  filledSecondsAgo: number | null;
  ttlBasis: FillTtl['basis'] | null;
  /** The fill TTL the age was worked out from, or null. */
  fillTtlSeconds: number | null;
}

/** How far apart a fill and a write must be to be told apart: clocks of the database and this host, rounding. */
export const FILL_MARGIN_SECONDS = 1;

/** The fewest keys with a TTL a mapping's sample needs before its longest TTL left is taken as the fill TTL. */
export const MIN_TTL_SAMPLE = 10;

/** The fill TTL learned from a sample: the longest TTL left, once enough keys had one. */
export function learnedTtl(maxTtlLeftSeconds: number, keysWithTtl: number): FillTtl | null {
  return keysWithTtl >= MIN_TTL_SAMPLE && maxTtlLeftSeconds > 0 ? { seconds: maxTtlLeftSeconds, basis: 'learned' } : null;
}

const UNKNOWN: FillEvidence = { order: 'unknown', filledSecondsAgo: null, ttlBasis: null, fillTtlSeconds: null };

/** Where the entry's fill falls against the row's last write (secondsBehind ago), from its TTL left. */
export function fillEvidence(entry: Pick<Classified, 'ttlSeconds' | 'secondsBehind'>, ttl: FillTtl | null): FillEvidence {
  if (ttl === null || entry.ttlSeconds === null) return UNKNOWN;
  // More TTL left than a fill sets: this entry was written some other way (another TTL), so its age says nothing.
  if (entry.ttlSeconds > ttl.seconds + FILL_MARGIN_SECONDS) return UNKNOWN;
  const age = Math.max(0, ttl.seconds - entry.ttlSeconds);
  const known = { filledSecondsAgo: Math.round(age * 1000) / 1000, ttlBasis: ttl.basis, fillTtlSeconds: ttl.seconds };
  if (entry.secondsBehind === null) return { order: 'unknown', ...known };
  if (age > entry.secondsBehind + FILL_MARGIN_SECONDS) return { order: 'before-write', ...known };
  if (age >= entry.secondsBehind - FILL_MARGIN_SECONDS) return { order: 'at-write', ...known };
  return { order: 'after-write', ...known };
}

/** The fill in words: "filled 1m 40s ago, before the write", "filled about 5.0 s ago (if every fill sets 590 s), after the write". */
export function fillWords(fill: FillEvidence): string | null {
  if (fill.filledSecondsAgo === null) return null;
  const ago =
    fill.ttlBasis === 'learned'
      ? `filled about ${formatSeconds(fill.filledSecondsAgo)} ago${fill.fillTtlSeconds !== null ? ` (if every fill sets ${formatSeconds(fill.fillTtlSeconds)})` : ''}`
      : `filled ${formatSeconds(fill.filledSecondsAgo)} ago`;
  switch (fill.order) {
    case 'before-write':
      return `${ago}, before the write, and never invalidated`;
    case 'at-write':
      return `${ago}, at the time of the write, with the row from before it`;
    case 'after-write':
      return `${ago}, after the write, from a read of the old row`;
    default:
      return ago;
  }
}
