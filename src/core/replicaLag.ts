// Joins the primary's view of each replica with the replica's own, and works out replay lag in bytes and seconds.
import { lsnBytesBetween, parseLsn } from './lsn.js';
import type { PrimarySnapshot, ReplicaSnapshot, WalSenderRow } from './replicationSnapshot.js';

/**
 * A healthy idle link hears from the primary at least every ~30 s (wal_sender_timeout / 2),
 * so a last message older than this means the receiver is not really connected.
 */
export const RECEIVER_SILENCE_LIMIT_SECONDS = 45;

export type LagBasis = 'caught-up' | 'primary-replay-lag' | 'replay-timestamp';

export interface Estimate {
  seconds: number;
  basis: LagBasis;
}

export interface ReplicaLag {
  name: string;
  /** The --replica this entry was matched with (host:port), if any. */
  target: string | null;
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
  return (
    r.receiverStatus === 'streaming' &&
    r.lastMessageAgeSeconds !== null &&
    r.lastMessageAgeSeconds <= RECEIVER_SILENCE_LIMIT_SECONDS
  );
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

/** Pairs each --replica with its pg_stat_replication row: by application name, then by client address. */
export function matchReplicas(rows: readonly WalSenderRow[], replicas: readonly ReplicaSnapshot[]): Map<ReplicaSnapshot, WalSenderRow> {
  const matched = new Map<ReplicaSnapshot, WalSenderRow>();
  const taken = new Set<WalSenderRow>();
  const pick = (candidates: WalSenderRow[]) => {
    const free = candidates.filter((c) => !taken.has(c));
    return free.length === 1 ? free[0] : undefined;
  };
  for (const replica of replicas) {
    if (replica.error !== null || !replica.inRecovery) continue;
    const names = [replica.receiverApplicationName, replica.clusterName].filter((n): n is string => !!n);
    const byName = rows.filter((row) => row.applicationName !== null && names.includes(row.applicationName));
    const byBoth = byName.filter((row) => row.clientAddr === replica.host);
    const byAddr = rows.filter((row) => row.clientAddr === replica.host);
    const row = pick(byBoth) ?? pick(byName) ?? (byName.length === 0 ? pick(byAddr) : undefined);
    if (row) {
      matched.set(replica, row);
      taken.add(row);
    }
  }
  return matched;
}

/** One entry per replica known to either side. */
export function computeReplicaLags(primary: PrimarySnapshot | null, replicas: readonly ReplicaSnapshot[]): ReplicaLag[] {
  const rows = primary?.walSenders ?? [];
  const matched = matchReplicas(rows, replicas);
  const rowOwner = new Map<WalSenderRow, ReplicaSnapshot>();
  for (const [replica, row] of matched) rowOwner.set(row, replica);

  const out: ReplicaLag[] = rows.map((row) => combine(primary, row, rowOwner.get(row) ?? null));
  for (const replica of replicas) if (!matched.has(replica)) out.push(combine(primary, null, replica));
  return out;
}

function combine(primary: PrimarySnapshot | null, row: WalSenderRow | null, replica: ReplicaSnapshot | null): ReplicaLag {
  const current = primary?.currentLsn ?? null;
  const bytes = (lsn: string | null | undefined) => (row ? (lsnBytesBetween(current, lsn) ?? null) : null);
  const replayLagBytes = bytes(row?.replayLsn);
  // A replica the primary does not list is measured against the primary's position from its own replay LSN.
  const lagBytes = row ? replayLagBytes : (lsnBytesBetween(current, replica?.replayLsn) ?? null);

  const best = bestLag(row ? primarySideLag(row, replayLagBytes) : null, replica);
  return {
    name: row?.applicationName ?? replica?.clusterName ?? replica?.target ?? `walsender pid ${row?.pid}`,
    target: replica?.target ?? null,
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
    receiverConnected: replica && replica.error === null && replica.inRecovery ? isReceiverConnected(replica) : null,
    error: replica?.error ?? null,
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
