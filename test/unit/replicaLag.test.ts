import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestLag, computeReplicaLags, replicaSideLag } from '../../src/core/lag/replicaLag.js';
import { isReplicaWalSender, matchReplicas } from '../../src/core/lag/replicaMatch.js';
import { primary, replica, walSender } from '../helpers/snapshots.js';

describe('replicaSideLag (idle guard)', () => {
  it('reports 0 for an idle, caught-up, streaming replica even though its replay timestamp is old', () => {
    assert.deepEqual(replicaSideLag(replica({ replayTimestampAgeSeconds: 42 })), { seconds: 0, basis: 'caught-up' });
  });
  it('does not report 0 for a disconnected replica that has replayed all it received', () => {
    assert.deepEqual(replicaSideLag(replica({ receiverStatus: 'waiting', replayTimestampAgeSeconds: 42 })), { seconds: 42, basis: 'replay-timestamp' });
    assert.deepEqual(replicaSideLag(replica({ receiverStatus: null, hasReceiver: false, replayTimestampAgeSeconds: 9 })), {
      seconds: 9,
      basis: 'replay-timestamp',
    });
  });
  it('does not trust a "streaming" receiver that has been silent past the limit', () => {
    assert.equal(replicaSideLag(replica({ lastMessageAgeSeconds: 120 }))?.basis, 'replay-timestamp');
  });
  it('uses the replay timestamp age while WAL waits to be replayed', () => {
    assert.deepEqual(replicaSideLag(replica({ receiveLsn: '0/3001000', replayTimestampAgeSeconds: 7.5 })), { seconds: 7.5, basis: 'replay-timestamp' });
  });
  it('says nothing when receiver details are hidden (no privilege) and nothing is pending', () => {
    assert.equal(replicaSideLag(replica({ receiverStatus: null, hasReceiver: true, lastMessageAgeSeconds: null })), null);
  });
  it('says nothing for a server that is not in recovery', () => {
    assert.equal(replicaSideLag(replica({ inRecovery: false })), null);
  });
});

describe('bestLag', () => {
  const replayLag = { seconds: 0.2, basis: 'primary-replay-lag' as const };
  it('trusts the primary when it says caught up', () => {
    assert.equal(bestLag({ seconds: 0, basis: 'caught-up' }, replica({ receiveLsn: '0/3001000' }))?.seconds, 0);
  });
  it('ignores the primary replay_lag while replay is paused or stuck, and uses the replica age', () => {
    const pending = { receiveLsn: '0/3001000', replayTimestampAgeSeconds: 12 };
    assert.equal(bestLag(replayLag, replica({ ...pending, pauseState: 'paused' }))?.seconds, 12);
    assert.equal(bestLag(replayLag, replica({ ...pending, replayAdvancing: false }))?.seconds, 12);
  });
  it('prefers replay_lag while replay advances (the replica age overshoots after an idle spell)', () => {
    assert.equal(bestLag(replayLag, replica({ receiveLsn: '0/3001000', replayTimestampAgeSeconds: 60, replayAdvancing: true }))?.seconds, 0.2);
  });
  it('is unknown when replay is paused and nothing was ever replayed', () => {
    assert.equal(bestLag(replayLag, replica({ receiveLsn: '0/3001000', replayTimestampAgeSeconds: null, pauseState: 'paused' })), null);
  });
});

describe('matchReplicas', () => {
  it('matches by client address, and by name only when the address cannot tell', () => {
    const rows = [
      walSender({ pid: 1, applicationName: 'a', clientAddr: '10.0.0.5' }),
      walSender({ pid: 2, applicationName: 'walreceiver', clientAddr: '10.0.0.6' }),
    ];
    const natted = replica({ clusterName: 'a', receiverApplicationName: 'a', host: 'replica-a.internal', addresses: ['192.168.9.9'] });
    const byAddr = replica({ clusterName: null, receiverApplicationName: 'walreceiver', host: 'replica-b.internal', addresses: ['10.0.0.6'] });
    const m = matchReplicas(rows, [natted, byAddr], primary());
    assert.equal(m.get(natted)?.pid, 1);
    assert.equal(m.get(byAddr)?.pid, 2);
  });
  it('does not match a cascaded standby to the direct standby that shares its default name', () => {
    const rows = [walSender({ pid: 1, applicationName: '15/main', clientAddr: '10.0.0.2' })];
    const cascaded = replica({
      clusterName: '15/main',
      receiverApplicationName: '15/main',
      host: 'r2.internal',
      addresses: ['10.0.0.3'],
      upstream: { host: '10.0.0.2', port: 5432, addresses: ['10.0.0.2'] },
    });
    assert.equal(matchReplicas(rows, [cascaded], primary()).size, 0);
  });
  it('does not guess when two rows share a name and an address', () => {
    const rows = [walSender({ pid: 1, applicationName: 'walreceiver' }), walSender({ pid: 2, applicationName: 'walreceiver' })];
    const r = replica({ clusterName: null, receiverApplicationName: 'walreceiver' });
    assert.equal(matchReplicas(rows, [r], primary()).size, 0);
  });
  it('leaves base backups, WAL archivers and logical subscribers out of the replicas', () => {
    assert.equal(isReplicaWalSender(walSender({ state: 'backup' })), false);
    assert.equal(isReplicaWalSender(walSender({ applicationName: 'pg_basebackup' })), false);
    assert.equal(isReplicaWalSender(walSender({ applicationName: 'pg_receivewal' })), false);
    assert.equal(isReplicaWalSender(walSender({ applicationName: 'sub1', database: 'app' })), false);
    assert.equal(isReplicaWalSender(walSender()), true);
    const lags = computeReplicaLags(primary({ walSenders: [walSender(), walSender({ pid: 7, state: 'backup', applicationName: 'pg_basebackup' })] }), []);
    assert.deepEqual(
      lags.map((l) => l.name),
      ['standby1'],
    );
  });
});

