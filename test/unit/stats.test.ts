import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sparkline } from '../../src/core/sparkline.js';
import { quantile, Reservoir, spread } from '../../src/core/stats.js';

describe('spread', () => {
  it('gives min / median / p95 / max by nearest rank, ignoring missing values', () => {
    const values = [...Array.from({ length: 100 }, (_, i) => i + 1), null, undefined, NaN];
    assert.deepEqual(spread(values), { count: 100, min: 1, median: 50, p95: 95, max: 100 });
  });
  it('is undefined with nothing to measure', () => {
    assert.equal(spread([null, undefined]), undefined);
  });
  it('quantile of one value is that value', () => {
    assert.equal(quantile([7], 0.95), 7);
  });
});

describe('Reservoir', () => {
  it('keeps the whole stream when it fits: the same spread as all the values', () => {
    const r = new Reservoir(1000);
    const values = Array.from({ length: 500 }, (_, i) => (i * 37) % 500);
    for (const v of values) r.add(v);
    assert.deepEqual(r.spread(), spread(values));
  });
  it('samples a long rising stream evenly: quantiles of all of it, count, min and max exact', () => {
    // A sample of the first values only would put the median near 5,000; the stream's is near 500,000.
    const r = new Reservoir(10_000);
    for (let i = 0; i < 1_000_000; i += 1) r.add(i);
    const s = r.spread()!;
    assert.equal(s.count, 1_000_000);
    assert.equal(s.min, 0);
    assert.equal(s.max, 999_999);
    assert.ok(Math.abs(s.median - 500_000) < 20_000, `median ${s.median}`);
    assert.ok(Math.abs(s.p95 - 950_000) < 10_000, `p95 ${s.p95}`);
  });
  it('is undefined with nothing added, and ignores values that are not numbers', () => {
    const r = new Reservoir(10);
    r.add(Number.NaN);
    assert.equal(r.spread(), undefined);
  });
});

describe('sparkline', () => {
  it('scales to the largest value and marks gaps', () => {
    assert.equal(sparkline([0, 1, 2, null, 8]), '▁▂▃·█');
    assert.equal(sparkline([0, 0]), '▁▁');
  });
  it('keeps spikes when it has to shrink a long series', () => {
    const series = Array.from({ length: 1000 }, (_, i) => (i === 777 ? 50 : 1));
    const line = sparkline(series, 40);
    assert.equal([...line].length, 40);
    assert.equal([...line].filter((c) => c === '█').length, 1);
  });
});
