// The rules that turn replica lag snapshots into findings.
import { finding, type Finding } from '../findings/findings.js';
import { plural } from '../plural.js';
import { formatBytes, formatSeconds } from '../units.js';
import { type ReplicaLag, SILENCE_LIMIT_SECONDS } from './replicaLag.js';
import { isReplicaWalSender } from './replicaMatch.js';
import type { PrimarySnapshot, ReplicaSnapshot } from './replicationSnapshot.js';

export interface LagThresholds {
  maxLagSeconds: number;
  maxLagBytes: number;
  /** Fail when the primary lists fewer streaming replicas than this. */
  expectReplicas: number | null;
}

const GRANT_FIX = (role: string) => `GRANT pg_monitor TO ${quoteRole(role)};`;

export function lagFindings(
  primary: PrimarySnapshot | null,
  replicaSnapshots: readonly ReplicaSnapshot[],
  lags: readonly ReplicaLag[],
  t: LagThresholds,
): Finding[] {
  const findings: Finding[] = [];
  if (primary) findings.push(...primaryFindings(primary, lags, t));
  for (const r of replicaSnapshots) findings.push(...replicaServerFindings(r, lags));
  for (const lag of lags) findings.push(...replicaLagFindings(lag, t));
  return findings;
}

function primaryFindings(primary: PrimarySnapshot, lags: readonly ReplicaLag[], t: LagThresholds): Finding[] {
  const out: Finding[] = [];
  if (primary.inRecovery) {
    out.push(
      finding('not-primary', `${primary.target} is in recovery (a standby), not the primary: staleness measured against it is meaningless`, {
        target: primary.target,
        fix: 'point --pg (or DATABASE_URL) at the primary',
      }),
    );
  }
  const hidden = primary.walSenders.filter((w) => w.state === null);
  if (hidden.length > 0 || (!primary.canReadStats && primary.walSenders.length > 0)) {
    out.push(
      finding(
        'insufficient-privilege',
        `role ${primary.role} on ${primary.target} cannot see replication details (pg_stat_replication columns are NULL): replica lag is unknown`,
        { target: primary.target, role: primary.role, fix: GRANT_FIX(primary.role) },
      ),
    );
  }
  const streaming = primary.walSenders.filter((w) => isReplicaWalSender(w) && w.state === 'streaming').length;
  if (t.expectReplicas !== null && hidden.length === 0 && streaming < t.expectReplicas) {
    out.push(
      finding('replica-disconnected', `the primary lists ${plural(streaming, 'streaming replica')}, expected ${t.expectReplicas}`, {
        target: primary.target,
        streaming,
        expected: t.expectReplicas,
        fix: 'check the missing standbys: are they running, and can they reach the primary?',
      }),
    );
  }
  if (!primary.inRecovery && lags.length === 0 && t.expectReplicas === null) {
    out.push(
      finding('no-replicas', `the primary ${primary.target} has no streaming replicas: replica lag cannot cause stale fills here`, { target: primary.target }),
    );
  }
  return out;
}

function replicaServerFindings(r: ReplicaSnapshot, lags: readonly ReplicaLag[]): Finding[] {
  if (r.errorKind === 'rejected') {
    return [
      finding('source-failed', `cannot query replica ${r.target}: ${r.error}: its lag is unknown`, {
        source: 'replica',
        target: r.target,
        fix: r.errorHint ?? 'check the --replica URL and the role it uses',
      }),
    ];
  }
  if (r.error !== null) {
    // A standby the primary sees streaming from the same address may be this one at another port (a typo), or
    // this one behind a firewall: say so, without claiming it is.
    const near = lags.filter((l) => l.onPrimary && l.target === null && l.clientAddr !== null && r.addresses.includes(l.clientAddr)).map((l) => l.name);
    return [
      finding(
        'source-failed',
        `cannot reach replica ${r.target}: ${r.error}: its lag is unknown${near.length > 0 ? `; the primary sees ${near.join(', ')} streaming from the same address` : ''}`,
        {
          source: 'replica',
          target: r.target,
          fix:
            near.length > 0
              ? 'if that standby is this one, check the port in --replica (and the network path from here)'
              : (r.errorHint ?? 'check the --replica URL and the network path; if the replica is down, do not fill the cache from it'),
        },
      ),
    ];
  }
  const out: Finding[] = [];
  if (r.inRecovery === false) {
    out.push(
      finding('not-replica', `--replica ${r.target} is not in recovery: it is a primary (promoted, or the wrong URL), so reads from it may diverge`, {
        target: r.target,
        fix: 'check that this URL points at a standby; if it was promoted, stop routing replica reads to it',
      }),
    );
  }
  if (r.inRecovery && r.hasReceiver && r.receiverStatus === null && r.role !== null) {
    out.push(
      finding(
        'insufficient-privilege',
        `role ${r.role} on ${r.target} cannot see pg_stat_wal_receiver details: the idle guard cannot tell caught-up from disconnected`,
        { target: r.target, role: r.role, fix: GRANT_FIX(r.role) },
      ),
    );
  }
  return out;
}

