import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { toEnvelope } from '../../src/core/envelope.js';
import { type Finding, finding } from '../../src/core/findings/findings.js';
import type { FindingKind } from '../../src/core/findings/kinds.js';
import type { LagData } from '../../src/core/lag/lagReport.js';
import type { MonitorData } from '../../src/core/monitor/monitorReport.js';
import { causesOf } from '../../src/core/findings/causes.js';
import { buildReportResult, type PartRun, type ReportRun } from '../../src/core/report/reportResult.js';
import type { ScanData } from '../../src/core/scan/scanReport.js';
import { makeChalk } from '../../src/render/colour.js';
import { renderPrometheus } from '../../src/render/prometheus.js';
import { render } from '../../src/render/render.js';

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => { name: string; help: string; type: string; metrics: { value: string; labels?: Record<string, string> }[] }[];

const ctx = { replicaBehind: false, windowSeconds: null, channel: 'inv', replicasUnchecked: false, lagChecked: true, noReplicas: false };
/** A finding as the commands make them: its severity is its kind's. */
const f = (kind: FindingKind, extra: Record<string, unknown> = {}): Finding => finding(kind, `${kind} happened`, extra);

function lagPart(findings: Finding[], replicas: Partial<LagData['replicas'][number]>[] = []): PartRun<LagData> {
  const data = {
    replicas: replicas.map((r) => ({
      name: 'standby1',
      state: 'streaming',
      lagSeconds: 0,
      lagBytes: 0,
      lagBasis: 'caught-up',
      pauseState: 'not paused',
      ...r,
    })),
    advice: { windowSeconds: 3, message: 'route reads to the primary for 3 s' },
  } as unknown as LagData;
  return { status: 'ok', reason: null, result: { command: 'lag', fails: false, complete: true, findings, summary: {}, data } };
}
function scanPart(findings: Finding[], name = 'product', fails = true): PartRun<ScanData> {
  const counts = {
    fresh: 90,
    stale: 10,
    ahead: 0,
    orphan: 0,
    'version-not-bumped': 0,
    undecodable: 0,
    oversized: 0,
    expired: 0,
    inflight: 0,
    unconfirmed: 0,
    noTtl: 0,
  };
  const data = {
    mappings: [
      {
        mapping: name,
        table: 'products',
        sampled: 100,
        unmatched: 0,
        counts,
        compared: 100,
        wrong: 10,
        staleRatio: 0.1,
        staleRatioLow: 0.05,
        staleRatioHigh: 0.17,
        nines: 1,
        ninesAtLeast: 0.7,
      },
    ],
  } as unknown as ScanData;
  return { status: 'ok', reason: null, result: { command: 'scan', fails, complete: true, findings, summary: {}, data } };
}
function monitorPart(findings: Finding[], counts?: PartCounts): PartRun<MonitorData> {
  const data = {
    stats: { events: 10, seconds: 2, eventsPerSecond: 5, readsPerInvalidation: 2.5, refillDelayMs: null },
    peakOmemBytes: 0,
  } as unknown as MonitorData;
  return {
    status: 'ok',
    reason: null,
    result: { command: 'monitor', fails: false, complete: true, summary: {}, findings, data, ...(counts ? { counts } : {}) },
  };
}
type PartCounts = Partial<Record<FindingKind, number>>;
const skipped = { status: 'skipped', reason: 'not asked' } as const;
const run = (over: Partial<ReportRun>): ReportRun => ({
  lag: skipped,
  scan: skipped,
  subscribers: skipped,
  monitor: skipped,
  follow: skipped,
  channel: 'inv',
  failOn: 'critical',
  complete: true,
  ...over,
});

