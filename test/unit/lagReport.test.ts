import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyAtOrAbove, toEnvelope } from '../../src/core/envelope.js';
import { finding } from '../../src/core/findings/findings.js';
import { buildLagResult, takeSample } from '../../src/core/lag/lagReport.js';
import { mergeSampleFindings } from '../../src/core/lag/lagWatch.js';
import { readYourWritesAdvice } from '../../src/core/lag/readYourWrites.js';
import { computeReplicaLags } from '../../src/core/lag/replicaLag.js';
import { primary, replica, walSender } from '../helpers/snapshots.js';

const T = { maxLagSeconds: 5, maxLagBytes: 16 * 1024 * 1024, expectReplicas: null };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function sampleWithLag(s: number, lagSeconds: number | null) {
  const p = primary({ currentLsn: '0/3001000', walSenders: [walSender({ replayLagSeconds: lagSeconds })] });
  return takeSample(at(s), p, [], T);
}

describe('--watch aggregation', () => {
  it('keeps one finding per kind and replica, represented by its worst sample', () => {
    const samples = [sampleWithLag(0, 0.1), sampleWithLag(1, 9), sampleWithLag(2, 6), sampleWithLag(3, 0.2)];
    // (Each sample also says the replica was not asked: these samples come from the primary alone.)
    const merged = mergeSampleFindings(samples).filter((f) => f.kind !== 'replica-not-asked');
    assert.equal(merged.length, 1);
    assert.equal(merged[0]?.lagSeconds, 9);
    assert.equal(merged[0]?.seenInSamples, 2);
    assert.match(merged[0]?.message ?? '', /seen in 2 of 4 samples/);
  });
  it('reports the spread and a sparkline per replica, and keeps every sample in the data', () => {
    const samples = [0.1, 0.2, 3, 0.2, 0.1].map((l, i) => sampleWithLag(i, l));
    const r = buildLagResult({ samples, primary: primary(), thresholds: T, watch: { intervalMs: 1000, durationMs: 5000 }, failOn: 'warning', complete: true });
    const w = r.data.watch?.window[0];
    assert.equal(w?.lagSeconds?.max, 3);
    assert.equal(w?.lagSeconds?.median, 0.2);
    assert.equal([...(w?.sparkline ?? '')].length, 5);
    assert.equal(r.data.watch?.samples.length, 5);
    assert.equal(r.summary.worstLagSeconds, 3);
    assert.deepEqual(
      r.findings.map((f) => f.kind),
      ['replica-not-asked'],
    );
  });
});

describe('--watch with replicas that share a name', () => {
  it('keeps one window per replica, so a lagging one is not hidden by its twin', () => {
    const twins = (lagB: number) =>
      primary({
        currentLsn: '0/3001000',
        walSenders: [
          walSender({ pid: 1, applicationName: 'walreceiver', clientAddr: '10.0.0.2', replayLsn: '0/3001000' }),
          walSender({ pid: 2, applicationName: 'walreceiver', clientAddr: '10.0.0.3', replayLagSeconds: lagB }),
        ],
      });
    const samples = [takeSample(at(0), twins(30), [], T), takeSample(at(1), twins(31), [], T)];
    const r = buildLagResult({ samples, primary: twins(31), thresholds: T, watch: { intervalMs: 1000, durationMs: 2000 }, failOn: 'warning', complete: true });
    const windows = r.data.watch!.window;
    assert.equal(windows.length, 2);
    assert.equal(windows.find((w) => w.id === 'walreceiver@10.0.0.3')?.lagSeconds?.max, 31);
    assert.deepEqual(
      r.findings.filter((f) => f.kind !== 'replica-not-asked').map((f) => [f.kind, f.replica]),
      [['replica-lag', 'walreceiver (10.0.0.3)']],
    );
  });
});