function replicaLagFindings(lag: ReplicaLag, t: LagThresholds): Finding[] {
  const out: Finding[] = [];
  const base = { replica: lag.name, replicaId: lag.id, target: lag.target };
  if (lag.onPrimary && lag.target === null && lag.state === 'streaming') {
    out.push(
      finding(
        'replica-not-asked',
        `replica ${lag.name} was seen only from the primary: a paused or stuck replay looks like a small, steady lag from there, and its lag is the last one the primary measured`,
        { ...base, fix: 'pass its URL with --replica, so cachedoctor asks it whether it is replaying' },
      ),
    );
  }
  const disconnected = disconnectReason(lag);
  if (disconnected) {
    out.push(
      finding('replica-disconnected', `replica ${lag.name} ${disconnected}`, {
        ...base,
        lagSeconds: lag.lagSeconds,
        lagBytes: lag.lagBytes,
        fix: 'until it streams again, do not fill the cache from this replica; route those reads to the primary',
      }),
    );
  }
  if (lag.pauseState === 'paused' || lag.pauseState === 'pause requested') {
    out.push(
      finding(
        'replay-paused',
        `replica ${lag.name} has WAL replay ${lag.pauseState}: every write from now on is invisible there until pg_wal_replay_resume()`,
        { ...base, pauseState: lag.pauseState, fix: 'SELECT pg_wal_replay_resume(); on the replica, or stop reading from it' },
      ),
    );
  }
  const overSeconds = lag.lagSeconds !== null && lag.lagSeconds > t.maxLagSeconds;
  const overBytes = lag.lagBytes !== null && lag.lagBytes > t.maxLagBytes;
  if (overSeconds || overBytes) {
    out.push(
      finding(
        'replica-lag',
        `replica ${lag.name} is ${describeLag(lag)} behind the primary (limit ${formatSeconds(t.maxLagSeconds)} / ${formatBytes(t.maxLagBytes)}): a cache miss served from it re-fills Redis with old rows${
          lag.lagBasis === 'replay-timestamp'
            ? '; replay is stuck, and its last replayed commit is that old'
            : lag.lagBasis === 'wal-history'
              ? '; replay is stuck since then'
              : ''
        }`,
        {
          ...base,
          lagSeconds: lag.lagSeconds,
          lagBytes: lag.lagBytes,
          maxLagSeconds: t.maxLagSeconds,
          maxLagBytes: t.maxLagBytes,
          fix: 'route cache-miss reads after a write to the primary for at least the lag window (see advice)',
        },
      ),
    );
  }
  return out;
}

/** Why a replica counts as disconnected, or null. Hidden details never count as disconnected. */
function disconnectReason(lag: ReplicaLag): string | null {
  // One we could not ask is a source that failed (said once, by replicaServerFindings), not a disconnect.
  if (lag.error !== null) return null;
  if (lag.target !== null && lag.inRecovery === true) {
    if (lag.receiverConnected === false && lag.receiverStatus !== null) {
      return `is not streaming (WAL receiver ${lag.receiverStatus}, last message ${ageText(lag.lastMessageAgeSeconds)} ago)`;
    }
    if (lag.hasReceiver === false) {
      return lag.onPrimary ? 'has no WAL receiver' : 'has no WAL receiver and is not listed by the primary';
    }
  }
  if (lag.onPrimary && lag.state !== null && lag.state !== 'streaming' && lag.state !== 'catchup') {
    return `is in state ${lag.state} on the primary`;
  }
  if (lag.onPrimary && lag.replyAgeSeconds !== null && lag.replyAgeSeconds > SILENCE_LIMIT_SECONDS) {
    return `has not replied to the primary for ${formatSeconds(lag.replyAgeSeconds)}`;
  }
  return null;
}

function describeLag(lag: ReplicaLag): string {
  const parts: string[] = [];
  // The replay-timestamp age is an upper bound: the first unreplayed commit may be younger.
  const upperBound = lag.lagBasis === 'replay-timestamp' || lag.lagBasis === 'wal-history';
  if (lag.lagSeconds !== null) parts.push(`${upperBound ? 'up to ' : ''}${formatSeconds(lag.lagSeconds)}`);
  if (lag.lagBytes !== null) parts.push(formatBytes(lag.lagBytes));
  return parts.join(' / ');
}

function ageText(seconds: number | null): string {
  return seconds === null ? 'never' : formatSeconds(seconds);
}

function quoteRole(role: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(role) ? role : `"${role.replace(/"/g, '""')}"`;
}
