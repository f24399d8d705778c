import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeMerge } from '../../src/core/monitor/timeMerge.js';

describe('TimeMerge', () => {
  it('releases an item only once every stream has been heard from past it', () => {
    const m = new TimeMerge<string>(2, 1_000_000);
    m.push(0, 10, 'a10');
    m.push(0, 30, 'a30');
    assert.deepEqual(m.release(30), [], 'stream 1 could still send something older');
    m.push(1, 20, 'b20');
    assert.deepEqual(m.release(30), ['a10', 'b20']);
    m.push(1, 40, 'b40');
    assert.deepEqual(m.release(40), ['a30']);
    assert.equal(m.size, 1);
  });
  it('does not wait for a quiet stream longer than the hold-back', () => {
    const m = new TimeMerge<string>(2, 100);
    m.push(0, 1000, 'a');
    assert.deepEqual(m.release(1050), []);
    assert.deepEqual(m.release(1100), ['a']);
  });
  it('keeps arrival order for equal times, and gives everything when told the streams ended', () => {
    const m = new TimeMerge<number>(3, 1_000_000);
    const items: [number, number][] = [];
    let seed = 3;
    for (let i = 0; i < 2000; i += 1) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      items.push([seed % 3, Math.floor(seed / 2 ** 24)]);
    }
    // Each stream sends in time order, as a node's MONITOR does.
    const perStream = [0, 1, 2].map((s) =>
      items
        .filter(([st]) => st === s)
        .map(([, t]) => t)
        .sort((a, b) => a - b),
    );
    let order = 0;
    const sent: { t: number; n: number }[] = [];
    for (let k = 0; k < Math.max(...perStream.map((p) => p.length)); k += 1) {
      for (const s of [0, 1, 2]) {
        const t = perStream[s]![k];
        if (t === undefined) continue;
        sent.push({ t, n: order });
        m.push(s, t, order++);
      }
    }
    const out = [...m.release(0), ...m.release(0, true)];
    assert.equal(out.length, sent.length);
    const byN = new Map(sent.map((x) => [x.n, x.t]));
    for (let i = 1; i < out.length; i += 1) {
      const [a, b] = [byN.get(out[i - 1]!)!, byN.get(out[i]!)!];
      assert.ok(a < b || (a === b && out[i - 1]! < out[i]!), `out of order at ${i}`);
    }
  });
});
