import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter } from '../../src/sources/lineSplitter.js';

describe('LineSplitter', () => {
  it('cuts lines across chunks, drops the \\r of \\r\\n, and keeps a last line without a newline', () => {
    const s = new LineSplitter(100);
    assert.deepEqual(s.push('a\r\nb'), ['a']);
    assert.deepEqual(s.push('c\r'), []);
    assert.deepEqual(s.push('\nd\n\ne'), ['bc', 'd', '']);
    assert.equal(s.end(), 'e');
    assert.equal(s.end(), null);
  });
  it('skips a line longer than the limit without holding it, counts it, and goes on after it', () => {
    const s = new LineSplitter(10);
    assert.deepEqual(s.push('short\nxxxxxx'), ['short']);
    for (let i = 0; i < 1000; i += 1) assert.deepEqual(s.push('yyyyyyyyyy'), []);
    // Nothing of the long line is kept while it goes on.
    assert.equal((s as unknown as { partsLength: number }).partsLength, 0);
    assert.deepEqual(s.push('zz\nnext\nabcdefghijkl\nlast'), ['next']);
    assert.equal(s.overlong, 2);
    assert.equal(s.end(), 'last');
  });
  it('counts an over-long last line without a newline', () => {
    const s = new LineSplitter(4);
    s.push('ok\n12345678');
    assert.equal(s.end(), null);
    assert.equal(s.overlong, 1);
  });
});
