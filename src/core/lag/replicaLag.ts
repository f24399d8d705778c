// Joins the primary's view of each replica with the replica's own, and works out replay lag in bytes and seconds.
import { lsnBytesBetween, parseLsn } from './lsn.js';
import { type Identified, identify, isReplicaWalSender, matchReplicas } from './replicaMatch.js';
import type { PrimarySnapshot, ReplicaSnapshot, WalSenderRow } from './replicationSnapshot.js';

/**
 * A healthy idle link hears from the primary at least every ~30 s (wal_sender_timeout / 2), and a standby replies
 * at least every 10 s: silence longer than this means the link is not really up. A replica's own
 * wal_receiver_timeout, when set, is the limit it applies to itself and replaces this default.
 */
export const SILENCE_LIMIT_SECONDS = 45;

/** The receiver's silence limit: its wal_receiver_timeout (at least 10 s), else the default. */
export function silenceLimitSeconds(r: ReplicaSnapshot): number {
  return r.receiverTimeoutSeconds !== null && r.receiverTimeoutSeconds > 0 ? Math.max(10, r.receiverTimeoutSeconds) : SILENCE_LIMIT_SECONDS;
}

export type LagBasis = 'caught-up' | 'primary-replay-lag' | 'replay-timestamp' | 'wal-history';

export interface Estimate {
  seconds: number;
  basis: LagBasis;
}

export interface ReplicaLag {
  /** Stable across samples: the --replica target, else application_name@client_addr. */
  id: string;
  /** For display; unique within one report. */
  name: string;
  /** The --replica this entry was matched with (host:port), if any. */
  target: string | null;
  /** The name the primary knows it by (application_name), if known. */
  applicationName: string | null;
  onPrimary: boolean;
  clientAddr: string | null;
  state: string | null;
  syncState: string | null;
  sentLagBytes: number | null;
  writeLagBytes: number | null;
  flushLagBytes: number | null;
  replayLagBytes: number | null;
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
  replyAgeSeconds: number | null;
  inRecovery: boolean | null;
  receiveLsn: string | null;
  replayLsn: string | null;
  pauseState: string | null;
  replayAdvancing: boolean | null;
  receiverStatus: string | null;
  /** Whether the replica runs a WAL receiver at all; null when the replica was not asked. */
  hasReceiver: boolean | null;
  lastMessageAgeSeconds: number | null;
  replayTimestampAgeSeconds: number | null;
  /** Replay lag in bytes. */
  lagBytes: number | null;
  /** Best available replay lag in seconds. */
  lagSeconds: number | null;
  lagBasis: LagBasis | null;
  /** True when the replica itself says its receiver is streaming and heard from the primary recently. */
  receiverConnected: boolean | null;
  error: string | null;
  errorKind: 'unreachable' | 'rejected' | null;
}

/** Replica-side lag with the idle guard: caught up only when streaming, recently heard from, and fully replayed. */
export function replicaSideLag(r: ReplicaSnapshot): Estimate | null {
  if (!r.inRecovery) return null;
  const receive = parseLsn(r.receiveLsn);
  const replay = parseLsn(r.replayLsn);
  const fullyReplayed = receive !== undefined && replay !== undefined && replay >= receive;
  if (fullyReplayed && isReceiverConnected(r)) return { seconds: 0, basis: 'caught-up' };
  // Receiver details hidden (no pg_monitor): an idle replica's replay timestamp would read as false lag.
  if (fullyReplayed && r.hasReceiver && r.receiverStatus === null) return null;
  if (r.replayTimestampAgeSeconds !== null) return { seconds: Math.max(0, r.replayTimestampAgeSeconds), basis: 'replay-timestamp' };
  return null;
}

export function isReceiverConnected(r: ReplicaSnapshot): boolean {
  return r.receiverStatus === 'streaming' && r.lastMessageAgeSeconds !== null && r.lastMessageAgeSeconds <= silenceLimitSeconds(r);
}

/** Whether the replica's WAL receiver is connected; null when unknown (not asked, not a replica, details hidden). */
function receiverConnected(r: ReplicaSnapshot): boolean | null {
  if (r.error !== null || !r.inRecovery) return null;
  if (r.hasReceiver && r.receiverStatus === null) return null;
  return isReceiverConnected(r);
}

/**
 * Primary-side lag: 0 when the replica has replayed everything the primary wrote (replay_lag then only
 * remembers the last catch-up), else the replay_lag interval.
 */
