import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheVersion, compareVersions, formatVersion, rowVersion, type Version } from '../../src/core/scan/version.js';

const v = (r: ReturnType<typeof cacheVersion>): Version => {
  assert.ok(!('error' in r), 'error' in r ? r.error : '');
  return r as Version;
};
const err = (r: ReturnType<typeof cacheVersion>): string => ('error' in r ? r.error : assert.fail('expected an error'));

describe('cache versions', () => {
  it('reads counters from numbers and digit strings, including ones beyond 2^53', () => {
    assert.equal(v(cacheVersion(7, 'counter')).value, 7n);
    assert.equal(v(cacheVersion('12345678901234567890', 'counter')).value, 12345678901234567890n);
  });
  it('rejects counters that are not whole numbers >= 0, and missing versions', () => {
    assert.match(err(cacheVersion(-1, 'counter')), /not a whole number/);
    assert.match(err(cacheVersion(1.5, 'counter')), /not a whole number/);
    assert.match(err(cacheVersion(NaN, 'counter')), /not a whole number/);
    assert.match(err(cacheVersion('v2', 'counter')), /not a counter/);
    assert.match(err(cacheVersion(undefined, 'counter')), /has no version field/);
  });
  it('reads ISO-8601 timestamps with their precision, and epoch seconds / milliseconds / microseconds', () => {
    const iso = v(cacheVersion('2026-11-26T08:00:00.123Z', 'timestamp'));
    assert.deepEqual([iso.value, iso.precision], [1795680000123000n, 3]);
    const micro = v(cacheVersion('2026-11-26 08:00:00.123456+00', 'timestamp'));
    assert.deepEqual([micro.value, micro.precision], [1795680000123456n, 6]);
    const offset = v(cacheVersion('2026-11-26T09:00:00+01:00', 'timestamp'));
    assert.deepEqual([offset.value, offset.precision], [1795680000000000n, 0]);
    assert.equal(v(cacheVersion(1795680000, 'timestamp')).value, 1795680000000000n);
    assert.equal(v(cacheVersion(1795680000123, 'timestamp')).value, 1795680000123000n);
    assert.equal(v(cacheVersion('1795680000123456', 'timestamp')).value, 1795680000123456n);
    assert.match(err(cacheVersion('yesterday', 'timestamp')), /not an ISO-8601/);
    assert.match(err(cacheVersion(true, 'timestamp')), /not a timestamp/);
  });
});

describe('compareVersions', () => {
  it('counts versions behind for counters', () => {
    const r = v(rowVersion('10', 'counter'));
    assert.deepEqual(compareVersions(v(cacheVersion(7, 'counter')), r), { order: -1, versionsBehind: 3 });
    assert.deepEqual(compareVersions(v(cacheVersion(10, 'counter')), r), { order: 0, versionsBehind: 0 });
    assert.equal(compareVersions(v(cacheVersion(11, 'counter')), r).order, 1);
  });
  it('compares timestamps at the coarser precision: a millisecond JSON value equals its microsecond row', () => {
    const row = v(rowVersion('1795680000123456', 'timestamp'));
    assert.equal(compareVersions(v(cacheVersion('2026-11-26T08:00:00.123Z', 'timestamp')), row).order, 0);
    assert.equal(compareVersions(v(cacheVersion('2026-11-26T08:00:00.122Z', 'timestamp')), row).order, -1);
    assert.equal(compareVersions(v(cacheVersion('2026-11-26T08:00:00Z', 'timestamp')), row).order, 0);
  });
  it('formats versions for people', () => {
    assert.equal(formatVersion(v(rowVersion('1795680000123456', 'timestamp'))), '2026-11-26T08:00:00.123456Z');
    assert.equal(formatVersion(v(cacheVersion('2026-11-26T08:00:00Z', 'timestamp'))), '2026-11-26T08:00:00Z');
    assert.equal(formatVersion(v(cacheVersion(42, 'counter'))), '42');
  });
});
