import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LagThresholds, lagFindings } from '../../src/core/lag/lagFindings.js';
import { computeReplicaLags } from '../../src/core/lag/replicaLag.js';
import type { PrimarySnapshot, ReplicaSnapshot } from '../../src/core/lag/replicationSnapshot.js';
import { primary, replica, walSender } from '../helpers/snapshots.js';

const T: LagThresholds = { maxLagSeconds: 5, maxLagBytes: 16 * 1024 * 1024, expectReplicas: null };

function kinds(p: PrimarySnapshot | null, replicas: ReplicaSnapshot[], t: LagThresholds = T): string[] {
  return lagFindings(p, replicas, computeReplicaLags(p, replicas), t)
    .map((f) => f.kind)
    .sort();
}

describe('lagFindings', () => {
  it('finds nothing on a healthy, caught-up pair', () => {
    assert.deepEqual(kinds(primary(), [replica()]), []);
  });
  it('reports replica-lag over the seconds or the bytes limit', () => {
    const slow = primary({ walSenders: [walSender({ replayLagSeconds: 6 })], currentLsn: '0/3000100' });
    assert.deepEqual(kinds(slow, []), ['replica-lag', 'replica-not-asked']);
    const far = primary({ currentLsn: '1/0', walSenders: [walSender({ replayLsn: '0/0', replayLagSeconds: 0.1 })] });
    assert.deepEqual(kinds(far, []), ['replica-lag', 'replica-not-asked']);
  });
  it('says a replica seen only from the primary was not asked (a paused replay looks small from there), and not once it is', () => {
    const p = primary({ walSenders: [walSender({ replayLagSeconds: 0.5 })] });
    const f = lagFindings(p, [], computeReplicaLags(p, []), T);
    assert.deepEqual(
      f.map((x) => [x.kind, x.severity]),
      [['replica-not-asked', 'info']],
    );
    assert.match(String(f[0]?.fix), /--replica/);
    assert.deepEqual(kinds(primary(), [replica()]), []);
  });
  it('reports replay-paused and, with writes pending, replica-lag by the replica age', () => {
    const p = primary({ currentLsn: '0/3001000', walSenders: [walSender({ replayLagSeconds: 0.01 })] });
    const r = replica({ pauseState: 'paused', receiveLsn: '0/3001000', replayTimestampAgeSeconds: 9 });
    assert.deepEqual(kinds(p, [r]), ['replay-paused', 'replica-lag']);
  });
  it('reports a --replica that cannot be reached as a source that failed, and one not streaming as disconnected', () => {
    const down = replica({ error: 'connection refused', errorKind: 'unreachable', inRecovery: null });
    assert.deepEqual(kinds(primary({ walSenders: [] }), [down]), ['source-failed']);
    const waiting = replica({ receiverStatus: 'waiting', lastMessageAgeSeconds: 80, replayTimestampAgeSeconds: 2 });
    assert.deepEqual(kinds(primary({ walSenders: [] }), [waiting]), ['replica-disconnected']);
  });
  it('reports a replica that refuses us (password, database) as source-failed, not as a replication problem', () => {
    const refused = replica({
      error: 'password authentication failed for user "mon"',
      errorKind: 'rejected',
      errorHint: 'check the password',
      inRecovery: null,
    });
    const f = lagFindings(primary({ walSenders: [] }), [refused], computeReplicaLags(primary({ walSenders: [] }), [refused]), T);
    assert.deepEqual(
      f.map((x) => x.kind),
      ['source-failed'],
    );
    assert.equal(f[0]?.fix, 'check the password');
  });
  it('never matches a replica we cannot reach to a row by address alone (a mistyped port on the standby host): it is just unreachable, with a hint', () => {
    const p = primary();
    const typo = replica({
      target: '10.0.0.2:5499',
      error: 'connection refused',
      errorKind: 'unreachable',
      inRecovery: null,
      clusterName: null,
      receiverApplicationName: null,
    });
    const lags = computeReplicaLags(p, [typo]);
    // The real standby (seen only from the primary) and the unreachable --replica: two entries, not one.
    assert.deepEqual(
      lags.map((l) => [l.name, l.onPrimary, l.error]),
      [
        ['standby1', true, null],
        ['10.0.0.2:5499', false, 'connection refused'],
      ],
    );
    const f = lagFindings(p, [typo], lags, T);
    assert.deepEqual(
      f.map((x) => x.kind),
      ['source-failed', 'replica-not-asked'],
    );
    assert.equal(
      f[0]!.message,
      'cannot reach replica 10.0.0.2:5499: connection refused: its lag is unknown; the primary sees standby1 streaming from the same address',
    );
    assert.match(f[0]!.fix ?? '', /check the port in --replica/);
    assert.doesNotMatch(f[0]!.message, /though the primary sees it streaming/);
  });
  it('reports fewer streaming replicas than expected', () => {
    const f = lagFindings(primary(), [], computeReplicaLags(primary(), []), { ...T, expectReplicas: 2 });
    assert.equal(f[0]?.kind, 'replica-disconnected');
    assert.match(f[0]?.message ?? '', /lists 1 streaming replica, expected 2/);
  });
  it('reports not-primary and not-replica', () => {
    assert.deepEqual(kinds(primary({ inRecovery: true, walSenders: [] }), []), ['not-primary']);
    assert.deepEqual(kinds(primary({ walSenders: [] }), [replica({ inRecovery: false })]), ['not-replica']);
  });
  it('names the grant when pg_stat_replication details are hidden, and claims no lag or disconnection', () => {
    const hidden = walSender({
      applicationName: null,
      clientAddr: null,
      state: null,
      syncState: null,
      sentLsn: null,
      writeLsn: null,
      flushLsn: null,
      replayLsn: null,
      replyAgeSeconds: null,
    });
    const p = primary({ role: 'app_ro', canReadStats: false, walSenders: [hidden] });
    const f = lagFindings(p, [], computeReplicaLags(p, []), T);
    assert.deepEqual(
      f.map((x) => x.kind),
      ['insufficient-privilege'],
    );
    assert.equal(f[0]?.fix, 'GRANT pg_monitor TO app_ro;');
  });
  it('quotes role names that need it in the grant', () => {
    const p = primary({ role: 'Ops Team', canReadStats: false, walSenders: [walSender({ state: null })] });
    assert.equal(lagFindings(p, [], computeReplicaLags(p, []), T)[0]?.fix, 'GRANT pg_monitor TO "Ops Team";');
  });
  it('says no-replicas (info) when there is nothing to measure', () => {
    const f = lagFindings(primary({ walSenders: [] }), [], [], T);
    assert.deepEqual(
      f.map((x) => [x.kind, x.severity]),
      [['no-replicas', 'info']],
    );
  });
});
