// `cachedoctor monitor`: follows the commands applications send to Redis (live MONITOR or a saved capture) and
// finds the sequences that serve stale data.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mappingsFromOptions } from '../config/mappings.js';
import { bytes, count, durationMs, failOn } from '../config/resolve.js';
import type { CommandResult } from '../core/envelope.js';
import type { Finding, Severity } from '../core/findings.js';
import { Correlator } from '../core/monitor/correlate.js';
import { fillVersion } from '../core/monitor/fillVersion.js';
import { keyMatcher, type NamedTemplate } from '../core/monitor/keyMatcher.js';
import { buildMonitorResult, type MonitorData } from '../core/monitor/monitorReport.js';
import { type MonitorEvent, parseMonitorLine } from '../core/monitor/parseLine.js';
import { TimeMerge } from '../core/monitor/timeMerge.js';
import type { VersionKind } from '../core/scan/version.js';
import { SourceError, UsageError } from '../errors.js';
import { captureLines } from '../sources/captureFile.js';
import { connectRedisNodes, nodeUrl, redisSourceError, redisTarget } from '../sources/redis/connect.js';
import { type MonitorStream, openMonitor } from '../sources/redis/monitorStream.js';
import { channelSubscribers } from '../sources/redis/subscribers.js';
import { subscriberFindings } from '../core/subscribers.js';
import type { CommandContext } from './context.js';

/**
 * The last line cachedoctor writes to a --save capture: a MONITOR-shaped line from a client named "cachedoctor"
 * saying when the watch ended. Other tools see an unknown command; cachedoctor --input reads the time from it.
 */
const END_MARKER_CLIENT = 'cachedoctor';
const END_MARKER_COMMAND = 'cachedoctor-watch-ended';

interface MonitorOptions {
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
    throw new UsageError('nothing to follow: no --match and no mappings', "pass --match 'product:*' (and --version-field if the version is not in \"version\"), or add mappings to the config file");
  }
  const mappings =
    opts.match === null
      ? // Without --key, --version-field is --match's (ignored here), not a mapping's.
        mappingsFromOptions(s.mappings, s.configPath, o.key === undefined ? { mapping: o.mapping } : { key: o.key, table: o.table, versionField: o.versionField, versionColumn: o.versionColumn })
      : [];
  const templates: NamedTemplate[] = mappings.map((m) => ({ name: m.name, template: m.template }));
  const fields = new Map<string, { field: string; kind: VersionKind | 'auto' }>(mappings.map((m) => [m.name, { field: m.version.field, kind: m.version.kind }]));
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
    if (e && e.client === END_MARKER_CLIENT && e.args[0] === END_MARKER_COMMAND) {
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
    return buildMonitorResult({ result: correlator.finish(watchEndedUs || undefined), source: { kind: 'capture', path: opts.input }, raceWindowMs: opts.raceWindowMs, channel: opts.channel, malformed, extra: [], failOn: opts.failOn, complete: !signal.aborted, peakOmemBytes: null });
  }
  return live(ctx, opts, feed, correlator, () => malformed);
}

/**
 * On a cluster, every node's stream carries a heartbeat (an ECHO from our admin connection) every HEARTBEAT_MS, so
 * an event is correlated once every stream has passed its time, however late a stream is delivered. A stream
 * whose heartbeat has not come for HOLD_BACK_US is not waited for. Node clocks must agree (NTP).
 */
const HEARTBEAT_MS = 100;
const HEARTBEAT = 'cachedoctor-heartbeat';
const HOLD_BACK_US = 2_000_000;

