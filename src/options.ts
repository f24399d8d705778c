// Every command-line option, defined once as data; cli.ts turns these into commander options and help.
export interface OptionSpec {
  /** commander flags, e.g. "--redis <url>". */
  flags: string;
  description: string;
  /** Shown in help; the real default is applied in config/resolve.ts so precedence stays explicit. */
  defaultText?: string;
  env?: string;
  repeatable?: boolean;
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: '--config <file>', description: 'config file', defaultText: './cachedoctor.config.json when present' },
  { flags: '--redis <url>', description: 'Redis URL (redis:// or rediss://); for a cluster, seed URLs comma-separated', env: 'REDIS_URL' },
  { flags: '--redis-cluster', description: 'Redis is a cluster: read every master (also redis.cluster in the config)' },
  { flags: '--pg <url>', description: 'PostgreSQL primary URL; libpq PG* variables also work', env: 'DATABASE_URL' },
  { flags: '--replica <url>', description: 'PostgreSQL replica URL (repeatable)', env: 'CACHEDOCTOR_REPLICA_URLS, comma-separated', repeatable: true },
  { flags: '--json', description: 'print one JSON document on stdout (chatter goes to stderr)' },
  { flags: '--no-color', description: 'plain output (also NO_COLOR, or when stdout is not a terminal)' },
  { flags: '--timeout <ms>', description: 'limit for every connect and query, e.g. 5000 or 5s', defaultText: '5000' },
  { flags: '--verbose', description: 'more detail on stderr, and stack traces for unexpected errors' },
];

/** Shared by the commands whose exit code follows finding severity (parsed by failOn() in config/resolve.ts). */
const FAIL_ON: OptionSpec = { flags: '--fail-on <severity>', description: 'lowest severity that exits 1: critical, warning or info', defaultText: 'warning' };

export const LAG_OPTIONS: readonly OptionSpec[] = [
  { flags: '--max-lag-seconds <s>', description: 'replay lag that counts as a finding', defaultText: '5' },
  { flags: '--max-lag-bytes <size>', description: 'replay lag in bytes that counts as a finding, e.g. 16MiB', defaultText: '16MiB' },
  { flags: '--expect-replicas <n>', description: 'fail when the primary lists fewer streaming replicas' },
  { flags: '--watch', description: 'sample repeatedly and report min / median / p95 / max per replica' },
  { flags: '--interval <duration>', description: 'time between samples with --watch', defaultText: '1s' },
  { flags: '--duration <duration>', description: 'how long to watch', defaultText: '30s' },
  FAIL_ON,
];

export const SCAN_OPTIONS: readonly OptionSpec[] = [
  { flags: '--key <template>', description: "key template of a one-off mapping, e.g. 'product:{id}' (with --table)" },
  { flags: '--table <name>', description: 'table of a one-off mapping, e.g. products or public.products' },
  { flags: '--version-field <path>', description: 'field holding the version in cached values (nested: meta.version)', defaultText: 'version' },
  { flags: '--version-column <column>', description: 'column holding the version in the table', defaultText: 'the field name' },
  { flags: '--compare <fields>', description: 'comma-separated fields that must equal their columns when versions match' },
  { flags: '--mapping <name>', description: 'scan only this mapping of the config file' },
  { flags: '--sample <n>', description: 'keys to sample per mapping', defaultText: '1000' },
  { flags: '--all', description: 'scan every matching key instead of a sample' },
  { flags: '--rate <keys/s>', description: 'cap the keys read per second (for production)' },
  { flags: '--max-value-bytes <size>', description: 'values bigger than this are not fetched (counted as oversized)', defaultText: '1MiB' },
  { flags: '--grace <duration>', description: 'wait before re-checking a wrong entry, so writes in flight are not reported', defaultText: '2s' },
  { flags: '--replicas', description: 'read stale rows on every --replica and name the one still serving the old version' },
  { flags: '--max-stale <n>', description: 'wrong entries (stale, ahead, orphan, version-not-bumped) allowed before exit 1', defaultText: '0' },
  { flags: '--max-stale-ratio <r>', description: 'stale ratio allowed before exit 1, e.g. 0.001' },
  { flags: '--max-listed <n>', description: 'wrong entries listed in the report (all are counted)', defaultText: '100' },
  { flags: '--quiet', description: 'no progress bar' },
];

