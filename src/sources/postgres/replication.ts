// Reads replication state: pg_stat_replication on the primary, recovery and WAL receiver state on a replica.
import { receiverApplicationName } from '../../core/lag/conninfo.js';
import { parseLsn } from '../../core/lag/lsn.js';
import type { PrimarySnapshot, ReplayPauseState, ReplicaSnapshot, WalSenderRow } from '../../core/lag/replicationSnapshot.js';
import { SourceError } from '../../errors.js';
import { resolveHost } from '../resolveHost.js';
import type { PgConnection } from './connect.js';

const SERVER_SQL = `
SELECT current_user AS role,
       current_setting('server_version') AS server_version,
       current_setting('server_version_num')::int AS version_num,
       current_setting('cluster_name') AS cluster_name,
       pg_is_in_recovery() AS in_recovery,
       COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
         OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS can_read_stats`;

function walSendersSql(versionNum: number): string {
  // reply_time exists from PostgreSQL 12.
  const replyAge = versionNum >= 120000 ? 'extract(epoch FROM clock_timestamp() - r.reply_time)::float8' : 'NULL::float8';
  return `
SELECT r.pid, r.application_name, r.client_addr::text AS client_addr, r.state, r.sync_state,
       r.sent_lsn::text AS sent_lsn, r.write_lsn::text AS write_lsn, r.flush_lsn::text AS flush_lsn, r.replay_lsn::text AS replay_lsn,
       extract(epoch FROM r.write_lag)::float8 AS write_lag,
       extract(epoch FROM r.flush_lag)::float8 AS flush_lag,
       extract(epoch FROM r.replay_lag)::float8 AS replay_lag,
       ${replyAge} AS reply_age,
       a.datname AS database
  FROM pg_stat_replication r
  LEFT JOIN pg_stat_activity a ON a.pid = r.pid
 ORDER BY r.application_name, r.pid`;
}

// Flushed WAL, not inserted: walsenders only ship what is flushed, and an uncommitted bulk load is not staleness yet.
const CURRENT_LSN_SQL = `
SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_flush_lsn() END)::text AS lsn`;

function receiverSql(versionNum: number): string {
  // sender_host / sender_port (the upstream this replica streams from) exist from PostgreSQL 11.
  const sender = versionNum >= 110000 ? 'sender_host, sender_port' : 'NULL::text AS sender_host, NULL::int AS sender_port';
  return `
SELECT pid, status, ${sender},
       extract(epoch FROM clock_timestamp() - last_msg_receipt_time)::float8 AS last_msg_age,
       conninfo,
       (SELECT setting::int FROM pg_settings WHERE name = 'wal_receiver_timeout') AS receiver_timeout_ms
  FROM pg_stat_wal_receiver`;
}

function replicaStateSql(versionNum: number): string {
  // pg_get_wal_replay_pause_state() exists from PostgreSQL 14; before that only a boolean is known.
  const pause = versionNum >= 140000 ? 'pg_get_wal_replay_pause_state()' : `CASE WHEN pg_is_wal_replay_paused() THEN 'paused' ELSE 'not paused' END`;
  return `
SELECT pg_last_wal_receive_lsn()::text AS receive_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       CASE WHEN pg_is_in_recovery() THEN ${pause} END AS pause_state,
       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 AS replay_ts_age`;
}

interface ServerRow {
  role: string;
  server_version: string;
  version_num: number;
  cluster_name: string;
  in_recovery: boolean;
  can_read_stats: boolean;
}

async function serverInfo(db: PgConnection): Promise<ServerRow> {
  const [row] = await db.query<ServerRow>(SERVER_SQL);
  if (!row) throw new Error('server info query returned no row');
  if (row.version_num < 100000) {
    throw new SourceError(`PostgreSQL ${row.server_version} at ${db.target} is not supported`, 'cachedoctor needs PostgreSQL 10 or newer');
  }
  return row;
}

export async function readPrimary(db: PgConnection, timeoutMs: number): Promise<PrimarySnapshot> {
  const info = await serverInfo(db);
  const [lsn] = await db.query<{ lsn: string | null }>(CURRENT_LSN_SQL);
  const rows = await db.query<Record<string, unknown>>(walSendersSql(info.version_num));
  return {
    target: db.target,
    port: db.port,
    addresses: await resolveHost(db.host, timeoutMs),
    role: info.role,
    serverVersion: info.server_version,
    inRecovery: info.in_recovery,
    currentLsn: lsn?.lsn ?? null,
    canReadStats: info.can_read_stats,
    walSenders: rows.map(toWalSender),
  };
}

