import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnForField, singular, snakeCase, tableNamedBy } from '../../src/core/discover/names.js';
import { type CatalogTable, candidatesFor, type Proposal, propose, type Unmapped } from '../../src/core/discover/propose.js';
import { inferTemplates } from '../../src/core/discover/templates.js';
import { learnValues } from '../../src/core/discover/values.js';
import { pickCompare, pickVersion } from '../../src/core/discover/versionField.js';
import type { CacheRead } from '../../src/core/scan/decode.js';

const json = (key: string, doc: unknown): CacheRead => ({
  key,
  type: 'string',
  pttl: -1,
  size: null,
  value: Buffer.from(JSON.stringify(doc)),
  hash: null,
});
const hash = (key: string, fields: Record<string, string>): CacheRead => ({
  key,
  type: 'hash',
  pttl: -1,
  size: null,
  value: null,
  hash: new Map(Object.entries(fields).map(([k, v]) => [k, Buffer.from(v)])),
});
const col = (name: string, type: string) => ({
  name,
  type,
  category: /int|numeric/.test(type) ? 'N' : /time|date/.test(type) ? 'D' : type === 'boolean' ? 'B' : type === 'uuid' ? 'U' : 'S',
});

const PRODUCTS: CatalogTable = {
  schema: 'public',
  name: 'products',
  columns: [col('id', 'bigint'), col('name', 'text'), col('price', 'numeric(10,2)'), col('version', 'bigint'), col('updated_at', 'timestamp with time zone')],
  keys: [['id']],
};
const REVISIONS: CatalogTable = {
  schema: 'catalog',
  name: 'items',
  columns: [col('id', 'integer'), col('title', 'text'), col('rev', 'integer')],
  keys: [['id']],
};
const ORDERS: CatalogTable = {
  schema: 'public',
  name: 'orders',
  columns: [col('tenant', 'text'), col('id', 'bigint'), col('total', 'numeric'), col('updated_at', 'timestamp with time zone')],
  keys: [['tenant', 'id']],
};

describe('names', () => {
  it('makes plurals singular and camelCase snake_case', () => {
    assert.deepEqual(['products', 'categories', 'boxes', 'addresses', 'people', 'status', 'news'].map(singular), [
      'product',
      'category',
      'box',
      'address',
      'person',
      'status',
      'new',
    ]);
    assert.equal(snakeCase('updatedAt'), 'updated_at');
    assert.equal(snakeCase('lockVersion'), 'lock_version');
  });
  it('matches a table by a run of the key words, any case and underscores, with its schema', () => {
    assert.deepEqual(tableNamedBy(['product'], { schema: 'public', name: 'products' }), { words: 'product', schema: false });
    assert.deepEqual(tableNamedBy(['order', 'item'], { schema: 'public', name: 'order_items' }), { words: 'order:item', schema: false });
    assert.deepEqual(tableNamedBy(['catalog', 'Item'], { schema: 'catalog', name: 'items' }), { words: 'Item', schema: true });
    assert.equal(tableNamedBy(['session'], { schema: 'public', name: 'products' }), null);
  });
  it('finds the column of a field by its last path part, as it is or snake_case', () => {
    const cols = ['id', 'updated_at', 'rev'];
    assert.equal(columnForField('meta.rev', cols), 'rev');
    assert.equal(columnForField('updatedAt', cols), 'updated_at');
    assert.equal(columnForField('colour', cols), null);
  });
});

