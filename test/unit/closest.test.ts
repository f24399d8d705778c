import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, editDistance } from '../../src/core/closest.js';

describe('closest', () => {
  it('finds the names a typo or two away, closest first, and nothing far', () => {
    assert.equal(editDistance('prodcts', 'products'), 1);
    assert.equal(editDistance('Products', 'products'), 0);
    const names = ['products', 'product_reviews', 'orders', 'prod'];
    assert.deepEqual(
      closest('prodcts', names, (n) => n),
      ['products'],
    );
    assert.deepEqual(
      closest('ordrs', names, (n) => n),
      ['orders'],
    );
    assert.deepEqual(
      closest('invoices', names, (n) => n),
      [],
    );
  });
});
