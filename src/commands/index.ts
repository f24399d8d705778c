// The command table: name, summary, examples, options and their typed parser, and a lazy loader for the command
// itself, so start-up (and --help) stays fast and each command is loaded only when it runs.
import type { CommandResult } from '../core/envelope.js';
import type { OptionSet, RawOptions } from '../options/spec.js';
import type { CommandContext } from './context.js';
import { FOLLOW_OPTIONS, parse as parseFollow } from './follow/options.js';
import { INIT_OPTIONS, parse as parseInit } from './init/options.js';
import { LAG_OPTIONS, parse as parseLag } from './lag/options.js';
import { MONITOR_OPTIONS, parse as parseMonitor } from './monitor/options.js';
import { PROBE_OPTIONS, parse as parseProbe } from './probe/options.js';
import { parse as parseReport, REPORT_OPTIONS } from './report/options.js';
import { parse as parseScan, SCAN_OPTIONS } from './scan/options.js';
import { parse as parseServe, SERVE_OPTIONS } from './serve/options.js';

/**
 * What a command does, for the rules every command follows (checked by a test): one that scans the cache takes
 * --all, --sample, --max-stale and --max-listed; one that reads mappings takes --mapping, --key and --table; one
 * with a progress line takes --quiet.
 */
export type Trait = 'scans' | 'mappings' | 'progress';

export type CommandRun<O> = (ctx: CommandContext, opts: O) => Promise<CommandResult>;

export interface CommandSpec<O = unknown> {
  name: string;
  summary: string;
  examples: string[];
  /** The exit codes in --help, when not the usual ones (serve: a server ends on a signal). */
  exitCodes?: string;
  options: OptionSet;
  traits: readonly Trait[];
  /** The command's options, typed and checked, before anything connects. */
  parse(raw: RawOptions): O;
  load(): Promise<CommandRun<O>>;
}

/** Ties a command's parser to its runner, so both agree on the options' type. */
function command<O>(spec: CommandSpec<O>): CommandSpec<unknown> {
  return spec as CommandSpec<unknown>;
}

export const COMMANDS: readonly CommandSpec[] = [
  command({
    name: 'report',
    summary:
      'one ranked staleness report: lag, scan, invalidation subscribers and (with --monitor) a MONITOR window, each finding with its likely cause and fix',
    examples: [
      'cachedoctor report --config cachedoctor.config.json --channel invalidate --monitor 10s',
      "cachedoctor report --redis redis://cache:6379 --pg postgres://ro@db/app --replica postgres://ro@db-replica/app --key 'product:{id}' --table products --json",
      'cachedoctor report --config cachedoctor.config.json --format prometheus > /var/lib/node_exporter/cachedoctor.prom',
    ],
    options: REPORT_OPTIONS,
    traits: ['scans', 'mappings', 'progress'],
    parse: parseReport,
    load: async () => (await import('./report/index.js')).run,
  }),
  command({
    name: 'scan',
    summary: 'sample Redis keys, compare the version in each cached value with its row on the primary, rank what is stale',
    examples: [
      "cachedoctor scan --redis redis://cache:6379 --pg postgres://ro@db/app --key 'product:{id}' --table products --compare price",
      'cachedoctor scan --config cachedoctor.config.json --all --rate 5000 --json | jq .summary',
    ],
    options: SCAN_OPTIONS,
    traits: ['scans', 'mappings', 'progress'],
    parse: parseScan,
    load: async () => (await import('./scan/index.js')).run,
  }),
  command({
    name: 'lag',
    summary: 'replication lag per replica, in bytes and seconds, from the primary and the replicas themselves',
    examples: [
      'cachedoctor lag --pg postgres://monitor@db-primary/app --replica postgres://monitor@db-replica-1/app',
      'cachedoctor lag --watch --duration 60s --json | jq .summary',
    ],
    options: LAG_OPTIONS,
    traits: ['progress'],
    parse: parseLag,
    load: async () => (await import('./lag/index.js')).run,
  }),
  command({
    name: 'monitor',
    summary: 'follow reads, fills and invalidations in the Redis command stream (live MONITOR or a capture) to catch races',
    examples: [
      "cachedoctor monitor --redis redis://cache:6379 --key 'product:{id}' --table products --channel invalidate --duration 20s",
      "redis-cli monitor > capture.log; cachedoctor monitor --input capture.log --match 'product:*' --json",
    ],
    options: MONITOR_OPTIONS,
    traits: ['mappings'],
    parse: parseMonitor,
    load: async () => (await import('./monitor/index.js')).run,
  }),
  command({
    name: 'follow',
    summary:
      "check every committed write: follow the primary's change stream (a temporary logical slot) and verify each write's cache key converged within --grace",
    examples: [
      "cachedoctor follow --redis redis://cache:6379 --pg postgres://repl@db/app --replica postgres://ro@db-replica/app --key 'product:{id}' --table products --duration 5m",
      'cachedoctor follow --config cachedoctor.config.json --channel invalidate --json | jq .summary',
    ],
    options: FOLLOW_OPTIONS,
    traits: ['mappings', 'progress'],
    parse: parseFollow,
    load: async () => (await import('./follow/index.js')).run,
  }),
  command({
    name: 'init',
    summary:
      'find the mappings by itself: sample key names, infer their templates, match them with the tables (names, ids that are rows, fields that are columns), propose each with a confidence',
    examples: [
      'cachedoctor init --redis redis://cache:6379 --pg postgres://ro@db/app',
      'cachedoctor init --redis redis://cache:6379 --pg postgres://ro@db/app --write cachedoctor.config.json && cachedoctor scan',
    ],
    options: INIT_OPTIONS,
    traits: ['progress'],
    parse: parseInit,
    load: async () => (await import('./init/index.js')).run,
  }),
  command({
    name: 'serve',
    summary:
      'a Prometheus exporter: lag, a rate-limited scan of every mapping and follow (every committed write) all the time, on /metrics, with /healthz and /readyz',
    examples: [
      'cachedoctor serve --config cachedoctor.config.json --replica postgres://ro@db-replica/app',
      'cachedoctor serve --redis redis://cache:6379 --pg postgres://repl@db/app --listen :9647 --channel invalidate',
    ],
    exitCodes: `
Exit codes:
  0    stopped by SIGTERM or SIGINT, how a server ends (what it finds is in /metrics, not in the exit code)
  2    usage or configuration error: before it serves, or a mistake in the mappings on a part's first attempt
  70   internal error (a bug: please report it with --verbose output)
  130  a second SIGTERM or SIGINT while it stops: it exits at once`,
    options: SERVE_OPTIONS,
    traits: ['mappings'],
    parse: parseServe,
    load: async () => (await import('./serve/index.js')).run,
  }),
  command({
    name: 'probe',
    summary:
      'measure the real read-your-writes window: commit canary writes on the primary and time when each replica shows them (writes: needs --allow-write)',
    examples: [
      'cachedoctor probe --allow-write --pg postgres://probe@db-primary/app --replica postgres://probe@db-replica-1/app',
      'cachedoctor probe --allow-write --count 50 --json | jq .summary.recommendedWindowMs',
    ],
    options: PROBE_OPTIONS,
    traits: ['progress'],
    parse: parseProbe,
    load: async () => (await import('./probe/index.js')).run,
  }),
  command({
    name: 'demo',
    summary: 'start a throwaway Redis and PostgreSQL primary + standby, stage the three failure modes, and show cachedoctor report finding them',
    examples: ['cachedoctor demo', 'npm run demo'],
    options: {},
    traits: [],
    parse: () => ({}),
    load: async () => (await import('./demo/index.js')).run,
  }),
];
