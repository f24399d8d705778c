import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefetch, TaskSet } from '../../src/async.js';
import { parseKeyTemplate } from '../../src/core/keyTemplate.js';
import { sameValue } from '../../src/core/scan/compare.js';
import { KeySet } from '../../src/core/scan/keySet.js';
import { fitsKeyType, keyColumnValues } from '../../src/core/scan/keyValues.js';
import type { Mapping } from '../../src/core/scan/mapping.js';
import { cacheVersion } from '../../src/core/scan/version.js';
import { parsePacked } from '../../src/sources/redis/entryScripts.js';
import { MappingScan } from '../../src/commands/scan/mappingScan.js';
import { SourceError } from '../../src/errors.js';

const lp = (s: string | Buffer) => Buffer.concat([Buffer.from(`${Buffer.byteLength(s)}:`), Buffer.from(s)]);

describe('parsePacked', () => {
  it('reads strings, oversized strings, hashes, gone keys, other types and pending keys, with any bytes in them', () => {
    const value = Buffer.from([0x7b, 0x3a, 0x2c, 0x00, 0xff, 0x7d]);
    const buf = Buffer.concat([
      Buffer.from('s123,6,'),
      lp('k:1,2'),
      lp(value),
      Buffer.from('s-1,5000000,'),
      lp('big'),
      Buffer.from('-'),
      Buffer.from('h99,0,'),
      lp('h:1'),
      Buffer.from('2,'),
      lp('version'),
      lp('3'),
      lp(''),
      lp('x'),
      Buffer.from('n-2,0,'),
      lp('gone'),
      Buffer.from('o-1,0,'),
      lp('l:1'),
      lp('list'),
      Buffer.from('p'),
      lp('later'),
      Buffer.from('s198000000000000,0,'),
      lp('empty'),
      lp(''),
    ]);
    const e = parsePacked(buf);
    assert.deepEqual(
      e.map((x) => [x.read.key, x.read.type, x.read.pttl, x.read.size, x.pending]),
      [
        ['k:1,2', 'string', 123, 6, false],
        ['big', 'string', -1, 5000000, false],
        ['h:1', 'hash', 99, null, false],
        ['gone', 'none', -2, null, false],
        ['l:1', 'list', -1, null, false],
        ['later', 'none', -2, null, true],
        ['empty', 'string', 198000000000000, 0, false],
      ],
    );
    assert.deepEqual(e[0]!.read.value, value);
    assert.equal(e[1]!.read.value, null);
    assert.deepEqual(
      [...e[2]!.read.hash!].map(([k, v]) => [k, v.toString()]),
      [
        ['version', '3'],
        ['', 'x'],
      ],
    );
    assert.deepEqual(e[6]!.read.value, Buffer.alloc(0));
  });
});

describe('TaskSet and prefetch', () => {
  it('keeps the first failure of a task even when nobody was waiting, and throws it', async () => {
    const tasks = new TaskSet(3);
    await tasks.add(async () => {
      throw new Error('batch failed');
    });
    await new Promise((r) => setTimeout(r, 10));
    await assert.rejects(
      tasks.add(async () => {}),
      /batch failed/,
    );
    await assert.rejects(tasks.drain(), /batch failed/);
  });
  it('never runs more than its limit at once', async () => {
    const tasks = new TaskSet(2);
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 6; i += 1) {
      await tasks.add(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
      });
    }
    await tasks.drain();
    assert.equal(peak, 2);
  });
  it('prefetch reads ahead, and a failure of a request made ahead does not crash the process', async () => {
    let asked = 0;
    async function* source() {
      for (let i = 0; i < 3; i += 1) {
        asked += 1;
        if (i === 2) throw new Error('lost the connection');
        yield i;
      }
    }
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const x of prefetch(source(), 2)) {
          seen.push(x);
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
      /lost the connection/,
    );
    assert.deepEqual(seen, [0, 1]);
    assert.equal(asked, 3);
  });
});

describe('key values', () => {
  const mapping = { template: parseKeyTemplate('user:{id}'), keyColumns: [{ placeholder: 'id', column: 'id' }] } as unknown as Mapping;
  it('leaves keys of longer families out, whatever the column type', () => {
    assert.equal(keyColumnValues('user:alice:prefs', mapping, ['text']), null);
    assert.equal(keyColumnValues('user:1:reviews', mapping, ['bigint']), null);
    assert.deepEqual(keyColumnValues('user:alice', mapping, ['text']), ['alice']);
    assert.deepEqual(keyColumnValues('user:abc', mapping, ['bigint']), { invalid: 'id' });
  });
  it('checks values against the column type before they reach SQL', () => {
    assert.ok(fitsKeyType('9223372036854775807', 'bigint'));
    assert.ok(!fitsKeyType('9223372036854775808', 'bigint'));
    assert.ok(!fitsKeyType('2147483648', 'integer'));
    assert.ok(fitsKeyType('007', 'integer'));
    assert.ok(fitsKeyType('6F1C2D4E-0000-4000-8000-000000000001', 'uuid'));
    assert.ok(!fitsKeyType('not-a-uuid', 'uuid'));
    assert.ok(fitsKeyType('2.5', 'numeric(10,2)'));
    assert.ok(!fitsKeyType('a\u0000b', 'text'));
  });
});

