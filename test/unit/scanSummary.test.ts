import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Classified } from '../../src/core/scan/classify.js';
import { byHarm, TopN } from '../../src/core/scan/rank.js';
import { consistency, emptyCounts, wilson } from '../../src/core/scan/summary.js';

const entry = (key: string, over: Partial<Classified> = {}): Classified => ({
  key,
  mapping: 'm',
  state: 'stale',
  cacheVersion: '1',
  rowVersion: '2',
  versionsBehind: 1,
  secondsBehind: null,
  ttlSeconds: 10,
  noTtl: false,
  detail: null,
  ...over,
});

describe('consistency', () => {
  it('gives the stale ratio, its Wilson interval, and nines', () => {
    const c = { ...emptyCounts(), fresh: 999, stale: 1, undecodable: 50 };
    const s = consistency(c);
    assert.equal(s.compared, 1000);
    assert.equal(s.staleRatio, 0.001);
    assert.equal(s.nines, 3);
    assert.ok(s.staleRatioLow! < 0.001 && s.staleRatioHigh! > 0.001 && s.staleRatioHigh! < 0.006);
    assert.ok(s.ninesAtLeast! < 3);
  });
  it('with nothing wrong, claims only the nines the sample size supports', () => {
    const s = consistency({ ...emptyCounts(), fresh: 1000 });
    assert.equal(s.nines, null);
    assert.ok(s.ninesAtLeast! > 2 && s.ninesAtLeast! < 3);
  });
  it('Wilson interval matches a known value', () => {
    const [lo, hi] = wilson(10, 100);
    assert.ok(Math.abs(lo - 0.0552) < 0.001 && Math.abs(hi - 0.1744) < 0.001);
  });
});

describe('ranking', () => {
  it('orders by seconds behind, then versions behind', () => {
    const list = [entry('a', { secondsBehind: 5 }), entry('b', { secondsBehind: 50 }), entry('c', { versionsBehind: 9 }), entry('d', { versionsBehind: 2 })];
    assert.deepEqual(
      list.sort(byHarm).map((e) => e.key),
      ['b', 'a', 'c', 'd'],
    );
  });
  it('keeps the N most harmful in bounded memory', () => {
    const top = new TopN(3);
    for (let i = 0; i < 1000; i += 1) top.add(entry(`k${i}`, { secondsBehind: i % 97 }));
    assert.deepEqual(
      top.sorted().map((e) => e.secondsBehind),
      [96, 96, 96],
    );
    assert.equal(top.offered, 1000);
  });
});

describe('buildScanResult verdict', () => {
  it('a stopped scan that left entries unconfirmed never passes (130 when a signal stopped it), and never claims it found no keys', async () => {
    const { buildScanResult } = await import('../../src/core/scan/scanReport.js');
    const { Tally } = await import('../../src/core/scan/tally.js');
    const t = new Tally('m', 10);
    t.sampled = 11;
    t.counts.fresh = 10;
    t.counts.unconfirmed = 1;
    const base = {
      attributions: new Map(),
      failures: [],
      thresholds: { maxStale: 0, maxStaleRatio: null },
      graceSeconds: 2,
      maxListed: 10,
      seconds: 1,
      seed: null,
    };
    const stopped = buildScanResult({ ...base, tallies: [{ tally: t, table: 't', ttlSeconds: null }], complete: false });
    const { exitCodeOf } = await import('../../src/core/envelope.js');
    // Unconfirmed entries are not findings (exit 1 would read as "stale data found"): the run is incomplete.
    assert.equal(stopped.fails, false);
    assert.equal(exitCodeOf(stopped, true), 130);
    assert.equal(exitCodeOf(stopped, false), 1);
    const empty = new Tally('e', 10);
    const r = buildScanResult({ ...base, tallies: [{ tally: empty, table: 't', ttlSeconds: null }], complete: false });
    assert.deepEqual(
      r.findings.map((f) => f.kind),
      [],
    );
    assert.equal(exitCodeOf(r, true), 130);
  });
});
