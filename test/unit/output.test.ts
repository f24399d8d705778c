// The progress line on a terminal: one line at most (a wrapped one leaves a line behind per update), erased before
// any other line is printed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Output } from '../../src/output.js';

function capture() {
  const err: string[] = [];
  const out = new Output([], { out: { write: () => true }, err: { write: (t: string) => err.push(t) } });
  out.progressOn = true;
  out.progressWidth = 30;
  return { out, err };
}

describe('Output.progress', () => {
  it('keeps the line within the terminal width', () => {
    const { out, err } = capture();
    out.progress(`scan product: ${'9'.repeat(80)} keys read`, true);
    const line = err.at(-1)!.replace('\r\u001b[K', '');
    assert.ok(line.length < 30, `${line.length} columns: ${line}`);
    assert.ok(line.endsWith('…'));
  });

  it('erases the progress line before a note, and only when one is showing', () => {
    const { out, err } = capture();
    out.note('first');
    assert.deepEqual(err, ['first\n']);
    out.progress('working', true);
    out.note('a warning');
    assert.deepEqual(err.slice(1), ['\r\u001b[Kworking', '\r\u001b[K', 'a warning\n']);
    out.endProgress();
    assert.equal(err.length, 4);
  });
});
