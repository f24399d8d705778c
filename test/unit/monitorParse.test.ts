import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { redisRepr } from '../properties/redisRepr.js';
import { argBytes, argText, parseMonitorLine } from '../../src/core/monitor/parseLine.js';

const capture = readFileSync(new URL('../../fixtures/monitor/capture.log', import.meta.url), 'latin1').split('\n');
const sent = JSON.parse(readFileSync(new URL('../../fixtures/monitor/sent.json', import.meta.url), 'utf8')) as Record<string, string>;

/** Redis' own quoting (sdscatrepr): the reference the parser must invert. */

describe('parseMonitorLine on a real capture', () => {
  const events = capture.map(parseMonitorLine);

  it('skips the OK line and reads every other line', () => {
    assert.equal(events[0], null);
    assert.equal(events.filter((e) => e !== null).length, capture.filter((l) => l.length > 0).length - 1);
  });
  it('decodes every value to exactly the bytes that were sent', () => {
    const sets = events.filter((e) => e?.args[0]?.toLowerCase() === 'set' && e.args[1]! in sent);
    assert.equal(sets.length, Object.keys(sent).length);
    for (const e of sets) assert.deepEqual(argBytes(e!.args[2]!), Buffer.from(sent[e!.args[1]!]!, 'base64'), e!.args[1]);
  });
  it('reads the timestamp, database and every kind of client', () => {
    const first = events[1]!;
    assert.equal(first.db, 0);
    assert.ok(first.timeUs > 1.7e15 && Number.isInteger(first.timeUs));
    const clients = new Set(events.filter((e) => e !== null).map((e) => e!.client.replace(/:\d+$/, ':N').replace(/unix:.*/, 'unix:')));
    assert.deepEqual([...clients].sort(), ['127.0.0.1:N', '[::1]:N', 'lua', 'unix:']);
    assert.equal(events.find((e) => e?.client === 'lua' && e.args[0] === 'SET')?.args[1], 'fx:lua');
  });
  it('keeps MULTI/EXEC and script commands in order', () => {
    const cmds = events.filter((e) => e !== null).map((e) => e!.args[0]!.toLowerCase());
    const multi = cmds.indexOf('multi');
    assert.deepEqual(cmds.slice(multi, multi + 4), ['multi', 'set', 'expire', 'exec']);
  });
  it('decodes UTF-8 keys and values as text', () => {
    const e = events.find((x) => x?.args[1] === 'fx:utf8')!;
    assert.equal(argText(e.args[2]!), 'café ünïcødé ✓ 日本');
    assert.equal(events.find((x) => x?.args[1]?.startsWith('fx:key with'))?.args[1], 'fx:key with "quotes" and spaces');
  });
});

describe('parseMonitorLine on bad input', () => {
  it('returns null for garbage, truncated lines and unknown escapes, never throws', () => {
    for (const bad of [
      '',
      'garbage',
      '1795689833.490744 [0 127.0.0.1:34878] "set" "k',
      '1795689833.490744 [0 127.0.0.1:34878] "set" "k\\q"',
      '1795689833.490744 [0 127.0.0.1:34878] "set" "k\\x4"',
      '1795689833.490744 [0 127.0.0.1:34878] set k',
      '1795689833.490744 [x 127.0.0.1:34878] "set"',
      '1795689833.4907 [0 127.0.0.1:34878] "set"',
      '1795689833.490744 [0 127.0.0.1:34878] "set""k"',
    ]) {
      assert.equal(parseMonitorLine(bad), null, bad);
    }
  });
  it('reads a 10 MB argument', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const e = parseMonitorLine(`1795689833.490744 [0 127.0.0.1:1] "set" "k" "${big}"`);
    assert.equal(e?.args[2]?.length, big.length);
  });
});

describe('parseMonitorLine property: Redis quoting round-trips any bytes', () => {
  it('for 20,000 random byte strings (and random lengths up to 64)', () => {
    let seed = 42;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 20_000; i += 1) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 65) }, () => Math.floor(rand() * 256));
      const key = Uint8Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256));
      const line = `1795689833.000001 [3 10.0.0.1:5] "SET" ${redisRepr(key)} ${redisRepr(bytes)}`;
      const e = parseMonitorLine(line);
      assert.ok(e, line);
      assert.deepEqual(argBytes(e.args[1]!), Buffer.from(key));
      assert.deepEqual(argBytes(e.args[2]!), Buffer.from(bytes));
      assert.equal(e.db, 3);
    }
  });
});
