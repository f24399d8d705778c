import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keySlot } from '../../src/core/clusterSlot.js';

const slot = (k: string) => keySlot(Buffer.from(k));

describe('keySlot', () => {
  it('matches the slots Redis gives (CLUSTER KEYSLOT), hash tags included', () => {
    // Values from the Redis Cluster specification and redis-cli CLUSTER KEYSLOT.
    assert.equal(slot('foo'), 12182);
    assert.equal(slot('bar'), 5061);
    assert.equal(slot('123456789'), 0x31c3 & 16383);
    assert.equal(slot('{user1000}.following'), slot('user1000'));
    // An empty tag does not count: the whole key is hashed.
    assert.notEqual(slot('foo{}{bar}'), slot(''));
    assert.equal(slot('foo{{bar}}zap'), slot('{bar'));
    assert.equal(slot('foo{bar}{zap}'), slot('bar'));
  });
});
