// Remembers which keys a scan has seen (SCAN may return a key twice) in 16 bytes per key: a 1,000,000-key scan
// must not hold 1,000,000 key strings. Keys are stored as two 32-bit hashes; a false "seen" (both collide) has a
// probability of about n^2 / 2^65, some 3e-8 for a million keys.
export class KeySet {
  private hi = new Uint32Array(1 << 12);
  private lo = new Uint32Array(1 << 12);
  private used = new Uint8Array(1 << 12);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when it was already there. */
  add(key: Uint8Array): boolean {
    if (this.count * 2 >= this.used.length) this.grow();
    return this.insert(hash(key, 0x811c9dc5, 0x01000193), fmix(hash(key, 0x9e3779b9, 0x5bd1e995)));
  }

  private insert(h: number, l: number): boolean {
    const mask = this.used.length - 1;
    for (let i = (h ^ (l >>> 7)) & mask; ; i = (i + 1) & mask) {
      if (!this.used[i]) {
        this.used[i] = 1;
        this.hi[i] = h;
        this.lo[i] = l;
        this.count += 1;
        return true;
      }
      if (this.hi[i] === h && this.lo[i] === l) return false;
    }
  }

  private grow(): void {
    const { hi, lo, used } = this;
    this.hi = new Uint32Array(used.length * 2);
    this.lo = new Uint32Array(used.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.count = 0;
    for (let i = 0; i < used.length; i += 1) if (used[i]) this.insert(hi[i]!, lo[i]!);
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