describe('causeOf', () => {
  it('names the failure mode from the evidence each part has', () => {
    const stale = (fill: string, laggingReplica: string | null, ttlBasis = 'given') => causesOf(f('stale', { fill, laggingReplica, ttlBasis }), ctx);
    // A stale entry by when it was filled: before the write, the write never invalidated it, whatever a replica
    // serves now (a paused replica serves every old version); after it, a stale read.
    assert.deepEqual(stale('before-write', 'standby1'), ['not-invalidated']);
    assert.deepEqual(stale('before-write', null), ['not-invalidated']);
    assert.deepEqual(stale('after-write', 'standby1'), ['replica-lag']);
    // Filled after the write, and every replica caught up now: one may have been behind then.
    assert.deepEqual(stale('after-write', null), ['write-invalidate-race', 'replica-lag']);
    assert.deepEqual(causesOf(f('stale', { fill: 'after-write', laggingReplica: null, ttlBasis: 'given' }), { ...ctx, noReplicas: true }), [
      'write-invalidate-race',
    ]);
    // At the write: a race, or a replica less than a second behind, unless there are no replicas.
    assert.deepEqual(stale('at-write', null), ['write-invalidate-race', 'replica-lag']);
    assert.deepEqual(causesOf(f('stale', { fill: 'at-write', laggingReplica: null, ttlBasis: 'given' }), { ...ctx, noReplicas: true }), [
      'write-invalidate-race',
    ]);
    // A learned TTL (jitter breaks it) orders the causes, it does not decide.
    assert.deepEqual(stale('before-write', null, 'learned'), ['not-invalidated', 'write-invalidate-race', 'replica-lag']);
    assert.deepEqual(stale('after-write', 'standby1', 'learned'), ['replica-lag', 'not-invalidated']);
    // No evidence of when: every possibility, the missed invalidation first.
    assert.deepEqual(stale('unknown', 'standby1'), ['not-invalidated', 'replica-lag']);
    assert.deepEqual(stale('unknown', null), ['not-invalidated', 'write-invalidate-race', 'replica-lag']);
    // A fill seen live: the replicas' state now is their state then, when lag measured every replica.
    assert.deepEqual(causesOf(f('stale-fill'), ctx), ['write-invalidate-race']);
    assert.deepEqual(causesOf(f('stale-fill'), { ...ctx, replicaBehind: true }), ['replica-lag']);
    assert.deepEqual(causesOf(f('stale-fill'), { ...ctx, lagChecked: false }), ['write-invalidate-race', 'replica-lag']);
    assert.deepEqual(causesOf(f('stale-fill'), { ...ctx, replicasUnchecked: true }), ['write-invalidate-race', 'replica-lag']);
    assert.deepEqual(causesOf(f('missing-broadcast'), ctx), ['local-cache']);
    assert.deepEqual(causesOf(f('replay-paused'), ctx), ['replica-lag']);
    assert.deepEqual(causesOf(f('no-ttl'), ctx), ['no-ttl']);
    assert.deepEqual(causesOf(f('insufficient-privilege'), ctx), []);
  });
});

describe('buildReportResult counts', () => {
  it('counts a kind per mapping; what was not listed is an item of its own, with no cause, even for a mapping with nothing listed', () => {
    const stale = (mapping: string, i: number, fill: string) => f('stale', { key: `${mapping}:${i}`, mapping, fill, laggingReplica: null, ttlBasis: 'given' });
    const scan = scanPart([
      ...Array.from({ length: 3 }, (_, i) => stale('a', i, 'before-write')),
      ...Array.from({ length: 2 }, (_, i) => stale('b', i, 'before-write')),
      ...Array.from({ length: 2 }, (_, i) => stale('b', 10 + i, 'after-write')),
    ]);
    const data = (scan as { result: { data: ScanData; counts?: PartCounts } }).result;
    const counts = (n: number) => ({ ...data.data.mappings[0]!.counts, stale: n });
    data.data = {
      ...data.data,
      mappings: [
        { ...data.data.mappings[0]!, mapping: 'a', counts: counts(200) },
        { ...data.data.mappings[0]!, mapping: 'b', counts: counts(100) },
        // Less harmful entries only: none of its 50 made the list.
        { ...data.data.mappings[0]!, mapping: 'c', counts: counts(50) },
      ],
    };
    data.counts = { stale: 350 };
    const r = buildReportResult(run({ scan }));
    const items = r.data.ranked.map((i) => `${i.evidence.mapping} ${i.cause} ${i.count}/${i.listed}`);
    assert.deepEqual(items, ['a not-invalidated 3/3', 'b not-invalidated 2/2', 'b write-invalidate-race 2/2', 'a null 197/0', 'b null 96/0', 'c null 50/0']);
    assert.match(r.data.ranked[4]!.message, /^96 more stale entries in mapping b not listed \(--max-listed\)/);
    assert.match(r.data.ranked[5]!.message, /^50 stale entries in mapping c not listed/);
    assert.equal(
      r.data.ranked.reduce((n, i) => n + i.count, 0),
      350,
    );
    // Only what was examined has a decided cause; the rest (and the 2 with two possible causes) is undecided.
    assert.equal((r.summary.causes as Record<string, number>)['not-invalidated'], 5);
    assert.equal(r.summary.undecidedCauses, 2 + 197 + 96 + 50);
  });
});

