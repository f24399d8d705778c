// Where a sample starts: a random SCAN cursor, then round to where it began, covering every bucket once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cursorPosition, nextStep, startCursors } from '../../src/core/scan/sampleStart.js';

/** Redis' own cursor step (dictScan): the next bucket in reverse-binary order for a table of 2^bits buckets. */
function redisNext(cursor: bigint, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const rev = (v: bigint) => cursorPosition(v.toString());
  let v = cursor | (~mask & ((1n << 64n) - 1n));
  v = rev(v);
  v = (v + 1n) & ((1n << 64n) - 1n);
  return rev(v);
}

describe('startCursors', () => {
  it('gives the same starts for the same seed, others for another', () => {
    assert.deepEqual(startCursors(7, 3), startCursors(7, 3));
    assert.notDeepEqual(startCursors(7, 3), startCursors(8, 3));
    assert.equal(new Set(startCursors(7, 50)).size, 50);
  });
});

describe('nextStep', () => {
  for (const bits of [0, 1, 4, 10]) {
    it(`from any start, visits every bucket of a ${2 ** bits}-bucket table, and stops`, () => {
      for (const start of [...startCursors(1, 20), '0']) {
        const visited = new Set<bigint>();
        const mask = (1n << BigInt(bits)) - 1n;
        let cursor = start;
        let wrapped = false;
        for (let steps = 0; ; steps += 1) {
          assert.ok(steps <= 2 ** bits + 2, `no end from ${start}`);
          visited.add(BigInt(cursor) & mask);
          const step = nextStep(start, redisNext(BigInt(cursor), bits).toString(), wrapped);
          if (step.done) break;
          cursor = step.cursor;
          wrapped = step.wrapped;
        }
        assert.equal(visited.size, 2 ** bits, `from ${start}: ${visited.size} of ${2 ** bits} buckets`);
      }
    });
  }
  it('from 0 (--all), one pass as before', () => {
    assert.deepEqual(nextStep('0', '0', false), { done: true, wrapped: false, cursor: '0' });
    assert.deepEqual(nextStep('0', '12', false), { done: false, wrapped: false, cursor: '12' });
  });
});