async function live(ctx: CommandContext, opts: MonitorOptions, feed: (e: MonitorEvent | null, line: string) => boolean, correlator: Correlator, malformed: () => number): Promise<CommandResult<MonitorData>> {
  const { settings: s, signal, out } = ctx;
  if (s.redis.url === null) throw new UsageError('monitor needs Redis (pass --redis or set REDIS_URL), or a capture with --input');
  const extra: Finding[] = [];
  const stop = new AbortController();
  // Ctrl-C while connecting stops the watch before it starts (a signal that fired already fires no more events).
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  // One admin connection per node (a cluster: every master), for CLIENT LIST and PUBSUB; one MONITOR per node.
  const admin = await connectRedisNodes({ url: s.redis.url, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster }).catch((err: unknown) => {
    signal.removeEventListener('abort', onAbort);
    throw err;
  });
  const monitors: MonitorStream[] = [];
  /** Our own admin connections as MONITOR names them: their commands are ours, not the applications'. */
  const own = new Set<string>();
  try {
    const urls = s.redis.cluster ? admin.nodes.map((n) => nodeUrl(s.redis.url!, n.options.host ?? 'localhost', n.options.port ?? 6379)) : [s.redis.url];
    for (const url of urls) monitors.push(await openMonitor({ url, flag: s.redis.origin, timeoutMs: s.timeoutMs }));
    for (const node of admin.nodes) {
      const id = String(await node.call('CLIENT', 'ID'));
      const addr = / addr=(\S+)/.exec(` ${String(await node.call('CLIENT', 'LIST', 'ID', id))}`)?.[1];
      if (addr) own.add(addr);
    }
  } catch (err) {
    for (const m of monitors) m.close();
    admin.close();
    signal.removeEventListener('abort', onAbort);
    throw err instanceof SourceError ? err : redisSourceError(err, redisTarget(s.redis.url.split(',')[0]!), s.redis.origin, s.timeoutMs, 'query');
  }
  const target = monitors.map((m) => m.target).join(', ');
  let save: WriteStream | null = null;
  const stopReason: { message: string | null } = { message: null };
  let lost: SourceError | null = null;
  let peakOmem = 0;
  let watchStarted = Date.now();
  let guard: NodeJS.Timeout | undefined;
  let tick: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  // The nodes' clock: the newest event's time, and when we received it.
  const clock = { newestUs: 0, receivedMs: 0 };
  const redisNowUs = () => (clock.receivedMs === 0 ? 0 : clock.newestUs + (Date.now() - clock.receivedMs) * 1000);
  try {
    if (opts.channel !== null) {
      const subscribers = await channelSubscribers(admin, opts.channel, { target, flag: s.redis.origin, timeoutMs: s.timeoutMs });
      extra.push(...subscriberFindings(opts.channel, subscribers, opts.expectSubscribers, false));
    }
    out.note(`cachedoctor: MONITOR costs Redis throughput (12-29% measured) and memory if its reader falls behind; watching ${target} for ${opts.durationMs / 1000} s (Ctrl-C stops and reports), stopping if its output buffer passes ${Math.round(opts.maxBuffer / 1024 / 1024)} MiB`);
    if (opts.save !== null) save = createWriteStream(opts.save);
    // Watch our own output buffers on the servers every second: a reader that falls behind grows Redis' memory.
    guard = setInterval(() => {
      monitors.forEach((m, i) => {
        void (admin.nodes[i]!.call('CLIENT', 'LIST', 'ID', String(m.clientId)) as Promise<string>)
          .then((list) => {
            const omem = Number(/ omem=(\d+)/.exec(list)?.[1] ?? 0);
            peakOmem = Math.max(peakOmem, omem);
            if (omem > opts.maxBuffer && !stop.signal.aborted) {
              stopReason.message = `stopped: Redis (${m.target}) held ${Math.round(omem / 1024 / 1024)} MiB of MONITOR output for us (over --max-buffer); the stream is faster than cachedoctor can read it`;
              stop.abort();
            }
          })
          .catch(() => {});
      });
    }, 1000);
    watchStarted = Date.now();
    const timer = setTimeout(() => stop.abort(), opts.durationMs);
    // Every node's stream into one time-ordered merge; the loop below correlates what the merge releases.
    const merge = new TimeMerge<{ e: MonitorEvent; line: string }>(monitors.length, HOLD_BACK_US);
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    let running = monitors.length;
    for (const [i, m] of monitors.entries()) {
      void (async () => {
        for await (const line of m.lines(stop.signal)) {
          const e = parseMonitorLine(line);
          if (e === null) {
            save?.write(`${line}\n`);
            feed(null, line);
            continue;
          }
          if (own.has(e.client)) {
            // Our own CLIENT LIST, PUBSUB and heartbeats: not traffic; a heartbeat says how far this stream has got.
            if (e.args[0] === 'ECHO' && e.args[1] === HEARTBEAT) merge.advance(i, e.timeUs);
            notify();
            continue;
          }
          merge.push(i, e.timeUs, { e, line });
          if (e.timeUs >= clock.newestUs) Object.assign(clock, { newestUs: e.timeUs, receivedMs: Date.now() });
          notify();
        }
      })()
        .catch((err: unknown) => {
          // A node lost mid-watch: stop, and report what was seen (exit 3).
          lost ??= err instanceof SourceError ? err : redisSourceError(err, m.target, s.redis.origin, s.timeoutMs, 'query');
          stop.abort();
        })
        .finally(() => {
          running -= 1;
          notify();
        });
    }
    // Heartbeats through every node's stream (a quiet node then holds nothing back), and a look now and then.
    if (monitors.length > 1) heartbeat = setInterval(() => admin.nodes.forEach((n) => void n.call('ECHO', HEARTBEAT).catch(() => {})), HEARTBEAT_MS);
    tick = setInterval(notify, 25);
    try {
      watching: for (;;) {
        for (const { e, line } of merge.release(redisNowUs(), running === 0)) {
          save?.write(`${line}\n`);
          if (!feed(e, line)) {
            stop.abort();
            break watching;
          }
        }
        if (running === 0 && merge.size === 0) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      clearTimeout(timer);
    }
  } finally {
    clearInterval(guard);
    clearInterval(tick);
    clearInterval(heartbeat);
    signal.removeEventListener('abort', onAbort);
    for (const m of monitors) m.close();
    admin.close();
  }
  if (stopReason.message) extra.push({ kind: 'monitor-stopped', severity: 'warning', message: stopReason.message, peakOmem });
  // Live, time went on to the end of the watch even if the stream went quiet: deadlines up to then are judged,
  // in Redis' clock (ours may differ): the newest event's time plus how long ago we received it.
  const endMs = Date.now();
  const endUs = redisNowUs();
  // The saved capture records when the watch ended, so --input judges it the same way.
  if (save) {
    // A watch that saw no event knows only our clock.
    const endedUs = endUs > 0 ? endUs : Date.now() * 1000;
    save.write(`${Math.floor(endedUs / 1e6)}.${String(endedUs % 1e6).padStart(6, '0')} [0 ${END_MARKER_CLIENT}] "${END_MARKER_COMMAND}"\n`);
    await new Promise<void>((resolve) => save!.end(resolve));
  }
  const result = buildMonitorResult({
    result: correlator.finish(endUs, (endMs - watchStarted) / 1000),
    peakOmemBytes: peakOmem,
    source: { kind: 'live', target, saved: opts.save },
    raceWindowMs: opts.raceWindowMs,
    channel: opts.channel,
    malformed: malformed(),
    extra,
    failOn: opts.failOn,
    complete: !signal.aborted && stopReason.message === null && lost === null,
  });
  return lost === null ? result : { ...result, sourceFailure: { message: (lost as SourceError).line } };
}
