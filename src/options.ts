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
  { flags: '--redis <url>', description: 'Redis URL (redis:// or rediss://)', env: 'REDIS_URL' },
  { flags: '--pg <url>', description: 'PostgreSQL primary URL; libpq PG* variables also work', env: 'DATABASE_URL' },
  { flags: '--replica <url>', description: 'PostgreSQL replica URL (repeatable)', env: 'CACHEDOCTOR_REPLICA_URLS, comma-separated', repeatable: true },
  { flags: '--json', description: 'print one JSON document on stdout (chatter goes to stderr)' },
  { flags: '--no-color', description: 'plain output (also NO_COLOR, or when stdout is not a terminal)' },
  { flags: '--timeout <ms>', description: 'limit for every connect and query, e.g. 5000 or 5s', defaultText: '5000' },
  { flags: '--verbose', description: 'more detail on stderr, and stack traces for unexpected errors' },
];

export const LAG_OPTIONS: readonly OptionSpec[] = [
  { flags: '--max-lag-seconds <s>', description: 'replay lag that counts as a finding', defaultText: '5' },
  { flags: '--max-lag-bytes <size>', description: 'replay lag in bytes that counts as a finding, e.g. 16MiB', defaultText: '16MiB' },
  { flags: '--expect-replicas <n>', description: 'fail when the primary lists fewer streaming replicas' },
  { flags: '--watch', description: 'sample repeatedly and report min / median / p95 / max per replica' },
  { flags: '--interval <duration>', description: 'time between samples with --watch', defaultText: '1s' },
  { flags: '--duration <duration>', description: 'how long to watch', defaultText: '30s' },
  { flags: '--fail-on <severity>', description: 'lowest severity that exits 1: critical, warning or info', defaultText: 'warning' },
];
