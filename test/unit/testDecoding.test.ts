// test_decoding's text read back, from lines PostgreSQL 15 printed (fixtures/follow/test_decoding.txt).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseTestDecoding, timestampMicros } from '../../src/core/follow/testDecoding.js';

const LINES = readFileSync(new URL('../../fixtures/follow/test_decoding.txt', import.meta.url), 'utf8')
  .trim()
  .split('\n');
const values = (cols: Map<string, { value: unknown }>) => Object.fromEntries([...cols].map(([k, v]) => [k, v.value]));

describe('parseTestDecoding', () => {
  it('reads every line PostgreSQL printed: transactions, quoted names, literals, NULL, a key change, a delete without identity', () => {
    const parsed = LINES.map(parseTestDecoding);
    assert.deepEqual(
      parsed.map((p) => (p.kind === 'change' ? `${p.op} ${p.schema}.${p.table}` : p.kind)),
      [
        'begin',
        'INSERT My Schema.Odd Table',
        'commit',
        'begin',
        'UPDATE My Schema.Odd Table',
        'commit',
        'begin',
        'UPDATE My Schema.Odd Table',
        'commit',
        'begin',
        'DELETE My Schema.Odd Table',
        'commit',
        'begin',
        'INSERT public.nokey',
        'commit',
        'begin',
        'DELETE public.nokey',
        'commit',
      ],
    );
    const insert = parsed[1]!;
    assert.equal(insert.kind, 'change');
    if (insert.kind !== 'change') return;
    assert.deepEqual(values(insert.columns), {
      'Key Col': '1',
      note: 'it\'s a "test"',
      at: '2026-12-03 06:29:34.857362+00',
      flag: 'true',
      amount: '12.50',
      tags: '{a,"b c"}',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      big: 'big',
    });
    assert.equal(insert.columns.get('at')?.type, 'timestamp with time zone');
    assert.equal(insert.columns.get('tags')?.type, 'text[]');
    const nulled = parsed[4]!;
    assert.ok(nulled.kind === 'change' && nulled.columns.get('note')?.value === null);
    const moved = parsed[7]!;
    assert.ok(moved.kind === 'change');
    if (moved.kind !== 'change') return;
    assert.deepEqual(values(moved.oldKey!), { 'Key Col': '1' });
    assert.equal(moved.columns.get('Key Col')?.value, '2');
    const gone = parsed[16]!;
    assert.ok(gone.kind === 'change' && gone.op === 'DELETE' && gone.columns.size === 0);
    const commit = parsed[2]!;
    assert.ok(commit.kind === 'commit' && commit.atMicros !== null && commit.atMicros > 1_700_000_000_000_000n);
  });

  it('never throws on what it does not know', () => {
    for (const line of [
      '',
      'TRUNCATE',
      'table public.x: TRUNCATE: (no-flags)',
      'table "unterminated: INSERT: a[int]:1',
      'table public.t: INSERT: a[int',
      'message: transactional: 1 prefix: x, sz: 1 content:y',
    ]) {
      assert.equal(parseTestDecoding(line).kind === 'change', false, line);
    }
  });
});

describe('timestampMicros', () => {
  it('reads PostgreSQL timestamps with zones to the microsecond', () => {
    assert.equal(timestampMicros('2026-12-03 06:29:34.857362+00'), BigInt(Date.parse('2026-12-03T06:29:34Z')) * 1000n + 857362n);
    assert.equal(timestampMicros('2026-12-03 12:00:00+05:30'), BigInt(Date.parse('2026-12-03T06:30:00Z')) * 1000n);
    assert.equal(timestampMicros('2026-12-03 06:29:34.5-08'), BigInt(Date.parse('2026-12-03T14:29:34Z')) * 1000n + 500000n);
    assert.equal(timestampMicros('yesterday'), null);
  });
});
