// `cachedoctor monitor`: follows the commands applications send to Redis (live MONITOR or a saved capture) and
// finds the sequences that serve stale data.
import { mappingsFromOptions } from '../../config/mappings.js';
import { bytes, count, durationMs, failOn } from '../../config/resolve.js';
import type { CommandResult } from '../../core/envelope.js';
import type { Severity } from '../../core/findings.js';
import { Correlator } from '../../core/monitor/correlate.js';
import { fillVersion } from '../../core/monitor/fillVersion.js';
import { keyMatcher, type NamedTemplate } from '../../core/monitor/keyMatcher.js';
import { buildMonitorResult, type MonitorData } from '../../core/monitor/monitorReport.js';
import { type MonitorEvent, parseMonitorLine } from '../../core/monitor/parseLine.js';
import type { VersionKind } from '../../core/scan/version.js';
import { UsageError } from '../../errors.js';
import { captureLines } from '../../sources/captureFile.js';
import type { CommandContext } from '../context.js';
import { isWatchEnd } from './endMarker.js';
import { watchLive } from './live.js';

export interface MonitorOptions {
  input: string | null;
  save: string | null;
  durationMs: number;
  maxEvents: number | null;
  match: string | null;
  versionField: string;
  channel: string | null;
  expectSubscribers: number | null;
  raceWindowMs: number;
  maxBuffer: number;
  maxKeys: number;
  maxListed: number;
  failOn: Severity;
}

function parseOptions(o: Record<string, unknown>): MonitorOptions {
  const opts: MonitorOptions = {
    input: (o.input as string | undefined) ?? null,
    save: (o.save as string | undefined) ?? null,
    durationMs: o.duration === undefined ? 30_000 : durationMs('--duration', String(o.duration), 's'),
    maxEvents: o.maxEvents === undefined ? null : count('--max-events', String(o.maxEvents)),
    match: (o.match as string | undefined) ?? null,
    versionField: (o.versionField as string | undefined) ?? 'version',
    channel: (o.channel as string | undefined) ?? null,
    expectSubscribers: o.expectSubscribers === undefined ? null : count('--expect-subscribers', String(o.expectSubscribers)),
    raceWindowMs: o.raceWindow === undefined ? 100 : durationMs('--race-window', String(o.raceWindow), 'ms'),
    maxBuffer: o.maxBuffer === undefined ? 32 * 1024 * 1024 : bytes('--max-buffer', String(o.maxBuffer)),
    maxKeys: o.maxKeys === undefined ? 1_000_000 : count('--max-keys', String(o.maxKeys)),
    maxListed: o.maxListed === undefined ? 100 : count('--max-listed', String(o.maxListed)),
    failOn: failOn(o.failOn, 'warning'),
  };
  if (opts.input !== null && (opts.save !== null || opts.expectSubscribers !== null || o.duration !== undefined)) {
    throw new UsageError('--save, --duration and --expect-subscribers are for live monitoring, not --input');
  }
  if (opts.maxKeys === 0) throw new UsageError('--max-keys: expected at least 1');
  if (opts.maxEvents === 0) throw new UsageError('--max-events: expected at least 1');
  return opts;
}

export async function runMonitor(ctx: CommandContext): Promise<CommandResult<MonitorData>> {
  const opts = parseOptions(ctx.options);
  const { settings: s, signal } = ctx;
  // What to follow: --match with --version-field, or the config file's mappings (their templates and version fields).
  // A --key/--table mapping comes from `report`, which hands its scan mapping on.
  const o = ctx.options as Record<string, string | undefined>;
  if (opts.match === null && s.mappings.length === 0 && o.key === undefined) {
    throw new UsageError(
      'nothing to follow: no --match and no mappings',
      'pass --match \'product:*\' (and --version-field if the version is not in "version"), or add mappings to the config file',
    );
  }
  const mappings =
    opts.match === null
      ? // Without --key, --version-field is --match's (ignored here), not a mapping's.
        mappingsFromOptions(
          s.mappings,
          s.configPath,
          o.key === undefined ? { mapping: o.mapping } : { key: o.key, table: o.table, versionField: o.versionField, versionColumn: o.versionColumn },
        )
      : [];
  const templates: NamedTemplate[] = mappings.map((m) => ({ name: m.name, template: m.template }));
  const fields = new Map<string, { field: string; kind: VersionKind | 'auto' }>(
    mappings.map((m) => [m.name, { field: m.version.field, kind: m.version.kind }]),
  );
  fields.set('match', { field: opts.versionField, kind: 'auto' });
  const correlator = new Correlator({
    raceWindowUs: opts.raceWindowMs * 1000,
    channel: opts.channel,
    maxKeys: opts.maxKeys,
    maxFindings: opts.maxListed,
    mappingOf: keyMatcher(templates, opts.match),
    versionOf: (mapping, fill) => {
      const f = fields.get(mapping)!;
      return fillVersion(fill, f.field, f.kind);
    },
  });
  let malformed = 0;
  let events = 0;
  let watchEndedUs = 0;
  /** Feeds one line (parsed already, or null if it is not an event); false once --max-events is reached. */
  const feed = (e: MonitorEvent | null, line: string): boolean => {
    if (e && isWatchEnd(e)) {
      watchEndedUs = e.timeUs;
    } else if (e) {
      correlator.feed(e);
      events += 1;
    } else if (line !== '' && line !== 'OK') malformed += 1;
    return opts.maxEvents === null || events < opts.maxEvents;
  };

  if (opts.input !== null) {
    reading: for await (const lines of captureLines(opts.input, signal)) {
      for (const line of lines) if (!feed(parseMonitorLine(line), line)) break reading;
    }
    // A capture saved by cachedoctor ends with the moment its watch ended: judged up to then, like the live run.
    return buildMonitorResult({
      result: correlator.finish(watchEndedUs || undefined),
      source: { kind: 'capture', path: opts.input },
      raceWindowMs: opts.raceWindowMs,
      channel: opts.channel,
      malformed,
      extra: [],
      failOn: opts.failOn,
      complete: !signal.aborted,
      peakOmemBytes: null,
    });
  }
  return watchLive(ctx, opts, feed, correlator, () => malformed);
}