export function primarySideLag(row: WalSenderRow, replayLagBytes: number | null): Estimate | null {
  if (replayLagBytes === 0 && row.state === 'streaming') return { seconds: 0, basis: 'caught-up' };
  if (row.replayLagSeconds !== null) return { seconds: row.replayLagSeconds, basis: 'primary-replay-lag' };
  return null;
}

/**
 * Picks the replay lag that is true now. The primary's replay_lag is exact while replay advances but keeps its
 * last value when replay stops (paused, blocked by a conflict); the replica's replay-timestamp age is an upper
 * bound that overshoots after an idle spell. So: caught up per the primary wins; a stuck replay uses the
 * replica's age; otherwise replay_lag; otherwise whatever the replica can say.
 */
export function bestLag(fromPrimary: Estimate | null, replica: ReplicaSnapshot | null): Estimate | null {
  const fromReplica = replica ? replicaSideLag(replica) : null;
  if (fromPrimary?.basis === 'caught-up') return fromPrimary;
  const stuck = replica !== null && (replica.pauseState === 'paused' || replica.pauseState === 'pause requested' || replica.replayAdvancing === false);
  if (stuck) return fromReplica;
  return fromPrimary ?? fromReplica;
}

/** One entry per replica known to either side. */
export function computeReplicaLags(primary: PrimarySnapshot | null, replicas: readonly ReplicaSnapshot[]): ReplicaLag[] {
  const rows = (primary?.walSenders ?? []).filter(isReplicaWalSender);
  const matched = matchReplicas(rows, replicas, primary);
  const rowOwner = new Map<WalSenderRow, ReplicaSnapshot>();
  for (const [replica, row] of matched) rowOwner.set(row, replica);

  const pairs = [
    ...rows.map((row) => ({ row, replica: rowOwner.get(row) ?? null })),
    ...replicas.filter((r) => !matched.has(r)).map((replica) => ({ row: null, replica })),
  ];
  const ids = identify(pairs);
  return pairs.map((p, i) => combine(primary, p.row, p.replica, ids[i] as Identified));
}

function combine(primary: PrimarySnapshot | null, row: WalSenderRow | null, replica: ReplicaSnapshot | null, who: Identified): ReplicaLag {
  const current = primary?.currentLsn ?? null;
  const bytes = (lsn: string | null | undefined) => (row ? (lsnBytesBetween(current, lsn) ?? null) : null);
  const replayLagBytes = bytes(row?.replayLsn);
  // A replica the primary does not list is measured against the primary's position from its own replay LSN.
  const lagBytes = row ? replayLagBytes : (lsnBytesBetween(current, replica?.replayLsn) ?? null);

  const best = bestLag(row ? primarySideLag(row, replayLagBytes) : null, replica);
  return {
    id: who.id,
    name: who.name,
    target: replica?.target ?? null,
    applicationName: row?.applicationName ?? replica?.receiverApplicationName ?? null,
    onPrimary: row !== null,
    clientAddr: row?.clientAddr ?? null,
    state: row?.state ?? null,
    syncState: row?.syncState ?? null,
    sentLagBytes: bytes(row?.sentLsn),
    writeLagBytes: bytes(row?.writeLsn),
    flushLagBytes: bytes(row?.flushLsn),
    replayLagBytes,
    writeLagSeconds: row?.writeLagSeconds ?? null,
    flushLagSeconds: row?.flushLagSeconds ?? null,
    replayLagSeconds: row?.replayLagSeconds ?? null,
    replyAgeSeconds: row?.replyAgeSeconds ?? null,
    inRecovery: replica?.inRecovery ?? null,
    receiveLsn: replica?.receiveLsn ?? null,
    replayLsn: replica?.replayLsn ?? row?.replayLsn ?? null,
    pauseState: replica?.pauseState ?? null,
    replayAdvancing: replica?.replayAdvancing ?? null,
    receiverStatus: replica?.receiverStatus ?? null,
    hasReceiver: replica && replica.error === null ? replica.hasReceiver : null,
    lastMessageAgeSeconds: replica?.lastMessageAgeSeconds ?? null,
    replayTimestampAgeSeconds: replica?.replayTimestampAgeSeconds ?? null,
    lagBytes,
    lagSeconds: best ? round3(best.seconds) : null,
    lagBasis: best?.basis ?? null,
    receiverConnected: replica ? receiverConnected(replica) : null,
    error: replica?.error ?? null,
    errorKind: replica?.errorKind ?? null,
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The primary sees this replica streaming right now. */
export function streamsPerPrimary(lag: ReplicaLag): boolean {
  return lag.onPrimary && lag.state === 'streaming';
}
