// init from the command line on a keyspace of several families: the right mapping for each family cached from a
// table, none for the others (with why); --write then scan on the file finds the faults planted in each family.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { sql } from '../helpers/pg.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ standby: false });
const N = 40;

interface InitDoc {
  exitCode: number;
  summary: { keysSampled: number; proposals: number; highConfidence: number };
  proposals: {
    template: string;
    table: string;
    confidence: string;
    reasons: string[];
    rows: { checked: number; found: number };
    mapping: {
      name: string;
      key: string;
      table: string;
      encoding: string;
      version: { field: string; column: string; kind: string };
      compare?: string[];
    } | null;
  }[];
  unmapped: { template: string; why: string }[];
  written: { path: string; mappings: string[] } | null;
}

describe('cachedoctor init (subprocess)', () => {
  let dir: string;
  let args: string[];
  before(async () => {
    const sb = await sandbox.ready();
    dir = mkdtempSync(join(tmpdir(), 'cachedoctor-init-'));
    await sql(
      sb.primaryUrl,
      `CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL, price int NOT NULL, version int NOT NULL);
       INSERT INTO products SELECT g, 'p' || g, g * 10, 3 FROM generate_series(1, ${N}) g;
       CREATE TABLE profiles (id int PRIMARY KEY, nickname text NOT NULL, updated_at timestamptz NOT NULL);
       INSERT INTO profiles SELECT g, 'n' || g, '2026-01-01T00:00:00Z'::timestamptz + g * interval '1 minute' FROM generate_series(1, ${N}) g;
       CREATE TABLE orders (tenant text, id bigint, total int NOT NULL, lock_version int NOT NULL, PRIMARY KEY (tenant, id));
       INSERT INTO orders SELECT t, g, g, 2 FROM unnest(ARRAY['acme','globex','initech','umbrella','hooli','stark','wayne','wonka']) t, generate_series(1, 5) g;
       CREATE SCHEMA catalog;
       CREATE TABLE catalog.items (id int PRIMARY KEY, title text NOT NULL, rev int NOT NULL);
       INSERT INTO catalog.items SELECT g, 't' || g, 5 FROM generate_series(1, ${N}) g;
       CREATE TABLE invoices (id bigint PRIMARY KEY, amount int NOT NULL, version int NOT NULL);
       INSERT INTO invoices SELECT g, g, 1 FROM generate_series(1, 10) g;`,
    );
    const r = new Redis(sb.redisUrl);
    const p = r.pipeline();
    for (let i = 1; i <= N; i += 1) {
      // Planted faults: products 1-3 stale (version 2 < 3), profiles 1-2 stale (an older updated_at), orders of
      // acme 1-2 stale, catalog items 1-4 stale.
      p.set(`product:${i}`, JSON.stringify({ id: i, name: `p${i}`, price: i * 10, version: i <= 3 ? 2 : 3 }));
      const at = new Date(Date.parse('2026-01-01T00:00:00Z') + (i <= 2 ? i - 1 : i) * 60_000).toISOString();
      p.hset(`profile:${i}`, { id: String(i), nickname: `n${i}`, updated_at: at });
      p.set(`catalog:item:${i}`, JSON.stringify({ id: i, title: `t${i}`, meta: { rev: i <= 4 ? 4 : 5 } }));
      p.set(`invoice:${900_000 + i}`, JSON.stringify({ id: 900_000 + i, amount: 1, version: 1 }));
      p.set(`session:${Buffer.from(`s${i}-sess-${i * 7919}`).toString('hex')}`, JSON.stringify({ user: i, expires: 1 }));
      p.set(`counter:views:${i}`, String(i * 3));
    }
    for (const t of ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'])
      for (let i = 1; i <= 5; i += 1) p.set(`order:${t}:${i}`, JSON.stringify({ tenant: t, id: i, total: i, lock_version: t === 'acme' && i <= 2 ? 1 : 2 }));
    for (const name of ['checkout', 'payment', 'reindex']) p.set(`lock:${name}`, '1');
    await p.exec();
    r.disconnect();
    args = ['--redis', sb.redisUrl, '--pg', sb.primaryUrl];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('maps each family cached from a table, and says why the others are not', async () => {
    const run = await runCli(['init', ...args, '--json']);
    const doc = parseJson<InitDoc>(run);
    assertMatchesSchema(doc);
    assert.equal(run.code, 0, run.stderr);
    const by = new Map(doc.proposals.map((p) => [p.mapping?.key ?? p.template, p]));
    const high = (key: string) => {
      const p = by.get(key);
      assert.ok(p, `${key} proposed; got ${[...by.keys()].join(', ')}; unmapped ${JSON.stringify(doc.unmapped)}`);
      assert.equal(p.confidence, 'high', `${key}: ${p.reasons.join('; ')}`);
      return p.mapping!;
    };
    assert.deepEqual(high('product:{id}'), {
      name: 'product',
      key: 'product:{id}',
      table: 'public.products',
      encoding: 'json',
      version: { field: 'version', column: 'version', kind: 'counter' },
      compare: ['name', 'price'],
    });
    const profile = high('profile:{id}');
    assert.equal(profile.encoding, 'hash');
    assert.deepEqual(profile.version, { field: 'updated_at', column: 'updated_at', kind: 'timestamp' });
    assert.deepEqual(high('order:{tenant}:{id}').version, { field: 'lock_version', column: 'lock_version', kind: 'counter' });
    const item = high('catalog:item:{id}');
    assert.equal(item.table, 'catalog.items');
    assert.deepEqual(item.version, { field: 'meta.rev', column: 'rev', kind: 'counter' });
    assert.equal(doc.summary.highConfidence, 4, JSON.stringify(doc.proposals.map((p) => [p.template, p.confidence])));

    const why = new Map(doc.unmapped.map((u) => [u.template, u.why]));
    assert.match(why.get('invoice:{id}') ?? '', /none of \d+ sampled ids is a row of public\.invoices/);
    assert.match(why.get('session:{id}') ?? '', /no table is named by "session"/);
    assert.match(why.get('counter:views:{id}') ?? '', /only JSON objects and hashes/);
    assert.match(why.get('lock:{name}') ?? '', /only JSON objects and hashes|too few keys/);
  });

  it('--write saves the confident mappings; scan on that file alone finds the faults planted in each family', async () => {
    const file = join(dir, 'cachedoctor.config.json');
    const run = await runCli(['init', ...args, '--write', file, '--json']);
    const doc = parseJson<InitDoc>(run);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(doc.written?.mappings.sort(), ['item', 'order', 'product', 'profile']);
    const config = JSON.parse(readFileSync(file, 'utf8')) as { redis: { url: string }; mappings: unknown[] };
    assert.equal(config.mappings.length, 4);

    const scan = await runCli(['scan', '--config', file, '--all', '--grace', '0', '--json']);
    const found = parseJson<{ findings: { kind: string; key?: string; mapping?: string }[] }>(scan);
    assert.equal(scan.code, 1, scan.stderr);
    const stale = found.findings
      .filter((f) => f.kind === 'stale')
      .map((f) => f.key)
      .sort();
    assert.deepEqual(stale, [
      'catalog:item:1',
      'catalog:item:2',
      'catalog:item:3',
      'catalog:item:4',
      'order:acme:1',
      'order:acme:2',
      'product:1',
      'product:2',
      'product:3',
      'profile:1',
      'profile:2',
    ]);
  });

  it('refuses to overwrite a file without --force (exit 2, the file untouched), and replaces it with --force', async () => {
    const file = join(dir, 'existing.json');
    writeFileSync(file, '{"keep": true}\n');
    const refused = await runCli(['init', ...args, '--write', file]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already exists \(pass --force to replace it/);
    assert.equal(readFileSync(file, 'utf8'), '{"keep": true}\n');
    const forced = await runCli(['init', ...args, '--write', file, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /Wrote .*existing\.json with 4 mappings/);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { mappings: unknown[] }).mappings.length, 4);
  });

  // Last: follow's write changes a row the other tests read.
  it('with no mapping given, scan, report and follow discover the confident ones, say which in one line, and use only those', async () => {
    const cwd = mkdtempSync(join(dir, 'bare-'));
    const families = ['catalog:item:{id}', 'order:{tenant}:{id}', 'product:{id}', 'profile:{id}'];
    const said = /^cachedoctor: (scan|report|follow): no mappings given; discovered 4 mappings with high confidence: .*product:\{id\} -> public\.products/m;

    const scan = await runCli(['scan', ...args, '--all', '--grace', '0', '--json'], { cwd });
    const doc = parseJson<{ discovered: { key: string }[]; findings: { kind: string; key?: string }[] }>(scan);
    assertMatchesSchema(doc);
    assert.equal(scan.code, 1, scan.stderr);
    assert.deepEqual(doc.discovered.map((m) => m.key).sort(), families);
    assert.equal(doc.findings.filter((f) => f.kind === 'stale').length, 11, JSON.stringify(doc.findings.map((f) => f.key)));
    assert.match(scan.stderr, said);
    assert.equal(scan.stderr.trim().split('\n').length, 1, scan.stderr);

    const report = await runCli(['report', ...args, '--all', '--grace', '0', '--json'], { cwd });
    const rdoc = parseJson<{ discovered: { key: string }[]; health: { mappings: { mapping: string; stale: number }[] } }>(report);
    assertMatchesSchema(rdoc);
    assert.deepEqual(rdoc.discovered.map((m) => m.key).sort(), families);
    assert.equal(
      rdoc.health.mappings.reduce((n, m) => n + m.stale, 0),
      11,
      report.stderr,
    );
    assert.match(report.stderr, said);

    // A write nobody invalidates, while follow runs on the discovered mappings: found as a write of product 10.
    let wrote = false;
    const follow = await runCli(['follow', ...args, '--duration', '4s', '--grace', '500ms', '--json'], {
      cwd,
      onStderr: (err) => {
        if (wrote || !/following committed writes/.test(err)) return;
        wrote = true;
        void sql(args[3]!, 'UPDATE products SET version = 4 WHERE id = 10');
      },
    });
    const fdoc = parseJson<{ discovered: { key: string }[]; findings: { kind: string; key?: string }[] }>(follow);
    assertMatchesSchema(fdoc);
    assert.ok(wrote, follow.stderr);
    assert.deepEqual(fdoc.discovered.map((m) => m.key).sort(), families);
    assert.deepEqual(
      fdoc.findings.filter((f) => f.kind === 'stale-after-write').map((f) => f.key),
      ['product:10'],
      follow.stderr,
    );
    assert.equal(follow.code, 1, follow.stderr);
  });
});
