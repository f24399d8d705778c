// Where a sample's SCAN walk starts: a random cursor, so that runs see different keys (SCAN order is the same every
// time, so a walk from 0 samples the same first keys forever), then round to where it began.
//
// Redis walks a hash table in reverse-binary bucket order, and masks a cursor to the table's size: any 64-bit
// value is a valid start, its position in the walk is its bits reversed, and positions compare across table sizes
// (what lets SCAN survive a rehash). So a walk from a random cursor to the end, then from 0 until the position
// passes the start, visits every bucket (the start bucket may be read twice: keys are de-duplicated).

/** A seed as given with --seed, or drawn: shown with the result so the same sample can be taken again. */
export type Seed = number;

const MASK64 = (1n << 64n) - 1n;

/** The cursor's position in the walk: its 64 bits reversed. */
export function cursorPosition(cursor: string): bigint {
  let v = BigInt(cursor) & MASK64;
  let r = 0n;
  for (let i = 0; i < 64; i += 1) {
    r = (r << 1n) | (v & 1n);
    v >>= 1n;
  }
  return r;
}

/** mulberry32: small, fast, and the same numbers for the same seed on every machine. */
function random32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A start cursor per walk (a mapping on a node), from one seed: the same seed gives the same starts. */
export function startCursors(seed: Seed, walks: number): string[] {
  const next = random32(seed);
  return Array.from({ length: walks }, () => ((BigInt(next()) << 32n) | BigInt(next())).toString());
}

/**
 * The walk from `start`: after the SCAN that returned `cursor` (having wrapped past 0 already or not), whether it
 * is over, and the cursor to ask for next.
 */
export function nextStep(start: string, cursor: string, wrapped: boolean): { done: boolean; wrapped: boolean; cursor: string } {
  if (cursor === '0') return start === '0' || wrapped ? { done: true, wrapped, cursor } : { done: false, wrapped: true, cursor: '0' };
  if (wrapped && cursorPosition(cursor) >= cursorPosition(start)) return { done: true, wrapped, cursor };
  return { done: false, wrapped, cursor };
}
