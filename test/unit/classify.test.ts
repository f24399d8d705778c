import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKeyTemplate } from '../../src/core/keyTemplate.js';
import { type ClassifyInput, classifyEntry, type RowRead } from '../../src/core/scan/classify.js';
import { sameValue } from '../../src/core/scan/compare.js';
import type { CacheRead } from '../../src/core/scan/decode.js';
import { type Mapping, splitTableName } from '../../src/core/scan/mapping.js';

const mapping: Mapping = {
  name: 'product',
  template: parseKeyTemplate('product:{id}'),
  table: { schema: 'public', name: 'products' },
  keyColumns: [{ placeholder: 'id', column: 'id' }],
  encoding: 'auto',
  version: { field: 'version', column: 'version', kind: 'auto' },
  updatedAt: { field: 'updated_at', column: 'updated_at' },
  compare: [{ field: 'price', column: 'price' }],
  ttlSeconds: null,
};
const NOW = new Date('2026-11-26T08:00:10Z');
const UPDATED = String(BigInt(Date.parse('2026-11-26T08:00:00Z')) * 1000n);

function json(value: unknown, over: Partial<CacheRead> = {}): CacheRead {
  const buf = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return { key: 'product:1', type: 'string', pttl: 60_000, size: buf.length, value: buf, hash: null, ...over };
}
const row = (version: string, price = '9.99'): RowRead => ({ version, updatedAtMicros: UPDATED, compare: { price } });
const classify = (read: CacheRead, r: RowRead | null | undefined, over: Partial<ClassifyInput> = {}) =>
  classifyEntry({ read, row: r, mapping, versionKind: 'counter', maxValueBytes: 1024, now: NOW, ...over });

