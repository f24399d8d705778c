// serve's pure parts: when a part runs again, follow's writes counted across follows, and what serve knows as one
// report (each part's last completed run, its last attempt, follow's writes) in report's metric families.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandResult } from '../../src/core/envelope.js';
import { type Finding, finding } from '../../src/core/findings/findings.js';
import type { LagData } from '../../src/core/lag/lagReport.js';
import { reportSamples } from '../../src/core/report/metricFamilies.js';
import type { ScanData } from '../../src/core/scan/scanReport.js';
import { comparedNothing } from '../../src/core/serve/comparedNothing.js';
import { FollowTally } from '../../src/core/serve/followTally.js';
import { nextRunInMs } from '../../src/core/serve/retry.js';
import { lastVerdict, newPartState, type ServedState, servedReport } from '../../src/core/serve/servedReport.js';
import { address } from '../../src/options/values.js';

describe('serve: when a part runs again', () => {
  it('at its interval after a good run; after failures 1 s, 2 s, 4 s ... never later than the interval', () => {
    assert.equal(nextRunInMs(60_000, 0), 60_000);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => nextRunInMs(60_000, n)),
      [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => nextRunInMs(5000, n)),
      [1000, 2000, 4000, 5000],
    );
    assert.equal(nextRunInMs(500, 1), 500, 'an interval under the first retry: the interval');
    assert.equal(nextRunInMs(60_000, 10_000), 60_000, 'many failures do not overflow');
  });
});

describe('serve: follow writes counted across follows', () => {
  it('counts seen, checked, converged, stale and unchecked per mapping; nines over the checked ones', () => {
    const t = new FollowTally();
    t.track(['product', 'profile']);
    for (let i = 0; i < 999; i += 1) {
      t.add({ mapping: 'product', outcome: 'seen', n: 1 });
      t.add({ mapping: 'product', outcome: 'converged', consistentAfterMs: 3 });
    }
    t.add({ mapping: 'product', outcome: 'seen', n: 3 });
    t.add({ mapping: 'product', outcome: 'stale', class: 'refilled-from-replica' });
    t.add({ mapping: 'product', outcome: 'unchecked', n: 2 });
    t.add({ mapping: 'product', outcome: 'missing-broadcast' });
    const [product, profile] = t.mappings();
    assert.deepEqual(
      { ...product, staleRatio: product!.staleRatio },
      { mapping: 'product', writes: 1002, checked: 1000, converged: 999, unchecked: 2, nines: 3, staleRatio: 0.001 },
    );
    assert.deepEqual(profile, { mapping: 'profile', writes: 0, checked: 0, converged: 0, unchecked: 0, nines: null, staleRatio: null });
  });
});

const lagResult = (lagSeconds: number, paused = false): CommandResult<LagData> => ({
  command: 'lag',
  fails: false,
  complete: true,
  findings: paused ? [finding('replay-paused', 'replay paused on standby1')] : [],
  summary: {},
  data: {
    replicas: [{ name: 'standby1', state: 'streaming', lagSeconds, lagBytes: 100, lagBasis: 'replay', pauseState: paused ? 'paused' : 'not paused' }],
    advice: { windowSeconds: 1, message: 'route reads to the primary for 1 s' },
  } as unknown as LagData,
});
const scanResult = (stale: number): CommandResult<ScanData> => ({
  command: 'scan',
  fails: stale > 0,
  complete: true,
  findings: Array.from({ length: stale }, (_, i) => finding('stale', `product:${i} is stale`, { key: `product:${i}`, mapping: 'product' })),
  summary: {},
  data: {
    mappings: [
      { mapping: 'product', table: 'products', sampled: 100, counts: { fresh: 100 - stale, stale }, wrong: stale, staleRatio: stale / 100, nines: null },
    ],
  } as unknown as ScanData,
});

function state(): ServedState {
  return {
    parts: { lag: newPartState(), scan: newPartState(), subscribers: newPartState('no invalidation channel given (--channel)'), follow: newPartState() },
    follow: { mode: 'logical', mappings: [] },
    channel: null,
    failOn: 'critical',
  };
}
const NOW = new Date('2026-12-04T08:00:00Z');
const values = (s: ServedState, family: Parameters<ReturnType<typeof reportSamples>['get']>[0]) =>
  (reportSamples(servedReport(s, '0.1.0', NOW)).get(family) ?? []).map((x) => [x.labels, x.value]);

