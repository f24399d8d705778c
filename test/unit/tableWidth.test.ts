// Every command's tables fit the width they are given: a table when it fits, rows stacked when it does not (an
// 80-column terminal at 3 a.m.); the renderer is told the width, it does not read the terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toEnvelope } from '../../src/core/envelope.js';
import { buildLagResult, takeSample } from '../../src/core/lag/lagReport.js';
import { buildScanResult } from '../../src/core/scan/scanReport.js';
import { Tally } from '../../src/core/scan/tally.js';
import { rowVersion, type Version } from '../../src/core/scan/version.js';
import { FollowChecker } from '../../src/core/follow/checker.js';
import { makeChalk } from '../../src/render/colour.js';
import { render } from '../../src/render/render.js';
import { visibleWidth } from '../../src/render/table/fit.js';
import { primary, walSender } from '../helpers/snapshots.js';

const T = { maxLagSeconds: 5, maxLagBytes: 16 * 1024 * 1024, expectReplicas: null };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function lagEnvelope() {
  const p = primary({ currentLsn: '0/3001000', walSenders: [walSender({ replayLagSeconds: 1.5, writeLagSeconds: 0.2, flushLagSeconds: 0.3 })] });
  const samples = [0, 1, 2].map((s) => takeSample(at(s), p, [], T));
  return toEnvelope(
    buildLagResult({ samples, primary: p, thresholds: T, watch: { intervalMs: 1000, durationMs: 3000 }, failOn: 'warning', complete: true }),
    't',
    at(3),
  );
}

function scanEnvelope() {
  const t = new Tally('product', 10);
  t.sampled = 100;
  t.counts.fresh = 99;
  t.record({
    key: 'product:12345',
    mapping: 'product',
    state: 'stale',
    cacheVersion: '2026-01-01T00:00:00.000Z',
    rowVersion: '2026-01-01T00:05:00.000Z',
    versionsBehind: null,
    secondsBehind: 300,
    ttlSeconds: 250,
    noTtl: false,
    detail: null,
  });
  const result = buildScanResult({
    tallies: [{ tally: t, table: 'public.products_with_a_long_name', ttlSeconds: 600 }],
    attributions: new Map([['product\u0000product:12345', '10.0.0.2:5432']]),
    failures: [],
    thresholds: { maxStale: 0, maxStaleRatio: null },
    graceSeconds: 2,
    maxListed: 10,
    complete: true,
    seconds: 1,
    seed: 42,
  });
  return toEnvelope(result, 't', at(0));
}

function followEnvelope() {
  const c = new FollowChecker({
    graceMs: 500,
    raceWindowMs: 100,
    maxPending: 10,
    maxListed: 10,
    channel: null,
    clock: { offsetMs: 0, uncertaintyMs: 1 },
    replicas: [],
  });
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  c.write(
    {
      mapping: 'product',
      key: 'product:12345',
      op: 'UPDATE',
      version: rowVersion('2', 'counter') as Version,
      xid: '1',
      commitLsn: '0/10',
      commitMicros: BigInt(t0) * 1000n,
    },
    t0,
  );
  for (const at of [t0 + 10, t0 + 600, t0 + 1200])
    for (const d of c.due(at)) c.answer(d.id, { kind: 'version', version: rowVersion('1', 'counter') as Version }, at);
  const r = c.finish();
  const data = {
    primary: '10.0.0.1:5432',
    mode: 'logical' as const,
    slot: 'cachedoctor_1_abc',
    notes: [],
    replicas: [],
    clock: { offsetMs: 0, uncertaintyMs: 1 },
    graceMs: 500,
    raceWindowMs: 100,
    channel: null,
    mappings: r.mappings,
    maxBehindBytes: 1024,
    gaps: [],
    seconds: 2,
  };
  return toEnvelope({ command: 'follow', fails: true, complete: true, findings: r.findings, summary: {}, counts: r.counts as never, data }, 't', at(0));
}

/** The widest line of a table in the text (box-drawing borders), or of a stacked row. */
const tableLines = (text: string) => text.split('\n').filter((l) => /^[┌│└├]/.test(l));

describe('tables fit the width given', () => {
  for (const [name, env] of [
    ['lag', lagEnvelope()],
    ['scan', scanEnvelope()],
    ['follow', followEnvelope()],
  ] as const) {
    it(`${name}: a table at 200 columns, and nothing wider than 80 at 80`, () => {
      const wide = render('table', env, { chalk: makeChalk(false), width: 200 });
      const narrow = render('table', env, { chalk: makeChalk(false), width: 80 });
      assert.ok(tableLines(wide).length > 0, wide);
      assert.ok(Math.max(...tableLines(wide).map(visibleWidth)) > 80, `${name} is narrow anyway: the test proves nothing`);
      // Stacked at 80: "  Column: value" lines, none wider (and no table line wider either).
      const stacked = narrow.split('\n').filter((l) => /^ {2}[A-Z][^:]*: /.test(l) && !/^ {2}(CRITICAL|WARNING|INFO) /.test(l));
      assert.ok(stacked.length >= 1, `${name}: not stacked at 80 columns:\n${narrow}`);
      for (const line of [...tableLines(narrow), ...stacked]) assert.ok(visibleWidth(line) <= 80, `${visibleWidth(line)} columns: ${line}`);
      // What the wide table says, the stacked rows say too.
      const words = {
        lag: ['standby1', '1.5 s'],
        scan: ['product:12345', 'before the write', '10.0.0.2:5432'],
        follow: ['product:12345', 'not-invalidated', 'Stale: 1'],
      }[name];
      for (const word of words) {
        assert.match(narrow, new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `${name}: ${word} missing at 80 columns`);
      }
    });
  }
});

describe('serve, once stopped, at 80 columns', () => {
  it('a long last error is wrapped under its value: no line wider than 80, every word kept', () => {
    const error =
      'cannot connect to PostgreSQL at 10.0.0.1:5432: password authentication failed for user "app" (check the user and password in --pg or PGPASSWORD)';
    const part = (name: 'lag' | 'scan' | 'subscribers' | 'follow', lastError: string | null) => ({
      part: name,
      off: null,
      runs: 3,
      errors: lastError ? 3 : 0,
      up: lastError === null,
      lastError,
    });
    const data = {
      url: 'http://127.0.0.1:9647',
      seconds: 12.5,
      scrapes: 2,
      lastVerdict: { ok: false, exitCode: 3, findings: { critical: 0, warning: 0, info: 0 } },
      parts: [
        part('lag', error),
        part('scan', error),
        { ...part('subscribers', null), off: 'no invalidation channel given (--channel)' },
        part('follow', null),
      ],
    };
    const env = toEnvelope({ command: 'serve', fails: false, complete: true, findings: [], summary: {}, data }, 't', at(0));
    const narrow = render('table', env, { chalk: makeChalk(false), width: 80 });
    for (const line of narrow.split('\n')) assert.ok(visibleWidth(line) <= 80, `${visibleWidth(line)} columns: ${line}`);
    assert.ok(narrow.replace(/\s+/g, ' ').includes(error), narrow);
    assert.match(narrow, /^ {4}\S/m, 'the rest of the error is indented under it');
  });
});
