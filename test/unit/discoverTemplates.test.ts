import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferTemplates } from '../../src/core/discover/templates.js';
import { idKind, tokenize } from '../../src/core/discover/tokens.js';
import { parseKeyTemplate } from '../../src/core/keyTemplate.js';

/** A seeded generator, so the generated key sets repeat. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const token = (n: number) =>
  `${Array.from({ length: n }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rand() * 62)]).join('')}7x`;
const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i + 1));

function byTemplate(keys: string[]) {
  return new Map(inferTemplates(keys).map((t) => [t.template, t]));
}

describe('key parts', () => {
  it('tells ids from words', () => {
    assert.equal(idKind('42'), 'int');
    assert.equal(idKind('550e8400-e29b-41d4-a716-446655440000'), 'uuid');
    assert.equal(idKind('2024-01-31'), 'date');
    assert.equal(idKind('507f1f77bcf86cd799439011'), 'hex');
    assert.equal(idKind('Zx81kQpL0aa9TTmmrq'), 'token');
    assert.equal(idKind('product'), null);
    assert.equal(idKind('deadbeefcafe'), null, 'hex needs a digit: a word of a-f letters is a word');
  });
  it('cuts a key into parts that join back to it, a UUID inside a part kept whole', () => {
    for (const key of ['product:42', 'session-550e8400-e29b-41d4-a716-446655440000', 'cart:{7}:items', 'a/b.c_d', 'user_42:x', '::']) {
      assert.equal(
        tokenize(key)
          .map((t) => t.text)
          .join(''),
        key,
      );
    }
    assert.deepEqual(
      tokenize('session-550e8400-e29b-41d4-a716-446655440000').map((t) => t.kind),
      ['word', 'sep', 'uuid'],
    );
    assert.deepEqual(
      tokenize('product-detail:3').map((t) => t.kind),
      ['word', 'sep', 'int'],
      'a word with no id inside stays whole',
    );
  });
});

describe('inferTemplates', () => {
  it('finds numeric, UUID, hex and date families, each with the keys it has', () => {
    const keys = [
      ...range(300, (i) => `product:${i}`),
      ...range(40, () => `user:${uuid()}`),
      ...range(25, () => `doc:${hex(24)}`),
      ...range(20, (i) => `report:2024-01-${String(i).padStart(2, '0')}`),
    ];
    const t = byTemplate(keys);
    assert.equal(t.get('product:{id}')?.keys, 300);
    assert.equal(t.get('product:{id}')?.placeholders[0]?.kind, 'int');
    assert.equal(t.get('user:{id}')?.placeholders[0]?.kind, 'uuid');
    assert.equal(t.get('doc:{id}')?.placeholders[0]?.kind, 'hex');
    assert.equal(t.get('report:{id}')?.placeholders[0]?.kind, 'date');
    assert.equal(t.size, 4);
    assert.deepEqual(inferTemplates(keys)[0]?.words, ['product']);
  });

  it('gives composite keys one placeholder per part, a varying word as {tenant}', () => {
    const tenants = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka', 'tyrell', 'cyberdyne'];
    const keys = [...tenants.flatMap((t) => range(12, (i) => `order:${t}:${i}`)), ...range(30, (i) => `tenant:${i % 5}:user:${i}`)];
    const t = byTemplate(keys);
    const order = t.get('order:{tenant}:{id}');
    assert.ok(order, [...t.keys()].join(', '));
    assert.equal(order.keys, 120);
    assert.deepEqual(
      order.placeholders.map((p) => [p.name, p.kind, p.distinct]),
      [
        ['tenant', 'word', 10],
        ['id', 'int', 12],
      ],
    );
    assert.ok(t.get('tenant:{tenant_id}:user:{id}'), [...t.keys()].join(', '));
  });

  it('keeps families apart where a word has few values ("reviews" and "stock" are not a placeholder)', () => {
    const keys = [...range(50, (i) => `product:${i}:reviews`), ...range(50, (i) => `product:${i}:stock`), ...range(50, (i) => `product:${i}`)];
    assert.deepEqual(
      inferTemplates(keys)
        .map((t) => t.template)
        .sort(),
      ['product:{id}', 'product:{id}:reviews', 'product:{id}:stock'],
    );
  });

  it('keeps hash tags intact, as literal braces the template parser reads back', () => {
    const keys = range(30, (i) => `cart:{${i}}:items`);
    const [t] = inferTemplates(keys);
    assert.equal(t?.template, 'cart:{{{id}}}:items');
    assert.deepEqual(parseKeyTemplate(t!.template).match('cart:{17}:items'), { id: '17' });
  });

  it('mixed families with a constant id in their name, and words joined to ids', () => {
    const keys = [...range(20, (i) => `api:2:product:${i}`), ...range(20, (i) => `catalog:item_${i}`), ...range(20, (i) => `v1/users/${i}/profile`)];
    assert.deepEqual(
      inferTemplates(keys)
        .map((t) => t.template)
        .sort(),
      ['api:2:product:{id}', 'catalog:item_{id}', 'v1/users/{id}/profile'],
    );
  });

  it('lists near-random keys and lone keys as such, not forced into a family', () => {
    const keys = [...range(40, () => token(20)), 'config:global', 'feature:flags', ...range(40, (i) => `product:${i}`)];
    const t = inferTemplates(keys);
    const random = t.find((x) => x.template === '{id}');
    assert.equal(random?.problem, 'no-structure');
    assert.equal(random?.keys, 40);
    assert.equal(t.find((x) => x.template === 'config:global')?.problem, 'few-keys');
    assert.equal(t.find((x) => x.template === 'product:{id}')?.problem, null);
  });

  it('a family of sessions keyed by random tokens is a family (its word names it)', () => {
    const [t] = inferTemplates(range(30, () => `session:${token(24)}`));
    assert.equal(t?.template, 'session:{id}');
    assert.equal(t?.placeholders[0]?.kind, 'token');
    assert.equal(t?.problem, null);
  });

  it('a few named words under one prefix, each once, are one family ("lock:{name}")', () => {
    const [t, ...rest] = inferTemplates(['lock:checkout', 'lock:payment', 'lock:reindex']);
    assert.equal(t?.template, 'lock:{name}');
    assert.equal(rest.length, 0);
  });

  it('every template it gives parses and matches each of its sample keys', () => {
    const keys = [
      ...range(50, (i) => `a:${i}:b:${uuid()}`),
      ...range(30, (i) => `x{${i}}y`),
      ...range(30, (i) => `weird{{${i}`),
      ...range(30, () => `s-${uuid()}x`),
      ...range(30, (i) => `p.${i}.q`),
    ];
    for (const t of inferTemplates(keys)) {
      if (t.problem === 'few-keys') continue;
      const parsed = parseKeyTemplate(t.template);
      for (const k of t.sampleKeys) assert.ok(parsed.match(k), `${t.template} should match ${k}`);
    }
  });

  it('counts a key seen twice once, and ignores the empty key', () => {
    const [t] = inferTemplates(['product:1', 'product:1', 'product:2', 'product:3', '']);
    assert.equal(t?.keys, 3);
  });
  it('hex ids some of which happen to be all digits are one family; a stray hex key among numeric ids, or ints beside uuids, stay apart', () => {
    const sessions = inferTemplates([...range(20, (i) => `session:${1000000 + i}`), ...range(60, () => `session:${hex(12)}a`)]);
    assert.deepEqual(
      sessions.map((t) => [t.template, t.keys, t.placeholders[0]?.kind, t.placeholders[0]?.distinct]),
      [['session:{id}', 80, 'hex', 80]],
    );
    assert.match(sessions[0]!.placeholders[0]!.values[0]!, /a$/, 'the hex values first, whichever shape was sampled first');
    // The stray key first (SCAN order is any order): the numeric family keeps only numeric values, so a bigint key fits.
    const products = inferTemplates(['product:1f3a9c0d2e4b', ...range(200, (i) => `product:${i}`)]);
    assert.deepEqual(
      products.map((t) => [t.template, t.keys, t.placeholders[0]?.kind, t.problem]),
      [
        ['product:{id}', 200, 'int', null],
        ['product:{id}', 1, 'hex', 'few-keys'],
      ],
    );
    assert.ok(products[0]!.placeholders[0]!.values.every((v) => /^\d+$/.test(v)));
    const users = inferTemplates([...range(60, () => `user:${crypto.randomUUID()}`), ...range(40, (i) => `user:${i + 1}`)]);
    assert.deepEqual(
      users.map((t) => [t.keys, t.placeholders[0]?.kind]),
      [
        [60, 'uuid'],
        [40, 'int'],
      ],
    );
  });

  it('a part the same in both shapes is counted once: user:{user_id}:doc:{id} with hex and numeric doc ids', () => {
    const keys = [0, 1, 2].flatMap((u) => [...range(10, () => `user:${u}:doc:${hex(12)}f`), `user:${u}:doc:${u + 1000}`]);
    const [t] = inferTemplates(keys);
    assert.equal(t!.template, 'user:{user_id}:doc:{id}');
    assert.deepEqual([t!.placeholders[0]!.distinct, t!.placeholders[0]!.values.length, t!.keys], [3, 3, 33]);
  });

  it('a key of thousands of parts is grouped like any other (no recursion per part)', () => {
    const long = range(4, (i) => `${'a:'.repeat(5000)}${i}`);
    const out = inferTemplates(long);
    assert.equal(
      out.reduce((n, t) => n + t.keys, 0),
      4,
    );
  });
});