describe('version detection', () => {
  const fields = (doc: Record<string, unknown>) => learnValues([json('k:1', doc), json('k:2', doc)]).fields;
  const pairs = (doc: Record<string, unknown>, table: CatalogTable) =>
    fields(doc).flatMap((f) => {
      const c = columnForField(
        f.path,
        table.columns.map((x) => x.name),
      );
      return c ? [{ field: f, column: table.columns.find((x) => x.name === c)! }] : [];
    });
  it('prefers a counter column named as a version, then an update time', () => {
    assert.deepEqual(pickVersion(pairs({ id: 1, version: 3, updated_at: '2026-01-01T00:00:00Z' }, PRODUCTS)), {
      field: 'version',
      column: 'version',
      kind: 'counter',
    });
    assert.deepEqual(pickVersion(pairs({ id: 1, updatedAt: '2026-01-01T00:00:00Z' }, PRODUCTS)), {
      field: 'updatedAt',
      column: 'updated_at',
      kind: 'timestamp',
    });
    assert.deepEqual(pickVersion(pairs({ id: 1, meta: { rev: 4 } }, REVISIONS)), { field: 'meta.rev', column: 'rev', kind: 'counter' });
  });
  it('takes no version from a name alone: the column must be a counter or a time', () => {
    const t: CatalogTable = { ...PRODUCTS, columns: [col('id', 'bigint'), col('version', 'text')] };
    assert.equal(pickVersion(pairs({ id: 1, version: 'v3' }, t)), null);
    assert.equal(pickVersion(pairs({ id: 1, price: 3 }, PRODUCTS)), null, 'price is a number column but not named as a version');
  });
  it('compares the other scalar fields named as their columns', () => {
    const p = pairs({ id: 1, name: 'x', price: 2.5, version: 3, updated_at: '2026-01-01T00:00:00Z', tags: ['a'] }, PRODUCTS);
    assert.deepEqual(pickCompare(p, new Set(['id', 'version', 'updated_at'])), ['name', 'price']);
  });
});

describe('values', () => {
  it('learns the encoding and the fields most values have', () => {
    const shape = learnValues([
      json('p:1', { id: 1, a: 1, meta: { rev: 2 } }),
      json('p:2', { id: 2, meta: { rev: 2 } }),
      json('p:3', { id: 3, meta: { rev: 1 } }),
    ]);
    assert.equal(shape.encoding, 'json');
    assert.deepEqual(
      shape.fields.map((f) => [f.path, f.kind]),
      [
        ['id', 'integer'],
        ['meta.rev', 'integer'],
      ],
    );
    const h = learnValues([hash('h:1', { id: '1', updated_at: '2026-01-01 10:00:00+00' })]);
    assert.equal(h.encoding, 'hash');
    assert.deepEqual(
      h.fields.map((f) => f.kind),
      ['integer', 'timestamp'],
    );
  });
  it('says why values that are not JSON objects or hashes cannot be mapped', () => {
    const shape = learnValues([
      { key: 'x:1', type: 'string', pttl: -1, size: 3, value: Buffer.from('abc'), hash: null },
      { key: 'x:2', type: 'string', pttl: -1, size: 3, value: Buffer.from('def'), hash: null },
    ]);
    assert.equal(shape.encoding, 'string');
    assert.match(shape.problem ?? '', /not JSON/);
    assert.match(learnValues([{ key: 'l:1', type: 'list', pttl: -1, size: null, value: null, hash: null }]).problem ?? '', /Redis lists/);
  });
});

