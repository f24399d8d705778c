// Remembers which keys a scan has seen (SCAN may return a key twice) in 8-16 bytes per key: a 3,000,000-key scan
// must not hold 3,000,000 key strings. Keys are stored as two 32-bit hashes in an open-addressed table filled up to
// 75% (an empty slot has hi = 0; a key's hi is never 0); a false "seen" (both collide) has a probability of about
// n^2 / 2^65, some 3e-8 for a million keys.

/** Grow when the table is this full: fuller saves memory, emptier saves probes. */
const MAX_LOAD = 0.75;

export class KeySet {
  private hi = new Uint32Array(1 << 12);
  private lo = new Uint32Array(1 << 12);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when it was already there. */
  add(key: Uint8Array): boolean {
    if (this.count >= this.hi.length * MAX_LOAD) this.grow();
    return this.insert(hash(key, 0x811c9dc5, 0x01000193) || 1, fmix(hash(key, 0x9e3779b9, 0x5bd1e995)));
  }

  private insert(h: number, l: number): boolean {
    const mask = this.hi.length - 1;
    for (let i = (h ^ (l >>> 7)) & mask; ; i = (i + 1) & mask) {
      if (this.hi[i] === 0) {
        this.hi[i] = h;
        this.lo[i] = l;
        this.count += 1;
        return true;
      }
      if (this.hi[i] === h && this.lo[i] === l) return false;
    }
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(hi.length * 2);
    this.count = 0;
    for (let i = 0; i < hi.length; i += 1) if (hi[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}

/** FNV-1a style: xor a byte, multiply. Two different seeds and multipliers give two independent-enough hashes. */
function hash(bytes: Uint8Array, seed: number, prime: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i += 1) h = Math.imul(h ^ bytes[i]!, prime) >>> 0;
  return h;
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