describe('classifyEntry', () => {
  it('fresh: same version, same compared fields', () => {
    const c = classify(json({ version: 3, price: 9.99 }), row('3'));
    assert.equal(c.state, 'fresh');
    assert.equal(c.ttlSeconds, 60);
  });
  it('stale: behind the primary, with versions and seconds behind', () => {
    const c = classify(json({ version: 1, price: 9.99 }), row('3'));
    assert.deepEqual([c.state, c.cacheVersion, c.rowVersion, c.versionsBehind, c.secondsBehind], ['stale', '1', '3', 2, 10]);
  });
  it('ahead: newer than the primary', () => {
    assert.equal(classify(json({ version: 4 }), row('3')).state, 'ahead');
  });
  it('orphan: no row', () => {
    assert.equal(classify(json({ version: 4 }), null).state, 'orphan');
  });
  it('version-not-bumped: same version, a compared field differs', () => {
    const c = classify(json({ version: 3, price: 8 }), row('3', '9.99'));
    assert.equal(c.state, 'version-not-bumped');
    assert.match(c.detail ?? '', /price \(cache 8, primary 9\.99\) differs/);
  });
  it('version-not-bumped is wrong at most since its fill: dated with the fill TTL, else not dated by the row age', () => {
    // The row was written 10 s ago (so it says, when a write that forgot the version may not touch updated_at).
    assert.equal(classify(json({ version: 3, price: 8 }), row('3', '9.99')).secondsBehind, null);
    // Filled 4 s ago (64 s TTL, 60 s left): wrong for at most 4 s.
    const dated = classify(json({ version: 3, price: 8 }), row('3', '9.99'), { mapping: { ...mapping, ttlSeconds: 64 } });
    assert.equal(dated.secondsBehind, 4);
    const filledBefore = classify(json({ version: 3, price: 8 }), row('3', '9.99'), { mapping: { ...mapping, ttlSeconds: 3600 } });
    assert.equal(filledBefore.secondsBehind, 10);
  });
  it('undecodable: not JSON, not UTF-8, not an object, no version, a key that cannot be an id, a wrong-kind value', () => {
    const cases: [CacheRead, RowRead | null | undefined, RegExp][] = [
      [json('{"version": 3'), row('3'), /not JSON/],
      [json('', { value: Buffer.from([0xff, 0xfe, 0x7b]) }), row('3'), /not valid UTF-8/],
      [json('[1,2]'), row('3'), /not an object/],
      [json({ price: 1 }), row('3'), /has no version field/],
      [json({ version: 'NaN' }), row('3'), /not a counter/],
      [json({ version: -4 }), row('3'), /not a whole number/],
      [json({ version: 1 }), undefined, /does not hold a valid id/],
      [{ key: 'product:1', type: 'list', pttl: -1, size: null, value: null, hash: null }, row('3'), /is a Redis list/],
    ];
    for (const [read, r, why] of cases) {
      const c = classify(read, r);
      assert.equal(c.state, 'undecodable', String(why));
      assert.match(c.detail ?? '', why);
    }
  });
  it('survives JSON nested 100,000 levels deep', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const c = classify(json(`{"version":1,"price":9.99,"x":${deep}}`), row('1'), { maxValueBytes: 1024 * 1024 });
    // V8 parses it or gives up with a RangeError: either way a verdict, never a crash.
    assert.ok(c.state === 'fresh' || (c.state === 'undecodable' && /nested too deeply/.test(c.detail ?? '')), `${c.state}: ${c.detail}`);
  });
  it('a compared field the value lacks makes it undecodable, not a write that forgot the version', () => {
    const c = classify(json({ version: 3 }), row('3'));
    assert.equal(c.state, 'undecodable');
    assert.match(c.detail ?? '', /has no field price/);
  });
  it('names the key column a key cannot hold', () => {
    const c = classifyEntry({
      read: json({ version: 1 }),
      row: undefined,
      mapping,
      versionKind: 'counter',
      maxValueBytes: 1024,
      now: NOW,
      invalidColumn: 'tenant_id',
    });
    assert.match(c.detail ?? '', /does not hold a valid tenant_id$/);
  });
  it('a NULL row version is never taken for version 0', () => {
    const c = classify(json({ version: 0, price: 9.99 }), { version: null, updatedAtMicros: null, compare: { price: '9.99' } });
    assert.equal(c.state, 'undecodable');
    assert.match(c.detail ?? '', /no version \(NULL\)/);
  });
  it('oversized: over --max-value-bytes, known from STRLEN without the value', () => {
    const c = classify({ key: 'product:1', type: 'string', pttl: 5, size: 50 * 1024 * 1024, value: null, hash: null }, row('3'));
    assert.equal(c.state, 'oversized');
  });
  it('expired keys are their own state, and no TTL is flagged', () => {
    assert.equal(classify(json({ version: 3 }, { type: 'none', pttl: -2 }), row('3')).state, 'expired');
    assert.equal(classify(json({ version: 3, price: 9.99 }, { pttl: -1 }), row('3')).noTtl, true);
  });
  it('reads hashes and nested JSON paths', () => {
    const hash: CacheRead = {
      key: 'product:1',
      type: 'hash',
      pttl: 100,
      size: null,
      value: null,
      hash: new Map([
        ['version', Buffer.from('3')],
        ['price', Buffer.from('9.99')],
      ]),
    };
    assert.equal(classify(hash, row('3')).state, 'fresh');
    const nested = { ...mapping, version: { ...mapping.version, field: 'meta.version' } };
    assert.equal(
      classifyEntry({ read: json({ meta: { version: 2 } }), row: row('3'), mapping: nested, versionKind: 'counter', maxValueBytes: 1024, now: NOW }).state,
      'stale',
    );
    const hashOnly = { ...mapping, encoding: 'hash' as const };
    assert.match(
      classifyEntry({ read: json({ version: 3 }), row: row('3'), mapping: hashOnly, versionKind: 'counter', maxValueBytes: 1024, now: NOW }).detail ?? '',
      /expects a hash/,
    );
  });
  it('compares timestamp versions', () => {
    const r = { version: String(BigInt(Date.parse('2026-11-26T08:00:00.500Z')) * 1000n), updatedAtMicros: UPDATED, compare: { price: '9.99' } };
    assert.equal(classify(json({ version: '2026-11-26T08:00:00.400Z', price: 9.99 }), r, { versionKind: 'timestamp' }).state, 'stale');
    assert.equal(classify(json({ version: '2026-11-26T08:00:00.500Z', price: 9.99 }), r, { versionKind: 'timestamp' }).state, 'fresh');
  });
});

describe('sameValue', () => {
  it('compares numbers, booleans, strings and JSON by meaning', () => {
    assert.ok(sameValue(12.5, '12.50'));
    assert.ok(!sameValue(12.5, '12.51'));
    assert.ok(sameValue(true, 't'));
    assert.ok(!sameValue(false, 't'));
    assert.ok(sameValue('12.50', '12.5'));
    assert.ok(sameValue('abc', 'abc'));
    assert.ok(sameValue({ b: 1, a: [1, 2] }, '{"a": [1, 2], "b": 1}'));
    assert.ok(sameValue(null, null));
    assert.ok(!sameValue('x', null));
  });
});

describe('splitTableName', () => {
  it('splits schema and table, with quoted names', () => {
    assert.deepEqual(splitTableName('products'), { schema: null, name: 'products' });
    assert.deepEqual(splitTableName('public.products'), { schema: 'public', name: 'products' });
    assert.deepEqual(splitTableName('"my.schema"."Odd ""name"""'), { schema: 'my.schema', name: 'Odd "name"' });
    assert.equal(splitTableName('a.b.c'), null);
    assert.equal(splitTableName(''), null);
  });
});
