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