describe('replica identity', () => {
  it('keeps replicas that share a default name apart, with distinct ids and names', () => {
    const p = primary({
      walSenders: [
        walSender({ pid: 1, applicationName: 'walreceiver', clientAddr: '10.0.0.2' }),
        walSender({ pid: 2, applicationName: 'walreceiver', clientAddr: '10.0.0.3' }),
      ],
    });
    const lags = computeReplicaLags(p, []);
    assert.deepEqual(
      lags.map((l) => l.id),
      ['walreceiver@10.0.0.2', 'walreceiver@10.0.0.3'],
    );
    assert.deepEqual(
      lags.map((l) => l.name),
      ['walreceiver (10.0.0.2)', 'walreceiver (10.0.0.3)'],
    );
  });
});

describe('silence limit', () => {
  it("follows the replica's own wal_receiver_timeout", () => {
    assert.equal(replicaSideLag(replica({ receiverTimeoutSeconds: 120, lastMessageAgeSeconds: 90 }))?.basis, 'caught-up');
    assert.equal(replicaSideLag(replica({ receiverTimeoutSeconds: 20, lastMessageAgeSeconds: 30 }))?.basis, 'replay-timestamp');
    assert.equal(replicaSideLag(replica({ receiverTimeoutSeconds: 0, lastMessageAgeSeconds: 44 }))?.basis, 'caught-up');
  });
});

describe('computeReplicaLags', () => {
  it('computes byte lag for each WAL position against the primary', () => {
    const p = primary({
      currentLsn: '0/3000400',
      walSenders: [walSender({ sentLsn: '0/3000400', writeLsn: '0/3000300', flushLsn: '0/3000200', replayLsn: '0/3000000', replayLagSeconds: 0.5 })],
    });
    const [lag] = computeReplicaLags(p, []);
    assert.deepEqual([lag?.sentLagBytes, lag?.writeLagBytes, lag?.flushLagBytes, lag?.replayLagBytes, lag?.lagBytes], [0, 0x100, 0x200, 0x400, 0x400]);
    assert.equal(lag?.lagSeconds, 0.5);
    assert.equal(lag?.target, null);
  });
  it('joins the replica view to its primary row and keeps unmatched replicas as their own entries', () => {
    const p = primary({ currentLsn: '0/5000000' });
    const gone = replica({
      target: '10.0.0.3:5432',
      host: '10.0.0.3',
      addresses: ['10.0.0.3'],
      clusterName: 'standby2',
      receiverApplicationName: 'standby2',
      replayLsn: '0/4000000',
      receiveLsn: '0/4000000',
      receiverStatus: 'waiting',
      replayTimestampAgeSeconds: 30,
    });
    const lags = computeReplicaLags(p, [replica(), gone]);
    assert.equal(lags.length, 2);
    // Named as the --replica was given (what scan and probe call it too), with the primary's name beside it.
    assert.equal(lags[0]?.name, '10.0.0.2:5432');
    assert.equal(lags[0]?.applicationName, 'standby1');
    assert.equal(lags[0]?.target, '10.0.0.2:5432');
    assert.equal(lags[1]?.onPrimary, false);
    // Measured against the primary's position from the replica's own replay LSN.
    assert.equal(lags[1]?.lagBytes, 0x1000000);
    assert.equal(lags[1]?.lagSeconds, 30);
  });
  it('works with replicas only', () => {
    const [lag] = computeReplicaLags(null, [replica()]);
    assert.equal(lag?.lagSeconds, 0);
    assert.equal(lag?.lagBytes, null);
  });
});