describe('buildReportResult', () => {
  it('--max-stale: wrong entries within the scan thresholds are listed but do not fail the report; over them they do', () => {
    const entries = [f('stale', { key: 'product:1' }), f('stale', { key: 'product:2' })];
    const within = buildReportResult(run({ scan: scanPart(entries, 'product', false) }));
    assert.equal(within.fails, false);
    assert.equal(within.summary.critical, 2);
    assert.equal(buildReportResult(run({ scan: scanPart(entries, 'product', true) })).fails, true);
    // Other critical findings still fail it.
    assert.equal(buildReportResult(run({ scan: scanPart([...entries, f('no-keys', { mapping: 'x' })], 'product', false) })).fails, true);
  });

  it('ranks by severity, then known cause, then count, and groups findings sharing part, kind, cause and mapping', () => {
    const stale = (key: string, replica: string | null, fill = 'after-write') => f('stale', { key, mapping: 'product', laggingReplica: replica, fill });
    const r = buildReportResult(
      run({
        lag: lagPart([f('replica-lag', { replica: 'standby1' }), f('insufficient-privilege')], [{ lagSeconds: 4.2, pauseState: 'paused' }]),
        scan: scanPart([
          stale('product:1', 'standby1'),
          stale('product:2', 'standby1'),
          stale('product:3', null, 'at-write'),
          stale('product:4', 'standby1', 'unknown'),
          f('no-ttl', { mapping: 'product' }),
        ]),
      }),
    );
    const items = r.data.ranked.map((i) => `${i.rank} ${i.severity} ${i.part}/${i.kind} ${i.cause} x${i.count}`);
    assert.deepEqual(items, [
      '1 critical scan/stale replica-lag x2',
      '2 critical lag/replica-lag replica-lag x1',
      // Two possible causes rank after every certain one of the same severity (at the write: a race, or a replica).
      '3 critical scan/stale write-invalidate-race x1',
      '4 critical scan/stale not-invalidated x1',
      // The mapping's 10 stale entries, 4 listed: the 6 not listed are an item of their own.
      '5 critical scan/stale null x6',
      '6 warning lag/insufficient-privilege null x1',
      '7 info scan/no-ttl no-ttl x1',
    ]);
    assert.deepEqual(r.data.ranked[2]!.causes, ['write-invalidate-race', 'replica-lag']);
    assert.deepEqual(r.data.ranked[3]!.causes, ['not-invalidated', 'replica-lag']);
    assert.equal(r.data.ranked[3]!.certain, false);
    assert.match(r.data.ranked[3]!.causeTitle ?? '', /^write not invalidated, or cache filled from a lagging replica \(the evidence does not decide\)$/);
    assert.deepEqual(r.data.ranked[0]!.evidence.keys, ['product:1', 'product:2']);
    assert.equal(r.data.ranked[0]!.evidence.replica, 'standby1');
    assert.match(r.data.ranked[0]!.fix ?? '', /at least 3 s/);
    // The flat findings follow the ranking, each with its part and cause.
    assert.deepEqual(
      r.findings.map((x) => x.key ?? x.kind),
      ['product:1', 'product:2', 'replica-lag', 'product:3', 'product:4', 'insufficient-privilege', 'no-ttl'],
    );
    assert.equal(r.fails, true);
    assert.deepEqual(r.summary.causes, { 'not-invalidated': 0, 'write-invalidate-race': 0, 'local-cache': 0, 'replica-lag': 3, 'no-ttl': 1 });
    // Two with two possible causes, and the 6 unlisted (their causes never examined).
    assert.equal(r.summary.undecidedCauses, 8);
    assert.equal(r.data.health.replicas[0]!.replayPaused, true);
    assert.equal(r.data.health.mappings[0]!.stale, 10);
  });

  it('a mapping that compared nothing fails the report; a stale entry no replica explains hedges when replicas were not asked', () => {
    const r = buildReportResult(
      run({
        lag: lagPart([], [{ target: null, onPrimary: true } as never]),
        scan: scanPart([f('no-keys', { mapping: 'product' }), f('stale', { key: 'product:1', mapping: 'product', laggingReplica: null })]),
      }),
    );
    assert.equal(r.findings.find((x) => x.kind === 'no-keys')?.severity, 'critical');
    assert.match(String(r.findings.find((x) => x.kind === 'stale')?.causeTitle), /or replica lag: a replica was not asked; pass --replica/);
  });
  it("names a replica the same way in every part: lag's name for scan's host:port", () => {
    const r = buildReportResult(
      run({
        lag: lagPart([], [{ name: 'standby1', target: '10.0.0.2:5432', onPrimary: true } as never]),
        scan: scanPart([f('stale', { key: 'product:1', mapping: 'product', laggingReplica: '10.0.0.2:5432' })]),
      }),
    );
    assert.equal(r.data.ranked[0]!.evidence.replica, 'standby1');
  });
  it('fails only at --fail-on: warnings pass by default (critical), fail with warning', () => {
    const warnings = { lag: lagPart([f('replay-paused')]) };
    assert.equal(buildReportResult(run(warnings)).fails, false);
    assert.equal(buildReportResult(run({ ...warnings, failOn: 'warning' })).fails, true);
  });

  it('a failed part is a finding and the others still count; exit 3 (a source could not be reached), and says which part', () => {
    const oneFailed = buildReportResult(
      run({ lag: lagPart([]), scan: { status: 'failed', reason: 'cannot connect to Redis at 10.0.0.1:6379: connection refused' } }),
    );
    assert.equal(oneFailed.sourceFailure?.message, 'scan could not check: cannot connect to Redis at 10.0.0.1:6379: connection refused');
    assert.equal(oneFailed.complete, false);
    // A part that could not check fails the report (a CI smoke check must not pass on a cache it never read).
    assert.deepEqual(
      oneFailed.findings.map((x) => [x.kind, x.part, x.severity]),
      [['source-failed', 'scan', 'critical']],
    );
    assert.equal(toEnvelope(oneFailed, 't', new Date()).exitCode, 3);
    const allFailed = buildReportResult(run({ lag: { status: 'failed', reason: 'primary down' }, scan: { status: 'failed', reason: 'redis down' } }));
    assert.match(allFailed.sourceFailure?.message ?? '', /nothing could be checked: lag: primary down; scan: redis down/);
    assert.equal(toEnvelope(allFailed, 't', new Date()).exitCode, 3);
  });
});

