// Plain snapshots of what the primary and each replica report about replication. Sources fill them; core reads them.

/** One row of pg_stat_replication, read on the primary. NULL columns mean "not visible" (privileges) or "not known yet". */
export interface WalSenderRow {
  pid: number;
  applicationName: string | null;
  clientAddr: string | null;
  state: string | null;
  syncState: string | null;
  sentLsn: string | null;
  writeLsn: string | null;
  flushLsn: string | null;
  replayLsn: string | null;
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
  replyAgeSeconds: number | null;
  /** The database a logical walsender is connected to; null for physical replication. */
  database: string | null;
}

export interface PrimarySnapshot {
  /** host:port, never with credentials. */
  target: string;
  port: number;
  /** IP addresses of the host we connected to (to recognise it as a replica's upstream). */
  addresses: string[];
  role: string;
  serverVersion: string;
  inRecovery: boolean;
  /** pg_current_wal_lsn(), or the replay position when the server is itself in recovery. */
  currentLsn: string | null;
  /** Superuser or member of pg_read_all_stats (pg_monitor includes it). */
  canReadStats: boolean;
  walSenders: WalSenderRow[];
}

export type ReplayPauseState = 'not paused' | 'pause requested' | 'paused';

/** What one --replica server says about itself, or why it could not be asked. */
export interface ReplicaSnapshot {
  /** host:port, never with credentials. */
  target: string;
  host: string;
  /** IP addresses of the URL's host, to match the client_addr the primary sees. */
  addresses: string[];
  /** The server this replica streams from (pg_stat_wal_receiver sender_host/port, PostgreSQL 11+), when visible. */
  upstream: { host: string; port: number; addresses: string[] } | null;
  /** wal_receiver_timeout: how long the receiver waits in silence before it gives up (0 = never). */
  receiverTimeoutSeconds: number | null;
  /** Why the replica could not be asked, or null. */
  error: string | null;
  /** unreachable: down or silent; rejected: it answered but refused us (password, privileges, TLS). */
  errorKind: 'unreachable' | 'rejected' | null;
  /** The next step for a rejected connection ("check the password in --replica"). */
  errorHint: string | null;
  role: string | null;
  inRecovery: boolean | null;
  clusterName: string | null;
  /** application_name the WAL receiver connects with (from its conninfo), when visible. */
  receiverApplicationName: string | null;
  receiveLsn: string | null;
  replayLsn: string | null;
  pauseState: ReplayPauseState | null;
  /**
   * With WAL received but not yet replayed: did replay move during a short second look?
   * false means replay is stuck (paused or blocked by a query conflict); null when not checked.
   */
  replayAdvancing: boolean | null;
  /** now() - pg_last_xact_replay_timestamp(); NULL before the first replayed transaction. */
  replayTimestampAgeSeconds: number | null;
  /** pg_stat_wal_receiver.status; null when there is no receiver or its details are hidden. */
  receiverStatus: string | null;
  /** True when a WAL receiver process exists (its pid is visible even without privileges). */
  hasReceiver: boolean;
  lastMessageAgeSeconds: number | null;
  canReadStats: boolean;
}
