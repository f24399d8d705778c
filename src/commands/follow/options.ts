// follow's options, typed: the mappings whose writes are checked, the grace period, and the bounds of the follow.
import { type GivenMappings, mappingsFromOptions } from '../../config/mappings.js';
import type { Severity } from '../../core/findings/findings.js';
import type { WriteOutcome } from '../../core/follow/checker.js';
import { CHANNEL, FAIL_ON, FOLLOWING, MAPPING, QUIET, RACE_WINDOW, SCANNING } from '../../options/catalog.js';
import { parseOptions, type RawOptions } from '../../options/spec.js';

export const FOLLOW_OPTIONS = {
  key: MAPPING.key,
  table: MAPPING.table,
  versionField: MAPPING.versionField,
  versionColumn: MAPPING.versionColumn,
  mapping: MAPPING.mapping,
  ...FOLLOWING,
  channel: CHANNEL,
  raceWindow: RACE_WINDOW,
  maxListed: SCANNING.maxListed,
  maxValueBytes: SCANNING.maxValueBytes,
  failOn: FAIL_ON,
  quiet: QUIET,
} as const;

export interface FollowOptions {
  /** 'discover': none given, found when follow runs. */
  mappings: GivenMappings;
  /** null: until Ctrl-C. */
  durationMs: number | null;
  graceMs: number;
  rate: number | null;
  maxPending: number;
  maxSlotLagBytes: number;
  /** The fallback's poll interval. */
  pollMs: number;
  channel: string | null;
  raceWindowMs: number;
  maxListed: number;
  maxValueBytes: number;
  failOn: Severity;
  /** Told as it happens (serve): each write's outcome, and whether the change stream is followed. */
  live?: FollowLive;
}

export interface FollowLive {
  observe(o: WriteOutcome): void;
  stream(s: { up: true; mode: 'logical' | 'poll' } | { up: false; why: string }): void;
}

export function parse(raw: RawOptions): FollowOptions {
  const o = parseOptions(FOLLOW_OPTIONS, raw);
  return {
    mappings: mappingsFromOptions(raw),
    durationMs: o.duration,
    graceMs: o.grace,
    rate: o.rate,
    maxPending: o.maxPending,
    maxSlotLagBytes: o.maxSlotLag,
    pollMs: o.poll,
    channel: o.channel,
    raceWindowMs: o.raceWindow,
    maxListed: o.maxListed,
    maxValueBytes: o.maxValueBytes,
    failOn: o.failOn,
  };
}
