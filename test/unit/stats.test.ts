import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sparkline } from '../../src/core/sparkline.js';
import { quantile, spread } from '../../src/core/stats.js';

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