describe('serve: what it knows, as one report', () => {
  it('before any run: nothing but the report itself, and no part up or down', () => {
    const env = servedReport(state(), '0.1.0', NOW);
    assert.deepEqual([env.ok, env.exitCode], [true, 0]);
    assert.deepEqual(values(state(), 'part_up'), []);
    assert.deepEqual(values(state(), 'replica_lag_seconds'), []);
  });

  it("each part's gauges are its last completed run's; part_up its last attempt; a part down makes report_ok 0 (exit 3)", () => {
    const s = state();
    s.parts.lag = { ...s.parts.lag, up: true, last: lagResult(0.5), lastCompletedAtMs: NOW.getTime() - 4000, keepMs: 10_000 };
    s.parts.scan = { ...s.parts.scan, up: true, last: scanResult(2) };
    assert.deepEqual(values(s, 'replica_lag_seconds'), [[{ replica: 'standby1' }, 0.5]]);
    assert.deepEqual(
      values(s, 'entries').find(([l]) => (l as { state: string }).state === 'stale'),
      [{ mapping: 'product', state: 'stale' }, 2],
    );
    assert.deepEqual(values(s, 'report_ok'), [[{}, 0]], 'stale entries are critical: at --fail-on critical');
    assert.deepEqual(values(s, 'report_exit_code'), [[{}, 1]]);
    // The primary goes away: lag's last attempt failed; its last completed sample, 4 s old, is within the 10 s it
    // keeps: still what the gauges show (a blip leaves no gap).
    s.parts.lag = { ...s.parts.lag, up: false, lastError: 'cannot connect to PostgreSQL at db:5432: connection refused' };
    s.parts.scan = { ...s.parts.scan, last: scanResult(0) };
    assert.deepEqual(values(s, 'part_up'), [
      [{ part: 'lag' }, 0],
      [{ part: 'scan' }, 1],
    ]);
    assert.deepEqual(values(s, 'replica_lag_seconds'), [[{ replica: 'standby1' }, 0.5]]);
    assert.deepEqual(values(s, 'report_exit_code'), [[{}, 3]]);
    const env = servedReport(s, '0.1.0', NOW);
    assert.match(env.error?.message ?? '', /^lag: cannot connect to PostgreSQL at db:5432/);
    assert.deepEqual(
      env.parts.map((p) => [p.part, p.status]),
      [
        ['lag', 'failed'],
        ['scan', 'ok'],
        ['subscribers', 'skipped'],
        ['monitor', 'skipped'],
        ['follow', 'skipped'],
      ],
    );
    // Still down 11 s after that sample: its values are gone (the alert on them resolves; CachedoctorPartDown fires).
    s.parts.lag = { ...s.parts.lag, lastCompletedAtMs: NOW.getTime() - 11_000 };
    assert.deepEqual(values(s, 'replica_lag_seconds'), []);
    assert.deepEqual(values(s, 'part_up')[0], [{ part: 'lag' }, 0]);
    // A part that is up keeps its last run however old (a long scan still running).
    s.parts.scan = { ...s.parts.scan, lastCompletedAtMs: NOW.getTime() - 3_600_000 };
    assert.equal(values(s, 'entries').length > 0, true);
  });

  it('the last verdict: none until every running part has had its first attempt, then report_ok, the exit code and findings', () => {
    const s = state();
    assert.equal(lastVerdict(s, '0.1.0', NOW), null);
    s.parts.lag = { ...s.parts.lag, up: true, last: lagResult(0.5) };
    s.parts.scan = { ...s.parts.scan, up: true, last: scanResult(2) };
    assert.equal(lastVerdict(s, '0.1.0', NOW), null, 'follow has not had its first attempt');
    s.parts.follow = { ...s.parts.follow, up: true };
    assert.deepEqual(lastVerdict(s, '0.1.0', NOW), { ok: false, exitCode: 1, findings: { critical: 2, warning: 0, info: 0 } });
    s.parts.scan = { ...s.parts.scan, last: scanResult(0) };
    assert.deepEqual(lastVerdict(s, '0.1.0', NOW), { ok: true, exitCode: 0, findings: { critical: 0, warning: 0, info: 0 } });
  });

  it("a paused replica: replay_paused 1 and the finding counted; follow's writes since serve started in report's follow gauges", () => {
    const s = state();
    s.parts.lag = { ...s.parts.lag, up: true, last: lagResult(30, true) };
    s.parts.follow = { ...s.parts.follow, up: true };
    s.follow = { mode: 'logical', mappings: [{ mapping: 'product', writes: 12, checked: 10, converged: 9, unchecked: 2, nines: 1, staleRatio: 0.1 }] };
    assert.deepEqual(values(s, 'replica_replay_paused'), [[{ replica: 'standby1' }, 1]]);
    assert.deepEqual(values(s, 'findings'), [[{ kind: 'replay-paused', severity: 'warning' }, 1]]);
    assert.deepEqual(values(s, 'follow_writes'), [
      [{ mapping: 'product', outcome: 'converged' }, 9],
      [{ mapping: 'product', outcome: 'stale' }, 1],
      [{ mapping: 'product', outcome: 'unchecked' }, 2],
    ]);
    assert.deepEqual(values(s, 'follow_consistency_nines'), [[{ mapping: 'product' }, 1]]);
    assert.deepEqual(values(s, 'part_up'), [
      [{ part: 'lag' }, 1],
      [{ part: 'follow' }, 1],
    ]);
  });
});

