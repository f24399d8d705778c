// Builders for replication snapshots in unit tests: a healthy default, overridden per case.
import type { PrimarySnapshot, ReplicaSnapshot, WalSenderRow } from '../../src/core/lag/replicationSnapshot.js';

export function walSender(over: Partial<WalSenderRow> = {}): WalSenderRow {
  return {
    pid: 100,
    applicationName: 'standby1',
    clientAddr: '10.0.0.2',
    state: 'streaming',
    syncState: 'async',
    sentLsn: '0/3000000',
    writeLsn: '0/3000000',
    flushLsn: '0/3000000',
    replayLsn: '0/3000000',
    writeLagSeconds: null,
    flushLagSeconds: null,
    replayLagSeconds: null,
    replyAgeSeconds: 1.2,
    database: null,
    ...over,
  };
}

export function primary(over: Partial<PrimarySnapshot> = {}): PrimarySnapshot {
  return {
    target: '10.0.0.1:5432',
    port: 5432,
    addresses: ['10.0.0.1'],
    role: 'monitor',
    serverVersion: '15.4',
    inRecovery: false,
    currentLsn: '0/3000000',
    canReadStats: true,
    walSenders: [walSender()],
    ...over,
  };
}

export function replica(over: Partial<ReplicaSnapshot> = {}): ReplicaSnapshot {
  return {
    target: '10.0.0.2:5432',
    host: '10.0.0.2',
    addresses: ['10.0.0.2'],
    upstream: { host: '10.0.0.1', port: 5432, addresses: ['10.0.0.1'] },
    receiverTimeoutSeconds: 60,
    error: null,
    errorKind: null,
    errorHint: null,
    role: 'monitor',
    inRecovery: true,
    clusterName: 'standby1',
    receiverApplicationName: 'standby1',
    receiveLsn: '0/3000000',
    replayLsn: '0/3000000',
    pauseState: 'not paused',
    replayAdvancing: null,
    replayTimestampAgeSeconds: 42,
    receiverStatus: 'streaming',
    hasReceiver: true,
    lastMessageAgeSeconds: 3,
    canReadStats: true,
    ...over,
  };
}
