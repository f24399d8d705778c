// report's options, typed: it runs lag, scan, the subscriber count and monitor with their own typed options, made
// from the same flags (one definition each), plus what only the report has (--monitor, --fail-on, --format).
import { type GivenMappings, mappingsFromOptions } from '../../config/mappings.js';
import type { Severity } from '../../core/findings/findings.js';
import { UsageError } from '../../errors.js';
import {
  CHANNEL,
  EXPECT_SUBSCRIBERS,
  FAIL_ON,
  FOLLOW_WINDOW,
  FOLLOWING,
  FORMAT,
  INTERVAL,
  LAG_LIMITS,
  MAPPING,
  MAX_BUFFER,
  MONITOR_WINDOW,
  MONITORING,
  QUIET,
  RACE_WINDOW,
  SCANNING,
  WATCH_DURATION_MS,
} from '../../options/catalog.js';
import { parseOptions, type RawOptions, restate } from '../../options/spec.js';
import type { LagOptions } from '../lag/options.js';
import type { MonitorOptions } from '../monitor/options.js';
import type { FollowOptions } from '../follow/options.js';
import { drawSeed, type ScanOptions } from '../scan/options.js';

export const REPORT_OPTIONS = {
  ...MAPPING,
  ...SCANNING,
  ...LAG_LIMITS,
  monitor: MONITOR_WINDOW,
  follow: FOLLOW_WINDOW,
  channel: CHANNEL,
  expectSubscribers: EXPECT_SUBSCRIBERS,
  raceWindow: RACE_WINDOW,
  maxBuffer: MAX_BUFFER,
  failOn: restate(FAIL_ON, { default: 'critical' }),
  format: FORMAT,
  quiet: QUIET,
} as const;

export interface ReportOptions {
  lag: LagOptions;
  /** Given, or 'discover': found once when the report runs, for scan, monitor and follow. */
  mappings: GivenMappings;
  /** Its mappings are the report's (above). */
  scan: ScanOptions;
  /** null: not asked (--monitor). */
  monitor: MonitorOptions | null;
  /** --monitor as given, to say why the part was skipped. */
  monitorMs: number | null;
  /** null: not asked (--follow). */
  follow: FollowOptions | null;
  followMs: number | null;
  channel: string | null;
  expectSubscribers: number | null;
  failOn: Severity;
}

export function parse(raw: RawOptions): ReportOptions {
  const o = parseOptions(REPORT_OPTIONS, raw);
  if (o.expectSubscribers !== null && o.channel === null) throw new UsageError('--expect-subscribers needs --channel');
  if (o.all && raw.flags.sample !== undefined) throw new UsageError('--all and --sample do not go together');
  if (o.all && raw.flags.seed !== undefined) throw new UsageError('--seed picks where a sample starts: it does not go with --all');
  // Mapping mistakes are the user's to fix before anything runs (exit 2), not a part that "failed".
  const mappings = mappingsFromOptions(raw);
  return {
    mappings,
    // The report decides on lag findings itself (--fail-on); lag's own --watch is not part of it.
    lag: {
      thresholds: { maxLagSeconds: o.maxLagSeconds, maxLagBytes: o.maxLagBytes, expectReplicas: o.expectReplicas },
      watch: false,
      intervalMs: INTERVAL.default,
      durationMs: WATCH_DURATION_MS,
      failOn: 'info',
    },
    scan: {
      mappings,
      sample: o.all ? null : o.sample,
      rate: o.rate,
      maxValueBytes: o.maxValueBytes,
      graceMs: o.grace,
      // Set when the report runs: every replica given is asked ("no lagging replica" is never said by silence).
      replicas: false,
      maxStale: o.maxStale,
      maxStaleRatio: o.maxStaleRatio,
      maxListed: o.maxListed,
      seed: o.all ? null : (o.seed ?? drawSeed()),
    },
    monitor:
      o.monitor === null
        ? null
        : {
            follow: { mappings, match: null },
            input: null,
            save: null,
            durationMs: o.monitor,
            maxEvents: null,
            channel: o.channel,
            // Counted once, by the report's own subscribers part.
            expectSubscribers: null,
            raceWindowMs: o.raceWindow,
            maxBuffer: o.maxBuffer,
            maxKeys: MONITORING.maxKeys.default,
            maxListed: o.maxListed,
            maxValueBytes: o.maxValueBytes,
            failOn: 'info',
          },
    monitorMs: o.monitor,
    follow:
      o.follow === null
        ? null
        : {
            mappings,
            durationMs: o.follow,
            graceMs: o.grace,
            rate: o.rate,
            maxPending: FOLLOWING.maxPending.default,
            maxSlotLagBytes: FOLLOWING.maxSlotLag.default,
            pollMs: FOLLOWING.poll.default,
            channel: o.channel,
            raceWindowMs: o.raceWindow,
            maxListed: o.maxListed,
            maxValueBytes: o.maxValueBytes,
            failOn: 'info',
          },
    followMs: o.follow,
    channel: o.channel,
    expectSubscribers: o.expectSubscribers,
    failOn: o.failOn,
  };
}
