// Every finding kind, once: the commands that report it, its one severity, a title, what it means, its likely cause
// among the failure modes (checked for every kind by the type checker), the usual fix, and what its fields mean.
// The JSON Schema's list of kinds and docs/findings.md are generated from this table (npm run docs).
import type { CauseContext, CauseId } from './causes.js';
import type { Finding, Severity } from './findings.js';

export type CommandName = 'lag' | 'scan' | 'monitor' | 'follow' | 'report' | 'probe' | 'demo';

/** The likely cause: always the same one, none (not about stale data), or the possible ones decided from the
 * finding's evidence (one when it decides, most likely first when it does not). */
export type CauseRule = CauseId | null | { byEvidence: string; decide(f: Finding, ctx: CauseContext): readonly CauseId[] };

export interface KindSpec {
  commands: readonly CommandName[];
  severity: Severity;
  title: string;
  /** What the finding says, in one sentence. */
  meaning: string;
  cause: CauseRule;
  /** The usual fix; a finding may carry a more specific one. */
  fix: string | null;
  /** The finding's own fields (beyond kind, severity, message, fix) and what they mean. */
  fields: Readonly<Record<string, string>>;
}

const REPLICA_FIELDS = {
  replica: 'the replica, by the one name it has across the report',
  replicaId: 'a stable id: the --replica host:port, else application_name@client_addr',
  target: 'host:port of the server asked, or null when only the primary saw it',
} as const;

/**
 * A fill that read an old row: a replica that was behind, or a read that raced the write. Only evidence decides:
 * a replica still behind now (replicaEvidence), or, for what is seen live, every replica's lag measured and none
 * behind; no replicas at all rules replica lag out.
 */
function staleRead(replicaEvidence: boolean | null, ctx: CauseContext): readonly CauseId[] {
  if (replicaEvidence === true) return ['replica-lag'];
  if (ctx.noReplicas || (replicaEvidence === false && ctx.lagChecked && !ctx.replicasUnchecked)) return ['write-invalidate-race'];
  return ['write-invalidate-race', 'replica-lag'];
}

/** A stale entry, by when it was filled (fill, from its TTL) against the row's last write. */
const BY_FILL_TIME: CauseRule = {
  byEvidence:
    "when the entry was filled (from its TTL) against the row's last write: before it, never invalidated; at it, a race (or a replica); after it, a stale read (a lagging replica when one still serves the cached version, else a race or a replica behind then); unknown, all of these. A TTL learned from the sample, not given, only orders them",
  decide: (f, ctx) => {
    const replica = typeof f.laggingReplica === 'string';
    // A replica that lacks the write now lacked it at the fill; one caught up now may not have been then.
    const read = replica ? (['replica-lag'] as const) : staleRead(null, ctx);
    // A learned fill TTL assumes every fill sets the same one (jitter breaks it): it says what is likely, not certain.
    const likely = (ids: readonly CauseId[]): readonly CauseId[] =>
      f.ttlBasis === 'learned' ? [...new Set([...ids, ...read, 'not-invalidated' as const])] : ids;
    switch (f.fill) {
      case 'before-write':
        return likely(['not-invalidated']);
      case 'at-write':
        return likely(replica ? ['replica-lag', 'write-invalidate-race'] : staleRead(null, ctx));
      case 'after-write':
        return likely(read);
      default:
        return ['not-invalidated', ...read];
    }
  },
};

/** A fill seen live in the command stream read an old row: the replicas' state now is their state then. */
const LIVE_STALE_READ: CauseRule = {
  byEvidence:
    'a lagging replica when the report finds one behind, a write/invalidate race when it measured every replica and found none behind, both otherwise',
  decide: (_, ctx) => staleRead(ctx.lagChecked ? ctx.replicaBehind : null, ctx),
};

const ROUTE_TO_PRIMARY = 'route cache-miss reads after a write to the primary for at least the lag window (see advice)';