describe('proposals', () => {
  const keys = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i + 1));
  const family = (ks: string[], doc: (k: string) => unknown) => {
    const [t] = inferTemplates(ks);
    return { t: t!, shape: learnValues(t!.sampleKeys.map((k) => json(k, doc(k)))) };
  };
  const productDoc = (k: string) => ({ id: Number(k.split(':')[1]), name: 'n', price: 1, version: 2 });

  it('is sure of a family named by its table, its ids rows, its fields columns and a version', () => {
    const { t, shape } = family(
      keys(50, (i) => `product:${i}`),
      productDoc,
    );
    const c = candidatesFor(t, shape, [PRODUCTS, REVISIONS, ORDERS]);
    assert.deepEqual(
      c.map((x) => x.table.name),
      ['products'],
    );
    const p = propose(t, shape, [{ ...c[0]!, rows: { checked: 20, found: 20 } }]) as Proposal;
    assert.equal(p.confidence, 'high');
    assert.deepEqual(p.mapping, {
      name: 'product',
      key: 'product:{id}',
      table: 'public.products',
      encoding: 'json',
      version: { field: 'version', column: 'version', kind: 'counter' },
      compare: ['name', 'price'],
    });
  });

  it('is not sure when the ids are not rows, and maps nothing when none is', () => {
    const { t, shape } = family(
      keys(50, (i) => `product:${i}`),
      productDoc,
    );
    const [c] = candidatesFor(t, shape, [PRODUCTS]);
    assert.equal((propose(t, shape, [{ ...c!, rows: { checked: 20, found: 12 } }]) as Proposal).confidence, 'medium');
    const none = propose(t, shape, [{ ...c!, rows: { checked: 20, found: 0 } }]) as Unmapped;
    assert.match(none.why, /none of 20 sampled ids is a row of public\.products/);
  });

  it('a sub-resource under a table name is not that table: its fields are not columns', () => {
    const { t, shape } = family(
      keys(50, (i) => `product:${i}:reviews`),
      () => ({ author: 'a', stars: 5, body: 'b', version: 1 }),
    );
    const [c] = candidatesFor(t, shape, [PRODUCTS]);
    assert.ok(c, 'named by product');
    const p = propose(t, shape, [{ ...c, rows: { checked: 20, found: 20 } }]) as Proposal;
    assert.notEqual(p.confidence, 'high', p.reasons.join('; '));
  });

  it('maps a composite key by placeholder name, a nested version and a schema in the key', () => {
    const tenants = ['a1x', 'b2y', 'c3z', 'acme', 'beta', 'corp', 'delta', 'echo', 'fox'];
    const ks = tenants.flatMap((tn) => keys(5, (i) => `order:${tn}:${i}`));
    const [t] = inferTemplates(ks);
    const shape = learnValues(t!.sampleKeys.map((k) => json(k, { tenant: k.split(':')[1], id: 1, total: 3, updatedAt: '2026-01-01T00:00:00Z' })));
    const [c] = candidatesFor(t!, shape, [PRODUCTS, ORDERS]);
    assert.equal(c?.table.name, 'orders');
    const p = propose(t!, shape, [{ ...c!, rows: { checked: 20, found: 20 } }]) as Proposal;
    assert.equal(p.mapping?.key, 'order:{tenant}:{id}');
    assert.deepEqual(p.mapping?.version, { field: 'updatedAt', column: 'updated_at', kind: 'timestamp' });

    const nested = family(
      keys(30, (i) => `catalog:item:${i}`),
      (k) => ({ id: Number(k.split(':')[2]), title: 't', meta: { rev: 3 } }),
    );
    const [ci] = candidatesFor(nested.t, nested.shape, [PRODUCTS, REVISIONS]);
    assert.deepEqual(ci?.named, { words: 'item', schema: true });
    const pi = propose(nested.t, nested.shape, [{ ...ci!, rows: { checked: 20, found: 19 } }]) as Proposal;
    assert.equal(pi.confidence, 'high');
    assert.equal(pi.mapping?.table, 'catalog.items');
    assert.deepEqual(pi.mapping?.version, { field: 'meta.rev', column: 'rev', kind: 'counter' });
  });

  it('ids of the wrong kind for a key column make the table no candidate', () => {
    const { t, shape } = family(
      keys(30, (i) => `product:${i.toString(16)}abcdef0000`),
      () => ({ id: 1, name: 'n', version: 1 }),
    );
    assert.deepEqual(candidatesFor(t, shape, [PRODUCTS]), []);
    assert.match((propose(t, shape, []) as Unmapped).why, /no table is named by "product"/);
  });

  it('says why lone keys, random keys and non-JSON values map to nothing', () => {
    const lone = inferTemplates(['config:global'])[0]!;
    assert.match((propose(lone, learnValues([]), []) as Unmapped).why, /too few keys/);
    const random = inferTemplates(keys(10, (i) => `a8f${i}kq92LmZpQ7xYw${i}`))[0]!;
    assert.match((propose(random, learnValues([]), []) as Unmapped).why, /no structure/);
    const [t] = inferTemplates(keys(10, (i) => `counter:${i}`));
    const shape = learnValues([{ key: 'counter:1', type: 'string', pttl: -1, size: 2, value: Buffer.from('17'), hash: null }]);
    assert.match((propose(t!, shape, []) as Unmapped).why, /only JSON objects and hashes/);
  });
});
