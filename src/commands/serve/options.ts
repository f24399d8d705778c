// serve's options, typed: where it listens, each part's interval, and the options of lag, scan and follow it runs
// with (one definition each, as report has them).
import { type GivenMappings, mappingsFromOptions } from '../../config/mappings.js';
import type { Severity } from '../../core/findings/findings.js';
import {
  CHANNEL,
  EXPECT_SUBSCRIBERS,
  FAIL_ON,
  FOLLOWING,
  INTERVAL,
  LAG_LIMITS,
  MAPPING,
  RACE_WINDOW,
  SCANNING,
  SERVING,
  WATCH_DURATION_MS,
} from '../../options/catalog.js';
import { parseOptions, type RawOptions, restate } from '../../options/spec.js';
import type { Address } from '../../options/values.js';
import type { FollowOptions } from '../follow/options.js';
import type { LagOptions } from '../lag/options.js';
import { drawSeed, type ScanOptions } from '../scan/options.js';

export const SERVE_OPTIONS = {
  ...SERVING,
  ...MAPPING,
  maxValueBytes: SCANNING.maxValueBytes,
  grace: SCANNING.grace,
  maxListed: SCANNING.maxListed,
  ...LAG_LIMITS,
  channel: CHANNEL,
  expectSubscribers: EXPECT_SUBSCRIBERS,
  raceWindow: RACE_WINDOW,
  maxPending: FOLLOWING.maxPending,
  maxSlotLag: FOLLOWING.maxSlotLag,
  poll: FOLLOWING.poll,
  failOn: restate(FAIL_ON, { default: 'critical', help: 'lowest severity that sets cachedoctor_report_ok to 0: critical, warning or info' }),
} as const;

export interface ServeOptions {
  listen: Address;
  lagIntervalMs: number;
  scanIntervalMs: number;
  /** Given, or 'discover': found as init does, once they can be (and again at each scan while none are found). */
  mappings: GivenMappings;
  lag: LagOptions;
  /** Its mappings and seed are set at each run. */
  scan: ScanOptions;
  /** null: --no-follow. Its mappings are set when it starts. */
  follow: FollowOptions | null;
  channel: string | null;
  expectSubscribers: number | null;
  failOn: Severity;
}

export function parse(raw: RawOptions): ServeOptions {
  const o = parseOptions(SERVE_OPTIONS, raw);
  const mappings = mappingsFromOptions(raw);
  return {
    listen: o.listen,
    lagIntervalMs: o.lagInterval,
    scanIntervalMs: o.scanInterval,
    mappings,
    lag: {
      thresholds: { maxLagSeconds: o.maxLagSeconds, maxLagBytes: o.maxLagBytes, expectReplicas: o.expectReplicas },
      watch: false,
      intervalMs: INTERVAL.default,
      durationMs: WATCH_DURATION_MS,
      failOn: 'info',
    },
    scan: {
      mappings,
      sample: o.sample,
      rate: o.rate,
      maxValueBytes: o.maxValueBytes,
      graceMs: o.grace,
      replicas: false,
      // Any wrong entry counts against cachedoctor_report_ok (--fail-on); thresholds of how many are alert rules'.
      maxStale: 0,
      maxStaleRatio: null,
      maxListed: o.maxListed,
      seed: drawSeed(),
    },
    follow: o.follow
      ? {
          mappings,
          durationMs: null,
          graceMs: o.grace,
          rate: null,
          maxPending: o.maxPending,
          maxSlotLagBytes: o.maxSlotLag,
          pollMs: o.poll,
          channel: o.channel,
          raceWindowMs: o.raceWindow,
          maxListed: o.maxListed,
          maxValueBytes: o.maxValueBytes,
          failOn: 'info',
        }
      : null,
    channel: o.channel,
    expectSubscribers: o.expectSubscribers,
    failOn: o.failOn,
  };
}
