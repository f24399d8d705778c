// The command table: name, one-line summary, examples, options, and a lazy loader so start-up stays fast.
import { LAG_OPTIONS, MONITOR_OPTIONS, type OptionSpec, PROBE_OPTIONS, REPORT_OPTIONS, SCAN_OPTIONS } from '../options.js';
import type { CommandRunner } from './context.js';

export interface CommandSpec {
  name: string;
  summary: string;
  examples: string[];
  options: readonly OptionSpec[];
  load: () => Promise<CommandRunner>;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'report',
    summary:
      'one ranked staleness report: lag, scan, invalidation subscribers and (with --monitor) a MONITOR window, each finding with its likely cause and fix',
    examples: [
      'cachedoctor report --config cachedoctor.config.json --channel invalidate --monitor 10s',
      "cachedoctor report --redis redis://cache:6379 --pg postgres://ro@db/app --replica postgres://ro@db-replica/app --key 'product:{id}' --table products --json",
      'cachedoctor report --config cachedoctor.config.json --format prometheus > /var/lib/node_exporter/cachedoctor.prom',
    ],
    options: REPORT_OPTIONS,
    load: async () => (await import('./report/index.js')).runReport,
  },
  {
    name: 'scan',
    summary: 'sample Redis keys, compare the version in each cached value with its row on the primary, rank what is stale',
    examples: [
      "cachedoctor scan --redis redis://cache:6379 --pg postgres://ro@db/app --key 'product:{id}' --table products --compare price",
      'cachedoctor scan --config cachedoctor.config.json --all --rate 5000 --json | jq .summary',
    ],
    options: SCAN_OPTIONS,
    load: async () => (await import('./scan/index.js')).runScan,
  },
  {
    name: 'lag',
    summary: 'replication lag per replica, in bytes and seconds, from the primary and the replicas themselves',
    examples: [
      'cachedoctor lag --pg postgres://monitor@db-primary/app --replica postgres://monitor@db-replica-1/app',
      'cachedoctor lag --watch --duration 60s --json | jq .summary',
    ],
    options: LAG_OPTIONS,
    load: async () => (await import('./lag/index.js')).runLag,
  },
  {
    name: 'monitor',
    summary: 'follow reads, fills and invalidations in the Redis command stream (live MONITOR or a capture) to catch races',
    examples: [
      "cachedoctor monitor --redis redis://cache:6379 --match 'product:*' --channel invalidate --duration 20s",
      'redis-cli monitor > capture.log; cachedoctor monitor --input capture.log --match "product:*" --json',
    ],
    options: MONITOR_OPTIONS,
    load: async () => (await import('./monitor/index.js')).runMonitor,
  },
  {
    name: 'probe',
    summary:
      'measure the real read-your-writes window: commit canary writes on the primary and time when each replica shows them (writes: needs --allow-write)',
    examples: [
      'cachedoctor probe --allow-write --pg postgres://probe@db-primary/app --replica postgres://probe@db-replica-1/app',
      'cachedoctor probe --allow-write --count 50 --json | jq .summary.recommendedWindowMs',
    ],
    options: PROBE_OPTIONS,
    load: async () => (await import('./probe/index.js')).runProbe,
  },
  {
    name: 'demo',
    summary: 'start a throwaway PostgreSQL primary + standby, stage a stale-read failure, and show cachedoctor finding it',
    examples: ['cachedoctor demo', 'npm run demo'],
    options: [],
    load: async () => (await import('./demo/index.js')).runDemo,
  },
];
