// serve's own metrics, as data (name, type, help, label names), beside report's families: what only a long-lived
// process has. metrics.ts makes them prom-client metrics; docs/serve.md's reference is generated from this list.
import type { FamilySpec } from '../report/metricFamilies.js';

export interface ServeFamilySpec extends FamilySpec {
  type: 'counter' | 'gauge' | 'histogram';
}

/** Seconds: from a write a cache absorbs at once to one it takes the grace period and more for. */
export const CONSISTENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

export const SERVE_FAMILIES = [
  { name: 'part_runs_total', type: 'counter', help: 'runs each part started', labels: ['part'] },
  {
    name: 'part_errors_total',
    type: 'counter',
    help: 'runs of each part that failed (a source down, a query refused); it retries with backoff',
    labels: ['part'],
  },
  { name: 'part_last_run_timestamp_seconds', type: 'gauge', help: 'when the part last started a run, in seconds since the epoch', labels: ['part'] },
  {
    name: 'part_last_run_duration_seconds',
    type: 'gauge',
    help: 'how long the part took the last time it ran, whether it worked or failed (follow: how long its last run that ended lasted)',
    labels: ['part'],
  },
  {
    name: 'part_last_success_timestamp_seconds',
    type: 'gauge',
    help: "when the part last completed a run: its gauges (entries, lag, subscribers) are that run's",
    labels: ['part'],
  },
  { name: 'follow_committed_writes_total', type: 'counter', help: 'committed writes of mapped tables follow has seen, by mapping', labels: ['mapping'] },
  {
    name: 'follow_checked_writes_total',
    type: 'counter',
    help: 'writes whose cache key follow checked after the grace period (converged or stale), by mapping',
    labels: ['mapping'],
  },
  {
    name: 'follow_unchecked_writes_total',
    type: 'counter',
    help: 'writes follow could not check (over --max-pending, no key in the change, a value too big to read), by mapping',
    labels: ['mapping'],
  },
  {
    name: 'follow_stale_after_write_total',
    type: 'counter',
    help: 'writes whose cache key still held the old value after the grace period and a second look, by mapping and class',
    labels: ['mapping', 'class'],
  },
  {
    name: 'follow_missing_broadcasts_total',
    type: 'counter',
    help: 'writes no message on the invalidation channel named (in-process caches keep the old value), by mapping',
    labels: ['mapping'],
  },
  {
    name: 'follow_time_to_consistency_seconds',
    type: 'histogram',
    help: "from a write's commit to its cache key being right (its invalidation or overwrite), for the writes that converged, by mapping",
    labels: ['mapping'],
  },
  {
    name: 'follow_mode',
    type: 'gauge',
    help: '1 for how follow reads the writes: logical (a temporary slot) or poll (updatedAt, no deletes)',
    labels: ['mode'],
  },
  { name: 'build_info', type: 'gauge', help: 'the cachedoctor version serving these metrics', labels: ['version'] },
] as const satisfies readonly ServeFamilySpec[];

export type ServeFamily = (typeof SERVE_FAMILIES)[number]['name'];
