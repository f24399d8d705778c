// Order statistics over a window of samples.
export interface Spread {
  count: number;
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** Nearest-rank quantile of sorted values (q in 0..1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** min / median / p95 / max of the defined values, or undefined when there are none. */
export function spread(values: readonly (number | null | undefined)[]): Spread | undefined {
  const sorted = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  return {
    count: sorted.length,
    min: sorted[0] as number,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1] as number,
  };
}

/**
 * A fixed-size uniform sample of a stream of values (Vitter's algorithm R) with its exact count, min and max: the
 * quantiles of hours of writes in bounded memory, not those of the first writes only. Seeded, so runs repeat.
 */
export class Reservoir {
  private readonly values: number[] = [];
  private count = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private state: number;

  constructor(
    private readonly size = 100_000,
    seed = 0x9e3779b9,
  ) {
    this.state = seed >>> 0;
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.values.length < this.size) this.values.push(value);
    else {
      const j = Math.floor(this.random() * this.count);
      if (j < this.size) this.values[j] = value;
    }
  }

  /** min / median / p95 / max: count, min and max exact, the quantiles from the sample. */
  spread(): Spread | undefined {
    const s = spread(this.values);
    return s && { ...s, count: this.count, min: this.min, max: this.max };
  }

  /** mulberry32: a small, fast, seeded generator in [0, 1). */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