describe('compared fields by column type', () => {
  it('compares timestamp columns as instants at the cached precision', () => {
    const micros = String(BigInt(Date.parse('2025-01-01T10:00:00Z')) * 1000n + 123456n);
    assert.ok(sameValue('2025-01-01T10:00:00.123Z', micros, 'D'));
    assert.ok(sameValue('2025-01-01 11:00:00.123456+01', micros, 'D'));
    assert.ok(!sameValue('2025-01-01T10:00:01Z', micros, 'D'));
  });
  it('reads booleans as true/false, t/f or 1/0', () => {
    assert.ok(sameValue('0', 'false', 'B'));
    assert.ok(sameValue(1, 'true', 'B'));
    assert.ok(sameValue(true, 'true', 'B'));
    assert.ok(!sameValue('yes', 'true', 'B'));
    assert.ok(!sameValue(false, 'true', 'B'));
  });
  it('takes the precision of fractional epoch seconds from their digits', () => {
    const v = cacheVersion(1735725600.123, 'timestamp');
    assert.ok(!('error' in v) && v.precision === 3);
  });
});

describe('KeySet', () => {
  it('remembers a million keys, says which were seen, and grows', () => {
    const set = new KeySet();
    let added = 0;
    for (let i = 0; i < 1_000_000; i += 1) if (set.add(Buffer.from(`product:${i}`))) added += 1;
    assert.equal(added, 1_000_000);
    assert.equal(set.add(Buffer.from('product:123456')), false);
    assert.equal(set.size, 1_000_000);
  });
});

describe('review fixes (pure)', () => {
  it('shows control characters in keys as escapes and quotes edge whitespace', async () => {
    const { printable } = await import('../../src/render/printable.js');
    assert.equal(printable('evil:1\u001b[2J\u001b[31m'), 'evil:1\\x1b[2J\\x1b[31m');
    assert.equal(printable('product:11 '), '"product:11 "');
    assert.equal(printable('a\rb\u009bc'), 'a\\x0db\\x9bc');
    assert.equal(printable('plain:1'), 'plain:1');
  });
  it('reads a date alone as midnight UTC, and says why a huge JSON counter cannot be trusted', () => {
    const d = cacheVersion('2024-01-03', 'timestamp');
    assert.ok(!('error' in d) && d.value === BigInt(Date.parse('2024-01-03T00:00:00Z')) * 1000n);
    const big = cacheVersion(9007199254740992, 'counter');
    assert.ok('error' in big && /beyond 2\^53/.test(big.error));
  });
});

describe('MappingScan.slotOwners', () => {
  const col = (name: string, type: string) => ({ name, type, category: 'N' });
  const shape = {
    sql: '"t"',
    label: 't',
    keyColumns: [col('id', 'bigint')],
    version: { ...col('version', 'bigint'), kind: 'counter' as const },
    updatedAt: null,
    compare: [],
  };
  const mapping: Mapping = {
    name: 't',
    template: parseKeyTemplate('t:{id}'),
    table: { schema: null, name: 't' },
    keyColumns: [{ placeholder: 'id', column: 'id' }],
    encoding: 'auto',
    version: { field: 'version', column: 'version', kind: 'auto' },
    updatedAt: null,
    compare: [],
    ttlSeconds: null,
  };
  const node = (target: string, answer: () => Promise<{ start: number; end: number; owner: string }[]>) => ({ target, slotOwners: answer }) as never;

  it('asks the next node when one cannot answer, and lets a bug through instead of hiding it', async () => {
    const scan = new MappingScan(
      mapping,
      shape as never,
      {} as never,
      [],
      { maxValueBytes: 1, redisFlag: '--redis', timeoutMs: 1000, graceMs: 0, maxListed: 1 },
      () => new Date(),
    );
    const owned = async () => [{ start: 0, end: 16383, owner: 'b:2' }];
    scan.readers.push(
      node('a:1', async () => {
        throw new SourceError('reading from Redis at a:1 failed: connection refused');
      }),
      node('b:2', owned),
    );
    assert.equal((await scan.slotOwners())[16383], 'b:2');
    scan.readers[0] = node('a:1', async () => {
      throw new TypeError("Cannot read properties of undefined (reading '0')");
    });
    await assert.rejects(scan.slotOwners(), TypeError);
  });
});