describe('--listen', () => {
  it('reads host:port, [v6]:port, :port (every interface) and a bare port (loopback); refuses the rest in one line', () => {
    assert.deepEqual(address.parse('10.0.0.5:9647'), { host: '10.0.0.5', port: 9647 });
    assert.deepEqual(address.parse('[::1]:9647'), { host: '::1', port: 9647 });
    assert.deepEqual(address.parse(':9647'), { host: '', port: 9647 });
    assert.deepEqual(address.parse('9647'), { host: '127.0.0.1', port: 9647 });
    assert.deepEqual(address.parse('localhost:0'), { host: 'localhost', port: 0 });
    for (const bad of ['', 'host', '1.2.3.4:99999', 'http://x:1', 'a b:1']) assert.throws(() => address.parse(bad), /expected host:port, :port or a port/, bad);
    assert.equal(address.show({ host: '::1', port: 1 }), '[::1]:1');
  });
});

describe('comparedNothing: the serve log for a mapping whose scan compared nothing', () => {
  const noKeys = (mapping: string, n: number): Finding => ({
    kind: 'no-keys',
    severity: 'critical',
    message: `mapping ${mapping} (public.items) compared nothing: of ${n} keys sampled, ${n} undecodable`,
    mapping,
    fix: 'see the undecodable findings',
  });
  const undecodable: Finding = {
    kind: 'undecodable',
    severity: 'warning',
    message: 'item:4: the value has no version field verison',
    mapping: 'item',
    key: 'item:4',
  };

  it('says it once when it starts, with an example, not again while it lasts, and once when it ends', () => {
    const first = comparedNothing(new Set(), [undecodable, noKeys('item', 49)]);
    assert.deepEqual(first.lines, [
      'mapping item (public.items) compared nothing: of 49 keys sampled, 49 undecodable; e.g. item:4: the value has no version field verison (see the undecodable findings)',
    ]);
    assert.deepEqual([...first.blind], ['item']);
    // The next scan: the counts differ, the news does not.
    const again = comparedNothing(first.blind, [noKeys('item', 50)]);
    assert.deepEqual(again.lines, []);
    const fixed = comparedNothing(again.blind, [{ kind: 'stale', severity: 'critical', message: 'item:2 is stale', mapping: 'item' }]);
    assert.deepEqual(fixed.lines, ['mapping item compares entries again']);
    assert.equal(fixed.blind.size, 0);
  });

  it('an example is taken only from the same mapping', () => {
    const other = comparedNothing(new Set(), [undecodable, noKeys('user', 3)]);
    assert.doesNotMatch(other.lines[0]!, /e\.g\./);
  });
});