describe('report counts every finding, not only the listed ones', () => {
  it("takes severities, ranked counts, causes and Prometheus figures from the parts' totals", () => {
    // scan lists 2 stale entries (--max-listed 2) of the 50 it found; monitor lists 1 of 300 missing broadcasts.
    const scan = scanPart([f('stale', { key: 'product:1', mapping: 'product' }), f('stale', { key: 'product:2', mapping: 'product' })]);
    if (scan.status === 'ok') {
      scan.result.counts = { stale: 50 };
      const m = scan.result.data.mappings[0]!;
      scan.result.data.mappings[0] = { ...m, counts: { ...m.counts, stale: 50 } };
    }
    const monitor = monitorPart([f('missing-broadcast', { key: 'product:9', mapping: 'product' })], { 'missing-broadcast': 300 });
    const result = buildReportResult(run({ scan, monitor }));
    assert.equal(result.summary.critical, 50);
    assert.equal(result.summary.warning, 300);
    assert.deepEqual(
      result.data.ranked.map((i) => [i.kind, i.count, i.listed]),
      [
        ['stale', 2, 2],
        ['stale', 48, 0],
        ['missing-broadcast', 1, 1],
        ['missing-broadcast', 299, 0],
      ],
    );
    assert.match(result.data.ranked[0]!.message, /^2 stale entries in mapping product, e\.g\. /);
    assert.match(result.data.ranked[1]!.message, /^48 more stale entries in mapping product not listed \(--max-listed\)/);
    assert.equal((result.summary.causes as Record<string, number>)['local-cache'], 1);
    const text = renderPrometheus(toEnvelope(result, 't', new Date()) as never as Parameters<typeof renderPrometheus>[0]);
    assert.match(text, /^cachedoctor_findings_by_severity\{severity="warning"\} 300$/m);
    assert.match(text, /^cachedoctor_findings\{kind="stale",severity="critical"\} 50$/m);
  });
});

