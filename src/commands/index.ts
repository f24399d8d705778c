// The command table: name, one-line summary, examples, options, and a lazy loader so start-up stays fast.
import { LAG_OPTIONS, type OptionSpec } from '../options.js';
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
    name: 'lag',
    summary: 'replication lag per replica, in bytes and seconds, from the primary and the replicas themselves',
    examples: [
      'cachedoctor lag --pg postgres://monitor@db-primary/app --replica postgres://monitor@db-replica-1/app',
      'cachedoctor lag --watch --duration 60s --json | jq .summary',
    ],
    options: LAG_OPTIONS,
    load: async () => (await import('./lag.js')).runLag,
  },
  {
    name: 'demo',
    summary: 'start a throwaway PostgreSQL primary + standby, stage a stale-read failure, and show cachedoctor finding it',
    examples: ['cachedoctor demo', 'npm run demo'],
    options: [],
    load: async () => (await import('./demo.js')).runDemo,
  },
];
