// `cachedoctor monitor`: follows the commands applications send to Redis (live MONITOR or a saved capture) and
// finds the sequences that serve stale data.
import type { CommandResult } from '../../core/envelope.js';
import { Correlator } from '../../core/monitor/correlate.js';
import { fillVersion } from '../../core/monitor/fillVersion.js';
import { keyMatcher, type NamedTemplate } from '../../core/monitor/keyMatcher.js';
import { buildMonitorResult, type MonitorData } from '../../core/monitor/monitorReport.js';
import { type MonitorEvent, parseMonitorLine } from '../../core/monitor/parseLine.js';
import type { VersionKind } from '../../core/scan/version.js';
import { captureLines } from '../../sources/captureFile.js';
import { LineSplitter } from '../../sources/lineSplitter.js';
import type { CommandContext } from '../context.js';
import { withMappings } from '../discovered.js';
import type { Mapping } from '../../core/scan/mapping.js';
import { isWatchEnd } from './endMarker.js';
import { watchLive } from './live.js';
import { describeFollowed, maxLineChars, type MonitorOptions } from './options.js';

export { parse } from './options.js';

export function run(ctx: CommandContext, opts: MonitorOptions): Promise<CommandResult<MonitorData>> {
  const how = { command: 'monitor', rate: null, maxValueBytes: opts.maxValueBytes, orPass: "--match 'product:*'" };
  return withMappings(ctx, opts.follow.mappings, how, (mappings) => watch(ctx, { ...opts, follow: { ...opts.follow, mappings } }));
}

async function watch(ctx: CommandContext, opts: MonitorOptions<Mapping[]>): Promise<CommandResult<MonitorData>> {
  const { signal } = ctx;
  const { mappings, match } = opts.follow;
  const templates: NamedTemplate[] = mappings.map((m) => ({ name: m.name, template: m.template }));
  const fields = new Map<string, { field: string; kind: VersionKind | 'auto' }>(
    mappings.map((m) => [m.name, { field: m.version.field, kind: m.version.kind }]),
  );
  if (match !== null) fields.set('match', { field: match.versionField, kind: 'auto' });
  const correlator = new Correlator({
    raceWindowUs: opts.raceWindowMs * 1000,
    channel: opts.channel,
    maxKeys: opts.maxKeys,
    maxFindings: opts.maxListed,
    mappingOf: keyMatcher(templates, match?.glob ?? null),
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
    const splitter = new LineSplitter(maxLineChars(opts.maxValueBytes));
    reading: for await (const lines of captureLines(opts.input, signal, splitter)) {
      for (const line of lines) if (!feed(parseMonitorLine(line), line)) break reading;
    }
    // A capture saved by cachedoctor ends with the moment its watch ended: judged up to then, like the live run.
    return buildMonitorResult({
      result: correlator.finish(watchEndedUs || undefined),
      source: { kind: 'capture', path: opts.input },
      raceWindowMs: opts.raceWindowMs,
      channel: opts.channel,
      following: describeFollowed(opts.follow),
      malformed,
      oversizedLines: splitter.overlong,
      extra: [],
      failOn: opts.failOn,
      complete: !signal.aborted,
      peakOmemBytes: null,
    });
  }
  return watchLive(ctx, opts, feed, correlator, () => malformed);
}
