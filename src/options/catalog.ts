// Every command-line option, defined once: flags, help, real default, value type, config field and environment.
// Commands pick their sets from here; help text and the option tables in docs/ are generated from these.
import { FORMATS } from '../render/formats.js';
import { restate, optionalOption as optional, switchOption as toggle, valueOption as value } from './spec.js';
import { address, choice, count, duration, durationOrZero, list, positiveCount, ratio, seconds, severity, size, text } from './values.js';

/** Options every command takes: where the servers are and how to talk to them. */
export const GLOBAL = {
  config: optional('--config <file>', 'config file', text, { defaultText: './cachedoctor.config.json when present' }),
  redis: optional('--redis <url>', 'Redis URL (redis:// or rediss://); for a cluster, seed URLs comma-separated', text, {
    env: 'REDIS_URL',
    config: 'redis.url',
  }),
  redisCluster: toggle('--redis-cluster', 'Redis is a cluster: read every master', { config: 'redis.cluster' }),
  pg: optional('--pg <url>', 'PostgreSQL primary URL; libpq PG* variables also work', text, { env: 'DATABASE_URL', config: 'postgres.primary' }),
  replica: {
    ...optional('--replica <url>', 'PostgreSQL replica URL (repeatable)', text, {
      env: 'CACHEDOCTOR_REPLICA_URLS, comma-separated',
      config: 'postgres.replicas',
    }),
    repeatable: true,
  },
  json: toggle('--json', 'print one JSON document on stdout (everything else goes to stderr)'),
  color: { ...toggle('--no-color', 'plain output (also NO_COLOR, or when stdout is not a terminal)', { env: 'NO_COLOR' }), default: true },
  timeout: value('--timeout <duration>', 'limit for every connect and query', duration, 5000, { config: 'timeout' }),
  verbose: toggle('--verbose', 'more detail on stderr, and stack traces for unexpected errors'),
} as const;

/** Which keys map to which table: the config file's mappings, or one given on the command line. */
export const MAPPING = {
  key: optional('--key <template>', "key template of a one-off mapping, e.g. 'product:{id}' (with --table)", text),
  table: optional('--table <name>', 'table of a one-off mapping, e.g. products or public.products', text),
  versionField: value('--version-field <path>', 'field holding the version in cached values (nested: meta.version)', text, 'version'),
  versionColumn: optional('--version-column <column>', 'column holding the version in the table', text, { defaultText: 'the field name' }),
  compare: optional('--compare <fields>', 'comma-separated fields that must equal their columns when versions match', list),
  ttl: optional(
    '--ttl <duration>',
    'the TTL every fill of the mapping sets (SET ... EX): dates each fill, to tell a missed invalidation from a stale read',
    duration,
    {
      defaultText: 'learned from the sample',
    },
  ),
  mapping: optional('--mapping <name>', 'only this mapping of the config file', text),
} as const;

/** How much of the cache a scan reads, and what it allows before it fails. */
export const SCANNING = {
  sample: value('--sample <n>', 'keys to sample per mapping', positiveCount, 1000),
  all: toggle('--all', 'scan every matching key instead of a sample'),
  rate: optional('--rate <keys/s>', 'cap the keys read per second (for production)', positiveCount, { defaultText: 'no cap' }),
  maxValueBytes: value('--max-value-bytes <size>', 'values bigger than this are not fetched (counted as oversized)', size, 1024 * 1024),
  grace: value('--grace <duration>', 'wait before re-checking a wrong entry, so writes in flight are not reported (0 for none)', durationOrZero, 2000),
  maxStale: value('--max-stale <n>', 'wrong entries (stale, ahead, orphan, version-not-bumped) allowed before exit 1', count, 0, {
    config: 'thresholds.maxStale',
  }),
  maxStaleRatio: optional('--max-stale-ratio <r>', 'stale ratio allowed before exit 1, e.g. 0.001', ratio, { config: 'thresholds.maxStaleRatio' }),
  maxListed: value('--max-listed <n>', 'findings listed per kind (all are counted)', count, 100),
  seed: optional('--seed <n>', 'where a sample starts in the keyspace: the same seed (and data) gives the same sample', count, {
    defaultText: 'random, printed with the result',
  }),
} as const;

export const REPLICAS = toggle('--replicas', 'read stale rows on every --replica and name the one still serving the old version');

/** What counts as too much replication lag. */
export const LAG_LIMITS = {
  maxLagSeconds: value('--max-lag-seconds <s>', 'replay lag in seconds that counts as a finding', seconds, 5, { config: 'thresholds.maxLagSeconds' }),
  maxLagBytes: value('--max-lag-bytes <size>', 'replay lag in bytes that counts as a finding, e.g. 16MiB', size, 16 * 1024 * 1024, {
    config: 'thresholds.maxLagBytes',
  }),
  expectReplicas: optional('--expect-replicas <n>', 'fail when the primary lists fewer streaming replicas', count, { config: 'thresholds.expectReplicas' }),
} as const;

export const WATCH = toggle('--watch', 'sample repeatedly and report min / median / p95 / max per replica');
export const INTERVAL = value('--interval <duration>', 'time between samples with --watch', duration, 1000);
/** How long a command runs: until Ctrl-C unless a command gives its own default (a watch: 30 s). */
export const DURATION = optional('--duration <duration>', 'how long to watch', duration, { defaultText: 'until Ctrl-C' });
export const WATCH_DURATION_MS = 30_000;
export const WATCH_DURATION = restate(DURATION, { default: WATCH_DURATION_MS, defaultText: '30s' });