export const FINDING_KINDS = {
  // --- replication (lag, probe) ---
  'replica-lag': {
    commands: ['lag', 'probe', 'report'],
    severity: 'critical',
    title: 'Replica lag over the limit',
    meaning: 'a replica is further behind the primary than --max-lag-seconds or --max-lag-bytes: a cache miss served from it re-fills Redis with old rows',
    cause: 'replica-lag',
    fix: ROUTE_TO_PRIMARY,
    fields: {
      ...REPLICA_FIELDS,
      lagSeconds: 'seconds behind (an upper bound when replay is stuck)',
      lagBytes: 'bytes of WAL behind the primary',
      maxLagSeconds: 'the limit in seconds',
      maxLagBytes: 'the limit in bytes',
      maxMs: 'probe: the slowest visibility measured, in ms',
    },
  },
  'replay-paused': {
    commands: ['lag', 'probe', 'report'],
    severity: 'warning',
    title: 'Replay paused',
    meaning: 'a replica has WAL replay paused: every write from then on is invisible there',
    cause: 'replica-lag',
    fix: 'SELECT pg_wal_replay_resume(); on the replica, or stop reading from it',
    fields: { ...REPLICA_FIELDS, pauseState: 'paused or pause requested' },
  },
  'replica-disconnected': {
    commands: ['lag', 'report'],
    severity: 'critical',
    title: 'Replica disconnected',
    meaning: 'a replica cannot be reached or is not streaming, or fewer replicas stream than --expect-replicas',
    cause: 'replica-lag',
    fix: 'until it streams again, do not fill the cache from this replica; route those reads to the primary',
    fields: {
      ...REPLICA_FIELDS,
      lagSeconds: 'seconds behind, if known',
      lagBytes: 'bytes behind, if known',
      streaming: '--expect-replicas: replicas streaming',
      expected: '--expect-replicas: replicas expected',
    },
  },
  'replica-not-asked': {
    commands: ['lag', 'report'],
    severity: 'info',
    title: 'Replica seen only from the primary',
    meaning: 'a streaming replica was not given with --replica: a paused replay looks like a small, steady lag from the primary',
    cause: null,
    fix: 'pass its URL with --replica, so cachedoctor asks it whether it is replaying',
    fields: REPLICA_FIELDS,
  },
  'not-primary': {
    commands: ['lag', 'report'],
    severity: 'critical',
    title: '--pg is a standby',
    meaning: 'the server given as the primary is in recovery: staleness measured against it is meaningless',
    cause: null,
    fix: 'point --pg (or DATABASE_URL) at the primary',
    fields: { target: 'host:port of the server' },
  },
  'not-replica': {
    commands: ['lag', 'report'],
    severity: 'critical',
    title: '--replica is a primary',
    meaning: 'a server given as a replica is not in recovery (promoted, or the wrong URL): reads from it may diverge',
    cause: null,
    fix: 'check that this URL points at a standby; if it was promoted, stop routing replica reads to it',
    fields: { target: 'host:port of the server' },
  },
  'insufficient-privilege': {
    commands: ['lag', 'report'],
    severity: 'warning',
    title: 'Role cannot see replication details',
    meaning: 'pg_stat_replication or pg_stat_wal_receiver columns are NULL for this role: lag is unknown',
    cause: null,
    fix: 'GRANT pg_monitor TO <role>;',
    fields: { target: 'host:port of the server', role: 'the role cachedoctor connected as' },
  },
  'no-replicas': {
    commands: ['lag', 'report'],
    severity: 'info',
    title: 'No replicas',
    meaning: 'the primary has no streaming replicas: replica lag cannot cause stale fills here',
    cause: null,
    fix: null,
    fields: { target: 'host:port of the primary' },
  },
  'write-not-visible': {
    commands: ['probe'],
    severity: 'critical',
    title: 'Write never visible on a replica',
    meaning: 'a committed canary write did not show on a replica within --max-wait',
    cause: 'replica-lag',
    fix: 'check replay on the replica (cachedoctor lag); until it shows writes again, fill the cache from the primary',
    fields: { replica: 'the replica', maxWaitMs: 'how long probe waited, in ms' },
  },
  // --- the cache against the primary (scan) ---
  stale: {
    commands: ['scan', 'report'],
    severity: 'critical',
    title: 'Stale cache entry',
    meaning: 'the cached version is behind the row on the primary, and still was after --grace',
    cause: BY_FILL_TIME,
    fix: null,
    fields: {
      key: 'the Redis key',
      mapping: 'the mapping it belongs to',
      cacheVersion: 'the version in the cached value',
      rowVersion: 'the version of the row on the primary',
      versionsBehind: 'counter versions behind, if a counter',
      secondsBehind: 'how long the entry has been wrong (now minus the row updatedAt), if known',
      ttlSeconds: 'TTL left, or null for none',
      fill: "when the entry was filled against the row's last write: before-write, at-write, after-write or unknown",
      filledSecondsAgo: 'seconds since the fill (the fill TTL minus the TTL left; at least this when the TTL was learned), or null',
      ttlBasis: 'where the fill TTL came from: given (ttl in the mapping, --ttl), learned (the longest TTL left in the sample), or null',
      laggingReplica: 'the replica that still serves the cached version (--replicas), or null',
    },
  },
  'version-not-bumped': {
    commands: ['scan', 'report'],
    severity: 'critical',
    title: 'Same version, different data',
    meaning: "the cached version equals the row's, but a --compare field differs: a write that did not bump the version",
    cause: null,
    fix: 'bump the version on every write of the row (e.g. a trigger: NEW.version := OLD.version + 1), so fills and checks can tell old from new',
    fields: { key: 'the Redis key', mapping: 'the mapping', cacheVersion: 'the version in both', detail: 'which field differs, and how' },
  },
  ahead: {
    commands: ['scan', 'report'],
    severity: 'warning',
    title: 'Cache ahead of the primary',
    meaning: 'the cached version is newer than the row: a fill from a write that rolled back, or from an uncommitted read',
    cause: null,
    fix: 'look for a fill made before its transaction committed (or from a write that rolled back): fill the cache only after commit',
    fields: { key: 'the Redis key', mapping: 'the mapping', cacheVersion: 'the cached version', rowVersion: 'the row version', detail: 'why it is ahead' },
  },
  orphan: {
    commands: ['scan', 'report'],
    severity: 'warning',
    title: 'Cache entry without a row',
    meaning: 'the key has no row on the primary: a delete that did not invalidate, or a fill from a stale read',
    cause: {
      byEvidence: 'a delete that did not invalidate, or a fill from a replica that still has the row (laggingReplica) or from a read that raced the delete',
      decide: (f, ctx) => ['not-invalidated', ...(typeof f.laggingReplica === 'string' ? (['replica-lag'] as const) : staleRead(null, ctx))],
    },
    fix: null,
    fields: { key: 'the Redis key', mapping: 'the mapping', cacheVersion: 'the cached version', laggingReplica: 'a replica that still has the row, or null' },
  },
  undecodable: {
    commands: ['scan', 'report'],
    severity: 'warning',
    title: 'Value cachedoctor cannot read',
    meaning: 'not JSON, not UTF-8, no version field, or a key that cannot be an id: it cannot be compared',
    cause: null,
    fix: 'check the mapping (key template, version field, encoding) against what the writers store; a value this tool cannot read, a version check on fill cannot read either',
    fields: { key: 'the Redis key', mapping: 'the mapping', detail: 'what could not be read' },
  },
  oversized: {
    commands: ['scan', 'report'],
    severity: 'info',
    title: 'Value too big to fetch',
    meaning: 'the value is bigger than --max-value-bytes: it was measured, not fetched, and not compared',
    cause: null,
    fix: 'raise --max-value-bytes to compare it',
    fields: { key: 'the Redis key', mapping: 'the mapping', detail: 'its size' },
  },
  'no-ttl': {
    commands: ['scan', 'report'],
    severity: 'info',
    title: 'Keys without a TTL',
    meaning: 'keys of a mapping never expire: a missed invalidation stays wrong forever',
    cause: 'no-ttl',
    fix: 'set a TTL on every fill (SET ... EX), so an entry a missed invalidation left wrong heals by itself',
    fields: { mapping: 'the mapping', count: 'keys without a TTL', examples: 'a few of them' },
  },
  'no-keys': {
    commands: ['scan', 'report'],
    severity: 'critical',
    title: 'Mapping compared nothing',
    meaning: 'no key matched the template, or none could be compared: the scan proves nothing (a mistyped template, an empty cache)',
    cause: null,
    fix: 'check the key template against real keys (redis-cli --scan --pattern ...)',
    fields: { mapping: 'the mapping' },
  },
  'node-not-scanned': {
    commands: ['scan', 'report'],
    severity: 'critical',
    title: 'Cluster master not scanned',
    meaning: 'a Redis Cluster master could not be read: the keys in its slots were not scanned',
    cause: null,
    fix: 'check the node (CLUSTER NODES, its log); once a replica has taken over its slots, scan again',
    fields: { node: 'host:port of the master' },
  },
  'keys-mid-migration': {
    commands: ['scan', 'report'],
    severity: 'warning',
    title: 'Keys on the move',
    meaning: 'keys could not be read because their slots were moving between masters (a reshard in progress)',
    cause: null,
    fix: 'scan again once the reshard has finished (redis-cli --cluster check)',
    fields: { count: 'keys not read' },
  },
  // --- the command stream (monitor) ---
  'stale-fill': {
    commands: ['monitor', 'report'],
    severity: 'critical',
    title: 'Fill with an older version',
    meaning: 'a fill wrote a version lower than one already cached: the fill read the row before a write reached its source',
    cause: LIVE_STALE_READ,
    fix: null,
    fields: {
      key: 'the Redis key',
      mapping: 'the mapping (or match)',
      client: 'the client that filled it',
      version: 'the version it filled',
      newestVersion: 'the newest version cached before',
      timeline: "the key's last events",
    },
  },
  'same-version-refill': {
    commands: ['monitor', 'report'],
    severity: 'warning',
    title: 'Refill with the version just invalidated',
    meaning:
      'a key was invalidated, then filled with the same version it held before: if the row changed, the fill read it before the change reached its source (an invalidation without a write refills the same version too)',
    cause: LIVE_STALE_READ,
    fix: null,
    fields: { key: 'the Redis key', mapping: 'the mapping', client: 'the client that filled it', version: 'the version', timeline: "the key's last events" },
  },
  'concurrent-fill': {
    commands: ['monitor', 'report'],
    severity: 'warning',
    title: 'Concurrent refills',
    meaning: 'clients filled one key within --race-window of each other after one invalidation: a stampede, and the later fill may carry older data',
    cause: 'write-invalidate-race',
    fix: null,
    fields: { key: 'the Redis key', mapping: 'the mapping', clients: 'the clients that filled it', timeline: "the key's last events" },
  },
  'missing-broadcast': {
    commands: ['monitor', 'follow', 'report'],
    severity: 'warning',
    title: 'Invalidation never broadcast',
    meaning:
      'an invalidation (monitor) or a committed write (follow) no message on --channel naming its key followed within --race-window: in-process caches keep the old value',
    cause: 'local-cache',
    fix: null,
    fields: {
      key: 'the Redis key',
      mapping: 'the mapping',
      client: 'monitor: the client that invalidated it',
      commitLsn: 'follow: the write',
      timeline: "monitor: the key's last events",
    },
  },
  // --- committed writes (follow) ---
  'stale-after-write': {
    commands: ['follow', 'report'],
    severity: 'critical',
    title: 'Cache not converged after a write',
    meaning: 'a committed write left its cache key holding an older version after --grace, and still after a second look',
    cause: {
      byEvidence:
        'its class: not-invalidated (nothing touched the key after the commit), invalidated-before-commit (touched just before it, refilled with the old row) and refilled-by-race (refilled after it while every replica had replayed it) are a race or a missed invalidation; refilled-from-replica (refilled while a replica had not replayed the commit) is replica lag; uncertain, both',
      decide: (f) => {
        switch (f.class) {
          case 'not-invalidated':
            return ['not-invalidated'];
          case 'refilled-from-replica':
            return ['replica-lag'];
          case 'refilled-by-race':
          case 'invalidated-before-commit':
            return ['write-invalidate-race'];
          default:
            return ['write-invalidate-race', 'replica-lag'];
        }
      },
    },
    fix: null,
    fields: {
      key: 'the Redis key',
      mapping: 'the mapping',
      class: 'not-invalidated, refilled-from-replica, refilled-by-race, invalidated-before-commit or uncertain',
      committedVersion: 'the version the write committed (null for a delete)',
      cachedVersion: 'the version the cache still held, or null',
      commitLsn: "the commit's end LSN: a replica shows the write once it has replayed this far",
      committedAt: "the commit time, on the primary's clock",
      replica: 'refilled-from-replica: the replica that had not replayed the commit',
      timeline: 'commit, each replica replaying it, the key touched, broadcasts, the checks',
    },
  },
  'fill-without-ttl': {
    commands: ['monitor', 'report'],
    severity: 'info',
    title: 'Fill without a TTL',
    meaning: 'a fill set no expiry, and none followed within --race-window',
    cause: 'no-ttl',
    fix: null,
    fields: { key: 'the Redis key', mapping: 'the mapping', client: 'the client that filled it' },
  },
  'undecided-at-end': {
    commands: ['monitor', 'report'],
    severity: 'info',
    title: 'Not judged: the stream ended first',
    meaning:
      'invalidations or TTL-less fills in the last --race-window of the stream (a capture cut off, a watch stopped) could not be judged: what followed them is unseen',
    cause: null,
    fix: 'capture a little longer than the traffic you want judged (cachedoctor monitor --save records when its watch ended)',
    fields: {
      broadcasts: 'invalidations whose broadcast window was still open',
      fills: 'fills whose TTL window was still open',
      examples: 'a few of their keys',
    },
  },
  'missing-subscribers': {
    commands: ['monitor', 'report'],
    severity: 'warning',
    title: 'Too few channel subscribers',
    meaning: 'fewer instances listen on the invalidation channel than --expect-subscribers: those that do not keep stale in-process copies',
    cause: 'local-cache',
    fix: null,
    fields: { channel: 'the channel', subscribers: 'subscribers counted (PUBSUB NUMSUB + SHARDNUMSUB, every node)', expected: '--expect-subscribers' },
  },
  'no-subscribers': {
    commands: ['report'],
    severity: 'info',
    title: 'Nobody listens on the channel',
    meaning: 'nobody subscribes to the invalidation channel: instances that keep in-process copies never hear of invalidations',
    cause: 'local-cache',
    fix: null,
    fields: { channel: 'the channel', subscribers: '0' },
  },
  'monitor-stopped': {
    commands: ['monitor', 'report'],
    severity: 'warning',
    title: 'MONITOR stopped early',
    meaning:
      "the watch stopped before its end: Redis' output buffer for it passed --max-buffer, that buffer could no longer be checked, or the --save file could not be written",
    cause: null,
    fix: 'the message says which; watch for a shorter time or when Redis is less busy, or give --save a disk with room',
    fields: { peakOmem: 'the largest output buffer seen, in bytes' },
  },
  'nothing-followed': {
    commands: ['monitor', 'report'],
    severity: 'warning',
    title: 'No followed key seen',
    meaning: 'commands reached Redis, but none touched a key the mappings or --match follow: a mistyped pattern proves nothing',
    cause: null,
    fix: 'check --match or the key templates against the prefixes seen (in the message)',
    fields: { events: 'commands seen', seen: 'the busiest key prefixes seen instead, with counts' },
  },
  'no-version-in-fills': {
    commands: ['monitor', 'report'],
    severity: 'warning',
    title: 'Fills without the version field',
    meaning: 'followed keys were filled, but no fill carried the version field: stale fills cannot be told from fresh ones',
    cause: null,
    fix: 'check --version-field (or the mapping version.field) against the fields the fills hold (in the message)',
    fields: { fills: 'fills of followed keys', versionField: 'the version field looked for', seen: 'the fields of a fill without it' },
  },
  'follow-stopped': {
    commands: ['follow', 'report'],
    severity: 'warning',
    title: 'Follow stopped early',
    meaning: 'follow stopped before its end to protect the primary: its temporary slot held back more WAL than --max-slot-lag',
    cause: null,
    fix: 'follow fewer tables, or with --rate, or when the primary is less busy; raise --max-slot-lag only if the primary has the disk',
    fields: { maxBehindBytes: 'the most WAL the slot held back, in bytes' },
  },
  'follow-gap': {
    commands: ['follow', 'report'],
    severity: 'warning',
    title: 'Writes not followed for a while',
    meaning:
      'follow lost the primary (a restart, a failover, the connection dropped) and reopened its change stream with a new temporary slot: the writes committed in between were not checked',
    cause: null,
    fix: 'if the gap matters, follow again; the writes in it can be checked by a scan of their keys',
    fields: {
      from: 'when the stream was last read',
      to: 'when the new slot was created',
      seconds: 'how long nothing was followed',
      why: 'why the stream was lost',
    },
  },
  'no-traffic': {
    commands: ['monitor', 'report'],
    severity: 'warning',
    title: 'No commands seen',
    meaning: 'no command reached Redis during the watch (or the capture holds none): nothing was correlated',
    cause: null,
    fix: 'watch while the applications are busy, or for longer (--duration)',
    fields: {},
  },
  // --- any command ---
  'source-failed': {
    commands: ['lag', 'scan', 'probe', 'report'],
    severity: 'critical',
    title: 'A source could not be read',
    meaning: 'a server (or a part of the report) could not be queried: what it would have shown is unknown, so the run must not pass',
    cause: null,
    fix: 'fix the connection (the message says what failed) and run again',
    fields: { source: 'primary or replica', part: 'report: the part that could not check', target: 'host:port, if known', replica: 'the replica, if one' },
  },
  'demo-unexpected': {
    commands: ['demo'],
    severity: 'critical',
    title: 'The demo missed what it staged',
    meaning: 'a demo step did not find exactly the failure modes it staged: a bug in cachedoctor',
    cause: null,
    fix: 'report it, with the demo output',
    fields: {},
  },
} as const satisfies Record<string, KindSpec>;

export type FindingKind = keyof typeof FINDING_KINDS;

export const KINDS = Object.keys(FINDING_KINDS) as FindingKind[];

export function kindSpec(kind: FindingKind): KindSpec {
  return FINDING_KINDS[kind];
}
