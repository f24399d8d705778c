import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyTemplateError, parseKeyTemplate } from '../../src/core/keyTemplate.js';

describe('parseKeyTemplate', () => {
  it('reads one placeholder and builds the SCAN pattern', () => {
    const t = parseKeyTemplate('product:{id}');
    assert.deepEqual(t.placeholders, ['id']);
    assert.equal(t.scanPattern, 'product:*');
    assert.deepEqual(t.match('product:42'), { id: '42' });
    assert.equal(t.match('product:'), null);
    assert.equal(t.match('products:42'), null);
  });
  it('reads composite keys, even when a value contains the separator', () => {
    const t = parseKeyTemplate('tenant:{tenant_id}:user:{id}');
    assert.equal(t.scanPattern, 'tenant:*:user:*');
    assert.deepEqual(t.match('tenant:7:user:99'), { tenant_id: '7', id: '99' });
    assert.deepEqual(t.match('tenant:a:b:user:9'), { tenant_id: 'a:b', id: '9' });
  });
  it('escapes glob characters in literal text, and reads braces written twice as literal', () => {
    const t = parseKeyTemplate('cache[v2]*?\\:{{x}}:{id}');
    assert.equal(t.scanPattern, 'cache\\[v2\\]\\*\\?\\\\:{x}:*');
    assert.deepEqual(t.match('cache[v2]*?\\:{x}:5'), { id: '5' });
  });
  it('keeps key text as data, whatever it contains', () => {
    const t = parseKeyTemplate('product:{id}');
    assert.deepEqual(t.match('product:1;DROP TABLE products'), { id: '1;DROP TABLE products' });
    assert.deepEqual(t.match("product:' OR 1=1"), { id: "' OR 1=1" });
    assert.deepEqual(t.match('product:a\nb'), { id: 'a\nb' });
  });
  it('rejects templates that cannot map keys to rows, naming the problem', () => {
    for (const [bad, why] of [
      ['product', /has no \{placeholder\}/],
      ['p:{id}:{id}', /uses \{id\} twice/],
      ['p:{a}{b}', /must be separated/],
      ['p:{1x}', /"\{1x\}" is not a placeholder/],
      ['p:{id', /is not a placeholder/],
      ['p:id}', /unmatched "\}"/],
    ] as const) {
      assert.throws(
        () => parseKeyTemplate(bad),
        (e: unknown) => e instanceof KeyTemplateError && why.test(e.message),
        bad,
      );
    }
  });
});
