import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionsOf } from '../../src/core/monitor/commands.js';

const ev = (...args: string[]) => ({ timeUs: 1_700_000_000_000_000, db: 0, client: '10.0.0.1:5', args });

describe('actionsOf', () => {
  it('reads', () => {
    assert.deepEqual(actionsOf(ev('GET', 'k')), [{ kind: 'read', key: 'k' }]);
    assert.deepEqual(
      actionsOf(ev('mget', 'a', 'b')).map((x) => 'key' in x && x.key),
      ['a', 'b'],
    );
    assert.deepEqual(actionsOf(ev('HGETALL', 'h')), [{ kind: 'read', key: 'h' }]);
  });
  it('fills, with and without an expiry in the same command', () => {
    assert.deepEqual(actionsOf(ev('set', 'k', 'v', 'EX', '60')), [{ kind: 'fill', key: 'k', value: 'v', fields: null, ttl: true }]);
    assert.deepEqual(actionsOf(ev('SET', 'k', 'v', 'NX')), [{ kind: 'fill', key: 'k', value: 'v', fields: null, ttl: false }]);
    assert.deepEqual(actionsOf(ev('setex', 'k', '60', 'v')), [{ kind: 'fill', key: 'k', value: 'v', fields: null, ttl: true }]);
    const h = actionsOf(ev('HSET', 'h', 'version', '4', 'price', '1'))[0];
    assert.ok(h?.kind === 'fill' && h.fields?.get('version') === '4' && !h.ttl);
    assert.equal(actionsOf(ev('MSET', 'a', '1', 'b', '2')).length, 2);
  });
  it('invalidations: DEL, UNLINK, GETDEL, and an expiry at or before now', () => {
    assert.deepEqual(
      actionsOf(ev('DEL', 'a', 'b')).map((x) => x.kind),
      ['invalidate', 'invalidate'],
    );
    assert.deepEqual(
      actionsOf(ev('getdel', 'a')).map((x) => x.kind),
      ['read', 'invalidate'],
    );
    assert.equal(actionsOf(ev('EXPIRE', 'k', '0'))[0]?.kind, 'invalidate');
    assert.equal(actionsOf(ev('PEXPIRE', 'k', '-5'))[0]?.kind, 'invalidate');
    assert.equal(actionsOf(ev('EXPIRE', 'k', '30'))[0]?.kind, 'expire');
    assert.equal(actionsOf(ev('EXPIREAT', 'k', '1600000000'))[0]?.kind, 'invalidate');
    assert.equal(actionsOf(ev('EXPIREAT', 'k', '1800000000'))[0]?.kind, 'expire');
  });
  it('publishes, and nothing for other or malformed commands', () => {
    assert.deepEqual(actionsOf(ev('PUBLISH', 'invalidate', 'product:1')), [{ kind: 'publish', channel: 'invalidate', message: 'product:1' }]);
    assert.deepEqual(actionsOf(ev('INCR', 'n')), []);
    assert.deepEqual(actionsOf(ev('SET', 'k')), []);
    assert.deepEqual(actionsOf(ev('HSET', 'h', 'f')), []);
  });
});
