// When a stale entry was filled, against when its row was last written: the evidence that tells a write that never
// invalidated the cache (filled before the write) from a fill that read an old row (filled at or after it).
// Redis keeps no fill time, but a fill sets the mapping's TTL: the entry's age is that TTL minus the TTL left.
import type { Classified } from './classify.js';

/** before-write: filled before the row's last write and never invalidated; at-write: within the margin of it
 * (a fill racing the write); after-write: filled later with the old version (a stale read); unknown: no evidence. */
export type FillOrder = 'before-write' | 'at-write' | 'after-write' | 'unknown';

/** The TTL every fill of a mapping sets: given (`ttl` in the mapping, --ttl) or learned from the sample. */
export interface FillTtl {
  seconds: number;
  /** given: exact, so an entry's age is known both ways. learned: the longest TTL left in the sample, a lower
   * bound of the real one, so an entry's age is known to be at least (never at most) the estimate. */
  basis: 'given' | 'learned';
}

export interface FillEvidence {
  order: FillOrder;
  /** Seconds from the fill to when the entry was read (at least this, when the TTL was learned); null when unknown. */
  filledSecondsAgo: number | null;
  ttlBasis: FillTtl['basis'] | null;
}

/** How far apart a fill and a write must be to be told apart: clocks of the database and this host, rounding. */
export const FILL_MARGIN_SECONDS = 1;

/** The fewest keys with a TTL a mapping's sample needs before its longest TTL left is taken as the fill TTL. */
export const MIN_TTL_SAMPLE = 10;

/** The fill TTL learned from a sample: the longest TTL left, once enough keys had one. */
export function learnedTtl(maxTtlLeftSeconds: number, keysWithTtl: number): FillTtl | null {
  return keysWithTtl >= MIN_TTL_SAMPLE && maxTtlLeftSeconds > 0 ? { seconds: maxTtlLeftSeconds, basis: 'learned' } : null;
}

const UNKNOWN: FillEvidence = { order: 'unknown', filledSecondsAgo: null, ttlBasis: null };

/** Where the entry's fill falls against the row's last write (secondsBehind ago), from its TTL left. */
export function fillEvidence(entry: Pick<Classified, 'ttlSeconds' | 'secondsBehind'>, ttl: FillTtl | null): FillEvidence {
  if (ttl === null || entry.ttlSeconds === null) return UNKNOWN;
  // More TTL left than a fill sets: this entry was written some other way (another TTL), so its age says nothing.
  if (entry.ttlSeconds > ttl.seconds + FILL_MARGIN_SECONDS) return UNKNOWN;
  const age = Math.max(0, ttl.seconds - entry.ttlSeconds);
  const known = { filledSecondsAgo: Math.round(age * 1000) / 1000, ttlBasis: ttl.basis };
  if (entry.secondsBehind === null) return { order: 'unknown', ...known };
  if (age > entry.secondsBehind + FILL_MARGIN_SECONDS) return { order: 'before-write', ...known };
  // A learned TTL only bounds the age from below: the fill may be older than it looks, so nothing later is certain.
  if (ttl.basis === 'learned') return { order: 'unknown', ...known };
  if (age >= entry.secondsBehind - FILL_MARGIN_SECONDS) return { order: 'at-write', ...known };
  return { order: 'after-write', ...known };
}
