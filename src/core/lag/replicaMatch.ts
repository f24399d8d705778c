// Which pg_stat_replication row belongs to which --replica, which rows are replicas at all, and stable ids for each.
import type { PrimarySnapshot, ReplicaSnapshot, WalSenderRow } from './replicationSnapshot.js';

/** Walsenders that stream WAL but serve no reads: base backups and WAL archivers. */
const NON_REPLICA_CLIENTS = new Set(['pg_basebackup', 'pg_receivewal', 'barman_receive_wal', 'pg_recvlogical']);

/** A physical standby that can serve reads: not a base backup, not a logical subscriber, not a WAL archiver. */
export function isReplicaWalSender(row: WalSenderRow): boolean {
  return row.state !== 'backup' && row.database === null && !NON_REPLICA_CLIENTS.has(row.applicationName ?? '');
}

/** true / false when the replica's upstream is / is not the primary we were given; null when unknown. */
export function streamsFrom(replica: ReplicaSnapshot, primary: PrimarySnapshot | null): boolean | null {
  if (!replica.upstream || !primary) return null;
  if (replica.upstream.port !== primary.port) return false;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const primaryHost = primary.target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (same(replica.upstream.host, primaryHost)) return true;
  return replica.upstream.addresses.some((a) => primary.addresses.includes(a));
}

/**
 * Pairs each --replica with its pg_stat_replication row. The strong evidence is the address: a row whose
 * client_addr is one of the replica host's addresses and whose name does not contradict it. Without an address
 * match (NAT, a proxy), a unique name is accepted only if the replica does not stream from some other server
 * (a cascaded standby often shares a default name such as "walreceiver" or "15/main").
 */
export function matchReplicas(
  rows: readonly WalSenderRow[],
  replicas: readonly ReplicaSnapshot[],
  primary: PrimarySnapshot | null,
): Map<ReplicaSnapshot, WalSenderRow> {
  const matched = new Map<ReplicaSnapshot, WalSenderRow>();
  const taken = new Set<WalSenderRow>();
  const one = (candidates: WalSenderRow[]) => {
    const free = candidates.filter((c) => !taken.has(c));
    return free.length === 1 ? free[0] : undefined;
  };
  for (const replica of replicas) {
    // One that refused us (a password) is a server at that address and port: matched by its address alone.
    if (replica.errorKind === 'rejected') {
      const row = one(rows.filter((r) => r.clientAddr !== null && replica.addresses.includes(r.clientAddr)));
      if (row) {
        matched.set(replica, row);
        taken.add(row);
      }
      continue;
    }
    // One we could not reach is not matched at all: its address alone cannot tell it from another standby on the
    // same host (a mistyped port), and a row lists no port to tell them apart. It is just unreachable.
    if (replica.error !== null || !replica.inRecovery) continue;
    const names = [replica.receiverApplicationName, replica.clusterName].filter((n): n is string => !!n);
    const nameFits = (row: WalSenderRow) => names.length === 0 || row.applicationName === null || names.includes(row.applicationName);
    const byAddress = rows.filter((row) => row.clientAddr !== null && replica.addresses.includes(row.clientAddr) && nameFits(row));
    const byName = rows.filter((row) => row.applicationName !== null && names.includes(row.applicationName));
    const row = one(byAddress) ?? (byAddress.length === 0 && streamsFrom(replica, primary) !== false ? one(byName) : undefined);
    if (row) {
      matched.set(replica, row);
      taken.add(row);
    }
  }
  return matched;
}

export interface Identified {
  id: string;
  name: string;
}

/**
 * A stable id per replica (the --replica target, else name@address) for grouping samples, and a display name
 * that is unique in the set (the --replica target, else the application_name, which replicas often share).
 */
export function identify(entries: readonly { row: WalSenderRow | null; replica: ReplicaSnapshot | null }[]): Identified[] {
  const base = entries.map(({ row, replica }) => ({
    id: replica?.target ?? `${row?.applicationName ?? 'walsender'}@${row?.clientAddr ?? 'local'}`,
    // One name across every command and part: the --replica as given (host:port), as scan and probe name it; a
    // replica only the primary sees, by its application_name (often a shared default such as "walreceiver").
    name: replica?.target ?? row?.applicationName ?? 'walsender',
    where: replica?.target ?? row?.clientAddr ?? null,
    pid: row?.pid,
  }));
  const count = (key: (b: (typeof base)[number]) => string) => {
    const m = new Map<string, number>();
    for (const b of base) m.set(key(b), (m.get(key(b)) ?? 0) + 1);
    return m;
  };
  const ids = count((b) => b.id);
  const names = count((b) => b.name);
  return base.map((b) => ({
    id: (ids.get(b.id) ?? 0) > 1 && b.pid !== undefined ? `${b.id}#${b.pid}` : b.id,
    name: (names.get(b.name) ?? 0) > 1 && b.where !== null && b.where !== b.name ? `${b.name} (${b.where})` : b.name,
  }));
}