describe('the report table', () => {
  it('fits the terminal width it is given (the renderer is told the width; it does not read the terminal)', () => {
    const result = buildReportResult(run({ lag: lagPart([], [{ lagSeconds: 1.25, lagBytes: 4096 }]), scan: scanPart([]) }));
    const env = toEnvelope(result, 't', new Date());
    const widest = (width: number) =>
      Math.max(
        ...render('table', env, { chalk: makeChalk(false), width })
          .split('\n')
          .filter((l) => l.startsWith('│') || l.startsWith('┌'))
          .map((l) => l.length),
      );
    assert.ok(widest(100) <= 100, `${widest(100)} columns at width 100`);
    assert.ok(widest(160) > 100, `${widest(160)} columns at width 160`);
  });
});

describe('renderPrometheus', () => {
  it('writes the text exposition format a Prometheus parser reads back, with label values escaped', () => {
    const tricky = 'we"ird\\name\nx';
    const monitor = monitorPart([f('missing-broadcast', { mapping: tricky })]);
    const result = buildReportResult(run({ lag: lagPart([], [{ lagSeconds: 1.25, lagBytes: 4096 }]), scan: scanPart([], tricky), monitor }));
    const env = toEnvelope(result, 't', new Date('2026-11-26T00:00:00Z'));
    const text = renderPrometheus(env as never as Parameters<typeof renderPrometheus>[0]);
    const families = parsePrometheus(text);
    const names = families.map((x) => x.name);
    assert.equal(new Set(names).size, names.length, 'each family once');
    for (const fam of families) {
      assert.equal(fam.type, 'GAUGE', fam.name);
      assert.ok(fam.help.length > 0, fam.name);
      assert.ok(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(fam.name), fam.name);
      for (const m of fam.metrics) assert.ok(Number.isFinite(Number(m.value)), `${fam.name} ${m.value}`);
    }
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.find((x) => x.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;
    assert.equal(value('cachedoctor_replica_lag_seconds', { replica: 'standby1' }), '1.25');
    assert.equal(value('cachedoctor_replica_lag_bytes', { replica: 'standby1' }), '4096');
    assert.equal(value('cachedoctor_entries', { mapping: tricky, state: 'stale' }), '10');
    assert.equal(value('cachedoctor_stale_ratio', { mapping: tricky }), '0.1');
    assert.equal(value('cachedoctor_findings', { kind: 'missing-broadcast', severity: 'warning' }), '1');
    assert.equal(value('cachedoctor_report_timestamp_seconds'), String(Date.parse('2026-11-26T00:00:00Z') / 1000));
    assert.equal(value('cachedoctor_part_up', { part: 'scan' }), '1');
    assert.equal(value('cachedoctor_part_up', { part: 'subscribers' }), undefined, 'skipped parts are absent');
  });
});