export const MONITOR_OPTIONS: readonly OptionSpec[] = [
  { flags: '--input <file>', description: 'read a saved capture (redis-cli monitor > capture.log) instead of a live MONITOR; - for stdin' },
  { flags: '--save <file>', description: 'also write the live stream to this file, in redis-cli monitor format' },
  { flags: '--duration <duration>', description: 'how long to watch live', defaultText: '30s' },
  { flags: '--max-events <n>', description: 'stop after this many events' },
  { flags: '--match <glob>', description: "keys to follow, e.g. 'product:*' (default: the config file's mappings)" },
  { flags: '--version-field <path>', description: 'field holding the version in cached values (with --match)', defaultText: 'version' },
  { flags: '--channel <name>', description: 'the invalidation pub/sub channel: report invalidations never broadcast on it' },
  { flags: '--expect-subscribers <n>', description: 'live: fail when the channel has fewer subscribers (PUBSUB NUMSUB)' },
  { flags: '--race-window <duration>', description: 'how close events must be to count as a race or a missing broadcast', defaultText: '100ms' },
  { flags: '--max-buffer <size>', description: "live: stop if Redis' output buffer for the monitor passes this", defaultText: '32MiB' },
  { flags: '--max-keys <n>', description: 'keys followed at once (older ones are forgotten)', defaultText: '1000000' },
  { flags: '--max-listed <n>', description: 'findings listed per kind (all are counted)', defaultText: '100' },
  FAIL_ON,
];

/** A spec from another command's list, by its flag (one definition per option). */
function pick(specs: readonly OptionSpec[], flag: string): OptionSpec {
  const spec = specs.find((o) => o.flags.split(/[ ,]/)[0] === flag);
  if (!spec) throw new Error(`no option ${flag}`);
  return spec;
}

export const REPORT_OPTIONS: readonly OptionSpec[] = [
  ...['--key', '--table', '--version-field', '--version-column', '--compare', '--mapping', '--sample', '--rate', '--max-value-bytes', '--grace'].map((f) =>
    pick(SCAN_OPTIONS, f),
  ),
  ...['--max-lag-seconds', '--max-lag-bytes', '--expect-replicas'].map((f) => pick(LAG_OPTIONS, f)),
  {
    flags: '--monitor <duration>',
    description: 'also watch the Redis command stream (MONITOR) this long, e.g. 10s; off by default: MONITOR costs Redis throughput',
  },
  ...['--channel', '--race-window', '--max-buffer'].map((f) => pick(MONITOR_OPTIONS, f)),
  { flags: '--expect-subscribers <n>', description: 'fail when the --channel has fewer subscribers (PUBSUB NUMSUB)' },
  { ...FAIL_ON, defaultText: 'critical' },
  {
    flags: '--format <format>',
    description: "table, json or prometheus (text exposition format, for node_exporter's textfile collector)",
    defaultText: 'table; --json is --format json',
  },
  { flags: '--quiet', description: 'no progress line' },
];

export const PROBE_OPTIONS: readonly OptionSpec[] = [
  { flags: '--allow-write', description: 'let probe write its canary rows to the primary (required: every other command is read-only)' },
  { flags: '--count <n>', description: 'canary writes to time', defaultText: '20' },
  { flags: '--interval <duration>', description: 'time between writes', defaultText: '100ms' },
  { flags: '--max-wait <duration>', description: 'how long to wait for a write to show on a replica before calling it not visible', defaultText: '10s' },
  { flags: '--canary-table <name>', description: 'the canary table (created if missing; no other table is touched)', defaultText: 'cachedoctor_canary' },
  pick(LAG_OPTIONS, '--max-lag-seconds'),
  FAIL_ON,
];
