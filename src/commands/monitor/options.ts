// monitor's options, typed: what to follow (mappings or --match), live or a capture, and the guards of a live watch.
import { type GivenMappings, mappingsFromOptions } from '../../config/mappings.js';
import type { Severity } from '../../core/findings/findings.js';
import type { Mapping } from '../../core/scan/mapping.js';
import { UsageError } from '../../errors.js';
import {
  CHANNEL,
  EXPECT_SUBSCRIBERS,
  FAIL_ON,
  MAPPING,
  MAX_BUFFER,
  MONITORING,
  RACE_WINDOW,
  SCANNING,
  WATCH_DURATION,
  WATCH_DURATION_MS,
} from '../../options/catalog.js';
import { given, parseOptions, type RawOptions } from '../../options/spec.js';

export const MONITOR_OPTIONS = {
  ...MONITORING,
  duration: WATCH_DURATION,
  key: MAPPING.key,
  table: MAPPING.table,
  versionField: MAPPING.versionField,
  mapping: MAPPING.mapping,
  channel: CHANNEL,
  expectSubscribers: EXPECT_SUBSCRIBERS,
  raceWindow: RACE_WINDOW,
  maxBuffer: MAX_BUFFER,
  maxListed: SCANNING.maxListed,
  maxValueBytes: SCANNING.maxValueBytes,
  failOn: FAIL_ON,
} as const;

/** The keys to follow: the mappings' templates and version fields, or every key --match matches. */
export interface Followed<M extends GivenMappings = Mapping[]> {
  /** As parsed, 'discover' when none was given (found when monitor runs). */
  mappings: M;
  match: { glob: string; versionField: string } | null;
}

/** What is followed, in words, and its version field(s): for the findings that say nothing was. */
export function describeFollowed(f: Followed): { what: string; versionField: string } {
  if (f.match !== null) return { what: `--match '${f.match.glob}'`, versionField: f.match.versionField };
  const what = f.mappings.map((m) => `${m.name} (${m.template.source})`).join(', ');
  const fields = [...new Set(f.mappings.map((m) => m.version.field))].join(' / ');
  return { what: `${f.mappings.length === 1 ? 'mapping' : 'mappings'} ${what}`, versionField: fields };
}

export interface MonitorOptions<M extends GivenMappings = GivenMappings> {
  follow: Followed<M>;
  /** A saved capture to read instead of a live MONITOR ("-": stdin). */
  input: string | null;
  save: string | null;
  durationMs: number;
  maxEvents: number | null;
  channel: string | null;
  expectSubscribers: number | null;
  raceWindowMs: number;
  maxBuffer: number;
  maxKeys: number;
  maxListed: number;
  /** Values bigger than this are not read (discovery); a MONITOR line longer than one could make is skipped. */
  maxValueBytes: number;
  failOn: Severity;
}

export function parse(raw: RawOptions): MonitorOptions {
  const o = parseOptions(MONITOR_OPTIONS, raw);
  if (o.input !== null && (o.save !== null || o.expectSubscribers !== null || given(raw, 'duration'))) {
    throw new UsageError('--save, --duration and --expect-subscribers are for live monitoring, not --input');
  }
  if (o.match !== null && (o.key !== null || o.mapping !== null))
    throw new UsageError('--match follows keys without a mapping: it does not go with --key or --mapping');
  return {
    follow:
      o.match !== null ? { mappings: [], match: { glob: o.match, versionField: o.versionField } } : { mappings: mappingsFromOptions(raw, true), match: null },
    input: o.input,
    save: o.save,
    durationMs: o.duration ?? WATCH_DURATION_MS,
    maxEvents: o.maxEvents,
    channel: o.channel,
    expectSubscribers: o.expectSubscribers,
    raceWindowMs: o.raceWindow,
    maxBuffer: o.maxBuffer,
    maxKeys: o.maxKeys,
    maxListed: o.maxListed,
    maxValueBytes: o.maxValueBytes,
    failOn: o.failOn,
  };
}

/** MONITOR escapes a byte as up to 4 characters (\xNN); the command, key and other arguments fit in 64 KiB more. */
export function maxLineChars(maxValueBytes: number): number {
  return maxValueBytes * 4 + 64 * 1024;
}