describe('read-your-writes advice', () => {
  it('is the worst lag times the margin, rounded up to whole seconds', () => {
    const lags = computeReplicaLags(primary({ currentLsn: '0/3001000', walSenders: [walSender({ replayLagSeconds: 2.2 })] }), []);
    const a = readYourWritesAdvice([lags]);
    assert.equal(a.windowSeconds, 4);
    assert.equal(a.worstReplica, 'standby1');
  });
  it('is at least one second', () => {
    assert.equal(readYourWritesAdvice([computeReplicaLags(primary(), [])]).windowSeconds, 1);
  });
  it('gives no window while a replica is not replaying', () => {
    const lags = computeReplicaLags(primary(), [replica({ pauseState: 'paused' })]);
    assert.equal(readYourWritesAdvice([lags]).windowSeconds, null);
    assert.match(readYourWritesAdvice([lags]).message, /not replaying/);
  });
});

describe('envelope and exit code', () => {
  it('exits 1 only for findings at or above --fail-on', () => {
    const info = finding('no-replicas', 'x');
    const warning = finding('replay-paused', 'y');
    assert.equal(anyAtOrAbove([info], 'warning'), false);
    assert.equal(anyAtOrAbove([info, warning], 'warning'), true);
    assert.equal(anyAtOrAbove([warning], 'critical'), false);
    assert.equal(anyAtOrAbove([info], 'info'), true);
  });
  it('sorts findings most severe first and sets ok from the exit code', () => {
    const down = replica({ target: '10.0.0.3:5432', host: '10.0.0.3', error: 'connection refused', errorKind: 'unreachable', inRecovery: null });
    const snapshot = takeSample(at(0), primary({ walSenders: [] }), [replica({ pauseState: 'paused' }), down], T);
    const r = buildLagResult({ samples: [snapshot], primary: null, thresholds: T, watch: null, failOn: 'critical', complete: true });
    const env = toEnvelope(r, '1.2.3', at(9));
    assert.deepEqual(
      env.findings.map((f) => f.kind),
      ['source-failed', 'replay-paused'],
    );
    // A --replica that could not be asked: a source that could not be reached (exit 3), with the rest reported.
    assert.equal(env.exitCode, 3);
    assert.match(env.error?.message ?? '', /^cannot query replica 10\.0\.0\.3:5432: connection refused$/);
    assert.equal(env.ok, false);
    assert.equal(env.generatedAt, '2026-01-01T00:00:09.000Z');
    const ranks = env.findings.map((f) => ({ critical: 3, warning: 2, info: 1 })[f.severity]);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => b - a),
    );
  });
});

describe('stuck replica bounded by WAL history (--watch)', () => {
  it("replaces the replay-timestamp age (which counts idle time) with the time since the primary passed the replica's position", () => {
    const stuck = replica({ pauseState: 'paused', receiveLsn: '0/3001000', replayLsn: '0/3000000', replayTimestampAgeSeconds: 38 });
    const quiet = takeSample(at(0), primary({ currentLsn: '0/3000000' }), [replica()], T);
    const written = takeSample(at(2), primary({ currentLsn: '0/3001000', walSenders: [walSender({ replayLagSeconds: 0.01 })] }), [stuck], T, [quiet]);
    const later = takeSample(at(8), primary({ currentLsn: '0/3001000', walSenders: [walSender({ replayLagSeconds: 0.01 })] }), [stuck], T, [quiet, written]);
    assert.equal(later.lags[0]?.lagBasis, 'wal-history');
    assert.equal(later.lags[0]?.lagSeconds, 8);
    assert.match(later.findings.find((f) => f.kind === 'replica-lag')?.message ?? '', /up to 8\.0 s/);
  });
  it('keeps the replay-timestamp age when no earlier sample saw the primary at the replica position', () => {
    const stuck = replica({ pauseState: 'paused', receiveLsn: '0/3001000', replayLsn: '0/3000000', replayTimestampAgeSeconds: 38 });
    const s = takeSample(at(8), primary({ currentLsn: '0/3001000' }), [stuck], T, [takeSample(at(0), primary({ currentLsn: '0/3001000' }), [stuck], T)]);
    assert.deepEqual([s.lags[0]?.lagBasis, s.lags[0]?.lagSeconds], ['replay-timestamp', 38]);
  });
});