function toWalSender(r: Record<string, unknown>): WalSenderRow {
  return {
    pid: Number(r.pid),
    applicationName: (r.application_name as string | null) || null,
    clientAddr: (r.client_addr as string | null)?.replace(/\/(32|128)$/, '') ?? null,
    state: (r.state as string | null) ?? null,
    syncState: (r.sync_state as string | null) ?? null,
    sentLsn: (r.sent_lsn as string | null) ?? null,
    writeLsn: (r.write_lsn as string | null) ?? null,
    flushLsn: (r.flush_lsn as string | null) ?? null,
    replayLsn: (r.replay_lsn as string | null) ?? null,
    writeLagSeconds: (r.write_lag as number | null) ?? null,
    flushLagSeconds: (r.flush_lag as number | null) ?? null,
    replayLagSeconds: (r.replay_lag as number | null) ?? null,
    replyAgeSeconds: (r.reply_age as number | null) ?? null,
    database: (r.database as string | null) ?? null,
  };
}

/** How long to wait before the second look at a replay position that trails the received WAL. */
export const REPLAY_RECHECK_MS = 200;

export async function readReplica(db: PgConnection, addresses: string[], timeoutMs: number): Promise<ReplicaSnapshot> {
  const info = await serverInfo(db);
  const [state] = await db.query<Record<string, unknown>>(replicaStateSql(info.version_num));
  const [receiver] = await db.query<Record<string, unknown>>(receiverSql(info.version_num));
  const senderHost = (receiver?.sender_host as string | null) ?? null;
  const senderPort = (receiver?.sender_port as number | null) ?? null;
  const timeoutSetting = (receiver?.receiver_timeout_ms as number | null) ?? null;
  const replayLsn = (state?.replay_lsn as string | null) ?? null;
  let replayAdvancing: boolean | null = null;
  const receive = parseLsn(state?.receive_lsn as string | null);
  const replay = parseLsn(replayLsn);
  if (receive !== undefined && replay !== undefined && receive > replay) {
    await new Promise((r) => setTimeout(r, REPLAY_RECHECK_MS));
    const [again] = await db.query<{ replay_lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS replay_lsn');
    const later = parseLsn(again?.replay_lsn);
    replayAdvancing = later !== undefined && later > replay;
  }
  return {
    target: db.target,
    host: db.host,
    addresses,
    upstream: senderHost !== null && senderPort !== null ? { host: senderHost, port: senderPort, addresses: await resolveHost(senderHost, timeoutMs) } : null,
    receiverTimeoutSeconds: timeoutSetting === null ? null : timeoutSetting / 1000,
    error: null,
    errorKind: null,
    errorHint: null,
    role: info.role,
    inRecovery: info.in_recovery,
    clusterName: info.cluster_name || null,
    receiverApplicationName: receiverApplicationName((receiver?.conninfo as string | null) ?? null),
    receiveLsn: (state?.receive_lsn as string | null) ?? null,
    replayLsn,
    pauseState: (state?.pause_state as ReplayPauseState | null) ?? null,
    replayAdvancing,
    replayTimestampAgeSeconds: (state?.replay_ts_age as number | null) ?? null,
    receiverStatus: (receiver?.status as string | null) ?? null,
    hasReceiver: receiver !== undefined,
    lastMessageAgeSeconds: (receiver?.last_msg_age as number | null) ?? null,
    canReadStats: info.can_read_stats,
  };
}

/** A replica that could not be asked: only its address and the reason. */
export function unaskedReplica(target: string, host: string, addresses: string[], err: SourceError): ReplicaSnapshot {
  return {
    target,
    host,
    addresses,
    upstream: null,
    receiverTimeoutSeconds: null,
    error: err.reason,
    errorKind: err.category,
    errorHint: err.hint ?? null,
    role: null,
    inRecovery: null,
    clusterName: null,
    receiverApplicationName: null,
    receiveLsn: null,
    replayLsn: null,
    pauseState: null,
    replayAdvancing: null,
    replayTimestampAgeSeconds: null,
    receiverStatus: null,
    hasReceiver: false,
    lastMessageAgeSeconds: null,
    canReadStats: false,
  };
}
