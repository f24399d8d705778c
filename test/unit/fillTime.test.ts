// When a stale entry was filled against its row's last write, from the TTL left: the evidence that tells a missed
// invalidation from a stale read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillEvidence, fillWords, learnedTtl, MIN_TTL_SAMPLE } from '../../src/core/scan/fillTime.js';

const given = { seconds: 600, basis: 'given' } as const;
const learned = { seconds: 590, basis: 'learned' } as const;
const entry = (ttlSeconds: number | null, secondsBehind: number | null) => ({ ttlSeconds, secondsBehind });

describe('fillEvidence', () => {
  it('with the TTL given: before, at or after the write, with a margin for clocks', () => {
    // Filled 100 s ago, written 20 s ago.
    assert.deepEqual(fillEvidence(entry(500, 20), given), { order: 'before-write', filledSecondsAgo: 100, ttlBasis: 'given', fillTtlSeconds: 600 });
    assert.equal(fillEvidence(entry(580.5, 20), given).order, 'at-write');
    assert.equal(fillEvidence(entry(579.5, 20), given).order, 'at-write');
    assert.equal(fillEvidence(entry(590, 20), given).order, 'after-write');
    assert.equal(fillEvidence(entry(578.5, 20), given).order, 'before-write');
  });

  it('with a learned TTL: the same order, as an estimate (the stale rule treats it as likely, not certain)', () => {
    assert.equal(fillEvidence(entry(500, 20), learned).order, 'before-write');
    assert.deepEqual(fillEvidence(entry(585, 20), learned), { order: 'after-write', filledSecondsAgo: 5, ttlBasis: 'learned', fillTtlSeconds: 590 });
    assert.equal(
      fillWords(fillEvidence(entry(585, 20), learned)),
      'filled about 5.0 s ago (if every fill sets 9m 50s), after the write, from a read of the old row',
    );
    assert.equal(fillWords(fillEvidence(entry(500, 20), given)), 'filled 1m 40s ago, before the write, and never invalidated');
  });

  it('says nothing without a TTL, a write time, or with more TTL left than a fill sets', () => {
    const none = { order: 'unknown', filledSecondsAgo: null, ttlBasis: null, fillTtlSeconds: null };
    assert.deepEqual(fillEvidence(entry(null, 20), given), none);
    assert.deepEqual(fillEvidence(entry(500, 20), null), none);
    assert.deepEqual(fillEvidence(entry(500, null), given), { order: 'unknown', filledSecondsAgo: 100, ttlBasis: 'given', fillTtlSeconds: 600 });
    assert.equal(fillEvidence(entry(3600, 20), given).order, 'unknown');
  });
});

describe('learnedTtl', () => {
  it('takes the longest TTL left once enough keys had one', () => {
    assert.equal(learnedTtl(590, MIN_TTL_SAMPLE - 1), null);
    assert.deepEqual(learnedTtl(590, MIN_TTL_SAMPLE), { seconds: 590, basis: 'learned' });
    assert.equal(learnedTtl(0, 100), null);
  });
});