/** The invalidation channel and the race window, shared by monitor and report. */
export const CHANNEL = optional('--channel <name>', 'the invalidation pub/sub channel: report invalidations never broadcast on it', text);
export const EXPECT_SUBSCRIBERS = optional('--expect-subscribers <n>', 'fail when the --channel has fewer subscribers (PUBSUB NUMSUB and SHARDNUMSUB)', count);
export const RACE_WINDOW = value('--race-window <duration>', 'how close events must be to count as a race or a missing broadcast', duration, 100);
export const MAX_BUFFER = value('--max-buffer <size>', "stop MONITOR if Redis' output buffer for it passes this", size, 32 * 1024 * 1024);

export const MONITORING = {
  input: optional('--input <file>', 'read a saved capture (redis-cli monitor > capture.log) instead of a live MONITOR; - for stdin', text),
  save: optional('--save <file>', 'also write the live stream to this file, in redis-cli monitor format', text),
  maxEvents: optional('--max-events <n>', 'stop after this many events', positiveCount),
  match: optional('--match <glob>', "keys to follow, e.g. 'product:*' (instead of mappings)", text),
  maxKeys: value('--max-keys <n>', 'keys followed at once (older ones are forgotten)', positiveCount, 1_000_000),
} as const;

export const FAIL_ON = value('--fail-on <severity>', 'lowest severity that exits 1: critical, warning or info', severity, 'warning');
export const QUIET = toggle('--quiet', 'no progress line');
export const MONITOR_WINDOW = optional(
  '--monitor <duration>',
  'also watch the Redis command stream (MONITOR) this long, e.g. 10s; off by default: MONITOR costs Redis throughput',
  duration,
);
export const FOLLOW_WINDOW = optional(
  '--follow <duration>',
  'also check every committed write this long, e.g. 30s (needs logical decoding; else it polls updatedAt)',
  duration,
);
export const FORMAT = value(
  '--format <format>',
  "table, json or prometheus (text exposition format, for node_exporter's textfile collector)",
  choice(FORMATS),
  'table',
  {
    defaultText: 'table; --json is --format json',
  },
);

export const PROBING = {
  allowWrite: toggle('--allow-write', 'let probe write its canary rows to the primary (required: every other command is read-only)'),
  count: value('--count <n>', 'canary writes to time', positiveCount, 20),
  interval: restate(INTERVAL, { default: 100, help: 'time between canary writes' }),
  maxWait: value('--max-wait <duration>', 'how long to wait for a write to show on a replica before calling it not visible', duration, 10_000),
  canaryTable: value('--canary-table <name>', 'the canary table (created if missing; no other table is touched)', text, 'cachedoctor_canary'),
} as const;

/** follow: how long, how soon a write must show in the cache, and the bounds that keep it cheap and safe. */
export const FOLLOWING = {
  duration: restate(DURATION, { help: 'how long to follow the writes' }),
  grace: restate(SCANNING.grace, { help: 'how long after its commit a write must show in the cache (then a second look after as long again)' }),
  rate: restate(SCANNING.rate, { help: 'cap the writes checked per second (each costs two reads; the rest are counted as unchecked)' }),
  maxPending: value('--max-pending <n>', 'checks waiting at once; past it the oldest is counted as unchecked', positiveCount, 100_000),
  maxSlotLag: value('--max-slot-lag <size>', 'stop before the temporary replication slot holds back more WAL than this', size, 256 * 1024 * 1024),
  poll: value('--poll <duration>', 'without a change stream: how often to poll the updatedAt column', duration, 250),
} as const;

/** init: how much of the keyspace to read, and where to write what it found. */
export const DISCOVERING = {
  sample: restate(SCANNING.sample, { default: 10_000, help: 'keys to sample (shared among the masters of a cluster)' }),
  rate: SCANNING.rate,
  maxValueBytes: SCANNING.maxValueBytes,
  write: optional('--write <file>', 'write the proposed mappings to this config file (refused if it exists, unless --force)', text),
  force: toggle('--force', 'with --write: replace the file if it exists'),
  minConfidence: value(
    '--min-confidence <level>',
    'with --write: the lowest confidence written (high, medium or low)',
    choice(['high', 'medium', 'low'] as const),
    'high',
  ),
} as const;

/** The port serve listens on by default: clear of the common exporters (node 9100, mysqld 9104, blackbox 9115,
 * redis 9121, postgres 9187) and of Prometheus, Pushgateway and Alertmanager (9090, 9091, 9093). */
export const SERVE_PORT = 9647;

/** serve: where it listens, and how often each part runs. */
export const SERVING = {
  listen: value('--listen <address>', 'where /metrics, /healthz and /readyz are served: host:port, :port for every interface', address, {
    host: '127.0.0.1',
    port: SERVE_PORT,
  }),
  lagInterval: value('--lag-interval <duration>', 'time between replication lag samples', duration, 5000),
  scanInterval: value('--scan-interval <duration>', 'time between scans of a sample of every mapping', duration, 60_000),
  sample: restate(SCANNING.sample, { help: 'keys each scan samples per mapping' }),
  rate: restate(SCANNING.rate, { default: 100, help: 'cap the keys a scan reads per second (low: serve runs on production all the time)' }),
  follow: {
    ...toggle('--no-follow', 'do not check every committed write (on by default: follow runs all the time beside the scans)'),
    default: true,
  },
} as const;
