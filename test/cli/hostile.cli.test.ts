// Hostile and broken input through the built CLI: config files that are wrong in every way (exit 2, one line),
// SQL injection attempts in every config string and in key text (nothing in the database changes), cache values
// built to hurt (classified, no crash, bounded memory), and MONITOR captures full of junk (counted, skipped).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { sql } from '../helpers/pg.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ standby: false });
const dir = mkdtempSync(join(tmpdir(), 'cd-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('hostile input', () => {
  it('a broken config file is exit 2 and one line naming the problem', async () => {
    const base = { redis: { url: 'redis://127.0.0.1:1' }, postgres: { primary: 'postgres://x@127.0.0.1:1/x' } };
    const cases: [string, string, RegExp][] = [
      ['missing', '', /config file .*missing\.json: not found \(check --config\)/],
      ['invalid JSON', '{"redis": {', /line 1, column \d+/],
      ['unknown field', JSON.stringify({ ...base, colour: 'red' }), /colour/],
      ['wrong type', JSON.stringify({ ...base, mappings: [{ name: 'p', key: 'p:{id}', table: 42 }] }), /mappings\[0\]\.table: expected a string, got 42/],
      [
        'a table with quotes and a semicolon',
        JSON.stringify({ ...base, mappings: [{ name: 'p', key: 'p:{id}', table: 'a"; DROP TABLE victims; --' }] }),
        /mappings\[0\]\.table/,
      ],
      ['a key template with no placeholder', JSON.stringify({ ...base, mappings: [{ name: 'p', key: 'p:1', table: 'p' }] }), /has no \{placeholder\}/],
    ];
    for (const [label, text, pattern] of cases) {
      const path = label === 'missing' ? join(dir, 'missing.json') : file(`${label.replace(/\W+/g, '-')}.json`, text);
      const run = await runCli(['scan', '--config', path]);
      assert.equal(run.code, 2, `${label}: ${run.stderr}`);
      assertOneLine(run.stderr, pattern);
    }
  });

  it('SQL injection in every config string and in key text changes nothing in the database', async () => {
    const sb = await sandbox.ready();
    await sql(
      sb.primaryUrl,
      `CREATE TABLE victims (id int PRIMARY KEY); INSERT INTO victims VALUES (1), (2);
      CREATE TABLE "we""ird; tab" ("i""d" int PRIMARY KEY, "ver;sion" int NOT NULL, "pr'ice" numeric); INSERT INTO "we""ird; tab" VALUES (1, 1, 5)`,
    );
    const r = new Redis(sb.redisUrl);
    const evil = `1'); DROP TABLE victims; --`;
    await r.set(`w:1`, JSON.stringify({ 've;r': 1, "pr'ice": 5 }), 'EX', 600);
    await r.set(`w:${evil}`, JSON.stringify({ 've;r': 1, "pr'ice": 5 }), 'EX', 600);
    await r.set(`w:1; DELETE FROM victims`, JSON.stringify({ 've;r': 1 }), 'EX', 600);
    r.disconnect();
    const config = file(
      'evil.json',
      JSON.stringify({
        redis: { url: sb.redisUrl },
        postgres: { primary: sb.primaryUrl },
        mappings: [
          { name: "x'; DROP TABLE victims; --", key: 'w:{i"d}', table: 'we"ird; tab', version: { field: 've;r', column: 'ver;sion' }, compare: ["pr'ice"] },
        ],
      }),
    );
    const before = await sql(sb.primaryUrl, 'SELECT count(*)::int AS n FROM pg_class');
    // The placeholder is not a plain column name: refused before any SQL runs.
    const refused = await runCli(['scan', '--config', config]);
    assert.equal(refused.code, 2, refused.stderr);
    // With a column mapping the names reach SQL only as quoted identifiers, and key text only as parameters.
    const ok = file(
      'evil2.json',
      JSON.stringify({
        redis: { url: sb.redisUrl },
        postgres: { primary: sb.primaryUrl },
        mappings: [
          {
            name: "x'; DROP TABLE victims; --",
            key: 'w:{id}',
            table: '"we""ird; tab"',
            columns: { id: 'i"d' },
            version: { field: 've;r', column: 'ver;sion' },
            compare: ["pr'ice"],
          },
        ],
      }),
    );
    const run = await runCli(['scan', '--config', ok, '--json', '--grace', '0s']);
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    const doc = parseJson<{ summary: { fresh: number; undecodable: number } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.summary.fresh, 1, 'the quoted table, columns and fields were read');
    assert.equal(doc.summary.undecodable, 2, 'keys with SQL in them are keys that hold no valid id');
    assert.deepEqual(await sql(sb.primaryUrl, 'SELECT id FROM victims ORDER BY id'), [{ id: 1 }, { id: 2 }]);
    assert.deepEqual(await sql(sb.primaryUrl, 'SELECT count(*)::int AS n FROM pg_class'), before);
  });

  it('cache values built to hurt are classified, without a crash, in bounded memory', async () => {
    const sb = await sandbox.ready();
    await sql(sb.primaryUrl, 'CREATE TABLE hv (id int PRIMARY KEY, version int NOT NULL); INSERT INTO hv SELECT g, 1 FROM generate_series(1, 10) g');
    const r = new Redis(sb.redisUrl);
    const values: [number, string | Buffer][] = [
      [1, '{"version": 1, "x": [1, 2'], // truncated
      [2, `{"version":1,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`], // 100,000 levels deep (200 KB)
      [3, Buffer.alloc(50 * 1024 * 1024, 0x61)], // 50 MB
      [4, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])], // invalid UTF-8
      [5, '{"version": "three"}'],
      [6, '{"version": "NaN"}'],
      [7, '{"version": -4}'],
      [8, '{"version": 1}'], // fresh, for contrast
    ];
    for (const [id, v] of values) await r.set(`hv:${id}`, v, 'EX', 600);
    r.disconnect();
    const run = await runCli(
      ['scan', '--redis', sb.redisUrl, '--pg', sb.primaryUrl, '--key', 'hv:{id}', '--table', 'hv', '--json', '--grace', '0s', '--max-listed', '100'],
      { env: { NODE_OPTIONS: '--max-old-space-size=128' } },
    );
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    const doc = parseJson<{ summary: Record<string, number>; findings: { kind: string; key?: string }[] }>(run);
    assertMatchesSchema(doc);
    const state = (id: number) => doc.findings.find((f) => f.key === `hv:${id}`)?.kind ?? 'fresh';
    assert.equal(state(1), 'undecodable');
    assert.ok(['fresh', 'undecodable'].includes(state(2)));
    assert.equal(state(3), 'oversized', 'the 50 MB value was never fetched');
    for (const id of [4, 5, 6, 7]) assert.equal(state(id), 'undecodable', `hv:${id}`);
    assert.equal(state(8), 'fresh');
    assert.equal(doc.summary.sampled, 8);
  });

  it('a MONITOR capture with junk, a 10 MB argument, unknown commands and a cut last line: counted and skipped', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const capture = file(
      'junk.log',
      [
        'OK',
        'garbage',
        '\u0000\u0001binary junk',
        '1795689833.000001 [0 10.0.0.1:5] "set" "product:1" "{\\"version\\":2}" "EX" "60"',
        `1795689833.000002 [0 10.0.0.1:5] "set" "product:2" "${big}"`,
        '1795689833.000003 [0 10.0.0.1:5] "frobnicate" "product:1" "zz"',
        '1795689833.000004 [0 10.0.0.1:5] "del" "product:1"',
        '1795689833.000005 [0 10.0.0.1:6] "set" "product:1" "{\\"version\\":1}" "EX" "60"',
        '1795689833.000006 [0 10.0.0.1:5] "get" "produ',
      ].join('\n'),
    );
    const run = await runCli(['monitor', '--input', capture, '--match', 'product:*', '--max-value-bytes', '16MiB', '--json'], {
      env: { NODE_OPTIONS: '--max-old-space-size=128' },
    });
    assert.equal(run.code, 1, run.stderr);
    const doc = parseJson<{ summary: { events: number; malformed: number }; findings: { kind: string; key: string }[] }>(run);
    assertMatchesSchema(doc);
    assert.deepEqual([doc.summary.events, doc.summary.malformed], [5, 3]);
    assert.deepEqual(
      doc.findings.map((f) => `${f.kind} ${f.key}`),
      // product:2 was filled without a TTL 4 us before the capture ends: not judged, and said so.
      ['stale-fill product:1', 'undecided-at-end undefined'],
    );
  });
  it('a capture line of 32 MB (a value over --max-value-bytes) is skipped and counted, not held whole; the lines after it still count', async () => {
    const huge = 'y'.repeat(32 * 1024 * 1024);
    const capture = file(
      'huge.log',
      [
        '1795689833.000001 [0 10.0.0.1:5] "set" "product:1" "{\\"version\\":2}" "EX" "60"',
        `1795689833.000002 [0 10.0.0.1:5] "set" "product:2" "${huge}`,
        '1795689833.000003 [0 10.0.0.1:5] "del" "product:1"',
        '1795689833.000004 [0 10.0.0.1:6] "set" "product:1" "{\\"version\\":1}" "EX" "60"',
        '',
      ].join('\n'),
    );
    const run = await runCli(['monitor', '--input', capture, '--match', 'product:*', '--json'], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
    const doc = parseJson<{ summary: { events: number; malformed: number; oversizedLines: number }; findings: { kind: string; key: string }[] }>(run);
    assertMatchesSchema(doc);
    assert.deepEqual([doc.summary.events, doc.summary.malformed, doc.summary.oversizedLines], [3, 0, 1]);
    assert.deepEqual(
      doc.findings.map((f) => `${f.kind} ${f.key}`),
      ['stale-fill product:1'],
    );
  });
});
