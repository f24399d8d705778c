import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveMappings } from '../../src/config/mappings.js';
import type { MappingConfig } from '../../src/config/schema.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const product: MappingConfig = { name: 'product', key: 'product:{id}', table: 'public.products' };

describe('resolveMappings', () => {
  it('applies the defaults: placeholder = column, version field and column "version", kind and encoding detected', () => {
    const [m] = resolveMappings([product], {}, 'cfg.json');
    assert.deepEqual(m!.keyColumns, [{ placeholder: 'id', column: 'id' }]);
    assert.deepEqual(m!.version, { field: 'version', column: 'version', kind: 'auto' });
    assert.deepEqual(m!.table, { schema: 'public', name: 'products' });
    assert.equal(m!.encoding, 'auto');
    assert.equal(m!.updatedAt, null);
  });
  it('builds a mapping from scan flags, named after the key prefix', () => {
    const [m] = resolveMappings([], { key: 'tenant:{tenant_id}:user:{id}', table: 'users', versionField: 'meta.v', compare: ['email'] }, 'cfg');
    assert.equal(m!.name, 'tenant');
    assert.deepEqual(
      m!.keyColumns.map((k) => k.column),
      ['tenant_id', 'id'],
    );
    assert.deepEqual(m!.version, { field: 'meta.v', column: 'v', kind: 'auto' });
    assert.deepEqual(m!.compare, [{ field: 'email', column: 'email' }]);
  });
  it('maps placeholders to differently named columns, and rejects columns for unknown placeholders', () => {
    const [m] = resolveMappings([{ ...product, columns: { id: 'product_id' } }], {}, 'cfg.json');
    assert.equal(m!.keyColumns[0]!.column, 'product_id');
    assert.throws(
      () => resolveMappings([{ ...product, columns: { sku: 'sku' } }], {}, 'cfg.json'),
      (e: unknown) => e instanceof ConfigError && e.message === 'cfg.json: mappings[0].columns.sku: the key template has no {sku}',
    );
  });
  it('names the mapping field at fault, and the flag for one-liners', () => {
    assert.throws(
      () => resolveMappings([product, { ...product, name: 'x', key: 'nothing' }], {}, 'cfg.json'),
      /^ConfigError: cfg\.json: mappings\[1\]\.key: key template "nothing" has no \{placeholder\}/,
    );
    assert.throws(() => resolveMappings([{ ...product, table: 'a.b.c' }], {}, 'cfg.json'), /mappings\[0\]\.table: "a\.b\.c" is not a table name/);
    assert.throws(
      () => resolveMappings([], { key: 'p:{id}', table: 'x.y.z' }, 'cfg'),
      (e: unknown) => e instanceof UsageError && /^--table:/.test(e.message),
    );
    assert.throws(() => resolveMappings([product, product], {}, 'cfg.json'), /mappings\[1\]\.name: "product" is used twice/);
  });
  it('picks one mapping with --mapping, and says which exist when the name is wrong', () => {
    const two = [product, { ...product, name: 'user', key: 'user:{id}', table: 'users' }];
    assert.deepEqual(
      resolveMappings(two, { mapping: 'user' }, 'c').map((m) => m.name),
      ['user'],
    );
    assert.throws(
      () => resolveMappings(two, { mapping: 'nope' }, 'c'),
      (e: unknown) => e instanceof UsageError && /known: product, user/.test(e.line),
    );
  });
  it('refuses half a one-liner; no mapping at all is an empty list (the command discovers them)', () => {
    assert.throws(() => resolveMappings([], { key: 'p:{id}' }, 'c'), /--key and --table go together/);
    assert.deepEqual(resolveMappings([], {}, 'c'), []);
    assert.throws(
      () => resolveMappings([], { mapping: 'p' }, 'c'),
      (e: unknown) => e instanceof UsageError && /the config file has no mappings/.test(e.line),
    );
    assert.throws(() => resolveMappings([product], { compare: ['price'] }, 'c'), /describe a --key\/--table mapping/);
  });
});
