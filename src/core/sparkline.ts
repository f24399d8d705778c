// A one-line picture of a series: spikes in lag are the point of --watch.
const BARS = '▁▂▃▄▅▆▇█';
const GAP = '·';

/** One bar per value, scaled from 0 to the largest value; missing values show as a dot. */
export function sparkline(values: readonly (number | null | undefined)[], width = 60): string {
  const picked = downsample(values, width);
  const max = Math.max(0, ...picked.filter((v): v is number => typeof v === 'number'));
  return picked
    .map((v) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return GAP;
      if (max === 0) return BARS[0];
      const i = Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)));
      return BARS[i];
    })
    .join('');
}

/** At most `width` values, each the maximum of its bucket so that spikes survive. */
function downsample(values: readonly (number | null | undefined)[], width: number): (number | null | undefined)[] {
  if (values.length <= width) return [...values];
  const out: (number | null | undefined)[] = [];
  for (let i = 0; i < width; i += 1) {
    const bucket = values.slice(Math.floor((i * values.length) / width), Math.floor(((i + 1) * values.length) / width));
    const nums = bucket.filter((v): v is number => typeof v === 'number');
    out.push(nums.length ? Math.max(...nums) : null);
  }
  return out;
}
