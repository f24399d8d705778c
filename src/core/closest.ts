// "Did you mean ...?": the names closest to a mistyped one, by edit distance (a typo is one or two edits away).

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= y.length; j += 1) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[y.length]!;
}

/** The candidates whose `nameOf` is at most `maxDistance` edits from `wanted` (default: 2, or 1 for short names), closest first. */
export function closest<T>(wanted: string, candidates: readonly T[], nameOf: (c: T) => string, maxDistance = wanted.length <= 4 ? 1 : 2): T[] {
  return candidates
    .map((c) => ({ c, d: editDistance(wanted, nameOf(c)) }))
    .filter(({ d }) => d <= maxDistance)
    .sort((a, b) => a.d - b.d)
    .map(({ c }) => c);
}
