import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lsnBytesBetween, parseLsn } from '../../src/core/lag/lsn.js';
import { formatBytes, formatSeconds, parseBytes, parseDuration } from '../../src/core/units.js';

describe('parseDuration', () => {
  it('reads units and uses the bare unit for plain numbers', () => {
    assert.equal(parseDuration('500ms', 's'), 500);
    assert.equal(parseDuration('1.5s', 'ms'), 1500);
    assert.equal(parseDuration('2m', 's'), 120_000);
    assert.equal(parseDuration('30', 's'), 30_000);
    assert.equal(parseDuration('5000', 'ms'), 5000);
  });
  it('rejects anything else', () => {
    for (const bad of ['', 'abc', '-1s', '1 day', '1e3']) assert.equal(parseDuration(bad, 's'), undefined, bad);
  });
});

describe('parseBytes / formatBytes', () => {
  it('understands binary and decimal suffixes', () => {
    assert.equal(parseBytes('16MiB'), 16 * 1024 * 1024);
    assert.equal(parseBytes('16MB'), 16_000_000);
    assert.equal(parseBytes('1048576'), 1048576);
    assert.equal(parseBytes('2k'), 2048);
    assert.equal(parseBytes('12 parsecs'), undefined);
  });
  it('prints sizes people can read', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(16 * 1024 * 1024), '16.0 MiB');
  });
  it('prints seconds with precision that fits their size', () => {
    assert.equal(formatSeconds(0), '0 s');
    assert.equal(formatSeconds(0.0421), '0.042 s');
    assert.equal(formatSeconds(3.21), '3.2 s');
    assert.equal(formatSeconds(65), '1m 05s');
    assert.equal(formatSeconds(3 * 3600 + 7 * 60 + 5), '3h 07m');
    assert.equal(formatSeconds(999349 * 60), '693d 23h');
  });
});

describe('LSN arithmetic', () => {
  it('parses X/Y as X * 2^32 + Y', () => {
    assert.equal(parseLsn('0/0'), 0n);
    assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) + 0xb374d848n);
    assert.equal(parseLsn('not-an-lsn'), undefined);
    assert.equal(parseLsn(null), undefined);
  });
  it('computes byte distance across the 4 GiB boundary, never negative', () => {
    assert.equal(lsnBytesBetween('1/00000010', '0/FFFFFFF0'), 0x20);
    assert.equal(lsnBytesBetween('0/100', '0/200'), 0);
    assert.equal(lsnBytesBetween('0/100', null), undefined);
  });
});
