// monitor's live watch: MONITOR on every node (one, or each master of a cluster), merged in time order, with an
// output-buffer guard per node, the channel's subscriber count, and --save; Ctrl-C or a lost node ends it with a report.
import type { CommandResult } from '../../core/envelope.js';
import { finding, type Finding } from '../../core/findings/findings.js';
import type { Correlator } from '../../core/monitor/correlate.js';
import { buildMonitorResult, type MonitorData } from '../../core/monitor/monitorReport.js';
import { type MonitorEvent, parseMonitorLine } from '../../core/monitor/parseLine.js';
import { TimeMerge } from '../../core/monitor/timeMerge.js';
import { subscriberFindings } from '../../core/subscribers.js';
import { SourceError, UsageError } from '../../errors.js';
import { connectRedisNodes, nodeUrl, redisSourceError, redisTarget } from '../../sources/redis/connect.js';
import { type MonitorStream, openMonitor } from '../../sources/redis/monitorStream.js';
import { channelSubscribers } from '../../sources/redis/subscribers.js';
import type { CommandContext } from '../context.js';
import type { Mapping } from '../../core/scan/mapping.js';
import { describeFollowed, maxLineChars, type MonitorOptions } from './options.js';
import { watchEndLine } from './endMarker.js';
import { SaveFile } from './saveFile.js';

/**
 * On a cluster, every node's stream carries a heartbeat (an ECHO from our admin connection) every HEARTBEAT_MS, so
 * an event is correlated once every stream has passed its time, however late a stream is delivered. A stream
 * whose heartbeat has not come for HOLD_BACK_US is not waited for. Node clocks must agree (NTP).
 */
const HEARTBEAT_MS = 100;
const HEARTBEAT = 'cachedoctor-heartbeat';
const HOLD_BACK_US = 2_000_000;
/** Consecutive failed output-buffer checks (one a second) before the watch stops rather than go on blind. */
const GUARD_FAILURES = 3;
/** Events waiting between the readers and the correlator: above HIGH the readers wait, below LOW they read on. */
const MERGE_HIGH = 50_000;
const MERGE_LOW = 10_000;

export async function watchLive(
  ctx: CommandContext,
  opts: MonitorOptions<Mapping[]>,
  feed: (e: MonitorEvent | null, line: string) => boolean,
  correlator: Correlator,
  malformed: () => number,
): Promise<CommandResult<MonitorData>> {
  const { settings: s, signal, out } = ctx;
  if (s.redis.url === null) throw new UsageError('monitor needs Redis (pass --redis or set REDIS_URL), or a capture with --input');
  const extra: Finding[] = [];
  // A --save path that cannot be written is the user's to fix before anything connects (exit 2).
  const save = opts.save === null ? null : await SaveFile.open(opts.save);
  const stop = new AbortController();
  // Ctrl-C while connecting stops the watch before it starts (a signal that fired already fires no more events).
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  // One admin connection per node (a cluster: every master), for CLIENT LIST and PUBSUB; one MONITOR per node.
  const admin = await connectRedisNodes({ url: s.redis.url, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster }).catch(
    async (err: unknown) => {
      signal.removeEventListener('abort', onAbort);
      await save?.discard();
      throw err;
    },
  );
  const monitors: MonitorStream[] = [];
  /** Our own admin connections as MONITOR names them: their commands are ours, not the applications'. */
  const own = new Set<string>();
  try {
    const urls = s.redis.cluster ? admin.nodes.map((n) => nodeUrl(s.redis.url!, n.options.host ?? 'localhost', n.options.port ?? 6379)) : [s.redis.url];
    for (const url of urls)
      monitors.push(
        await openMonitor({
          url,
          flag: s.redis.origin,
          timeoutMs: s.timeoutMs,
          maxLineChars: maxLineChars(opts.maxValueBytes),
          tlsName: new URL(s.redis.url.split(',')[0]!.trim()).hostname,
        }),
      );
    for (const node of admin.nodes) {
      const id = String(await node.call('CLIENT', 'ID'));
      const addr = / addr=(\S+)/.exec(` ${String(await node.call('CLIENT', 'LIST', 'ID', id))}`)?.[1];
      if (addr) own.add(addr);
    }
    // Counted only when a count can be a finding (--expect-subscribers): otherwise a role without PUBSUB would
    // fail a watch that never needed it. Before the watch, so a failure here still leaves no --save file behind.
    if (opts.channel !== null && opts.expectSubscribers !== null) {
      const subscribers = await channelSubscribers(admin, opts.channel, {
        target: monitors.map((m) => m.target).join(', '),
        flag: s.redis.origin,
        timeoutMs: s.timeoutMs,
      });
      extra.push(...subscriberFindings(opts.channel, subscribers, opts.expectSubscribers, false));
    }
  } catch (err) {
    for (const m of monitors) m.close();
    admin.close();
    signal.removeEventListener('abort', onAbort);
    await save?.discard();
    throw err instanceof SourceError ? err : redisSourceError(err, redisTarget(s.redis.url.split(',')[0]!), s.redis.origin, s.timeoutMs, 'query');
  }
  const target = monitors.map((m) => m.target).join(', ');
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
    out.note(
      `cachedoctor: MONITOR costs Redis throughput (12-29% measured) and memory if its reader falls behind; watching ${target} for ${opts.durationMs / 1000} s (Ctrl-C stops and reports), stopping if its output buffer passes ${Math.round(opts.maxBuffer / 1024 / 1024)} MiB`,
    );
    const stopWith = (message: string) => {
      if (stop.signal.aborted) return;
      stopReason.message = message;
      stop.abort();
    };
    // Watch our own output buffers on the servers every second: a reader that falls behind grows Redis' memory.
    // A check that keeps failing is a guard gone blind: stop rather than watch without it.
    const failedChecks = monitors.map(() => 0);
    guard = setInterval(() => {
      monitors.forEach((m, i) => {
        void (admin.nodes[i]!.call('CLIENT', 'LIST', 'ID', String(m.clientId)) as Promise<string>).then(
          (list) => {
            failedChecks[i] = 0;
            const omem = Number(/ omem=(\d+)/.exec(list)?.[1] ?? 0);
            peakOmem = Math.max(peakOmem, omem);
            if (omem > opts.maxBuffer) {
              stopWith(
                `stopped: Redis (${m.target}) held ${Math.round(omem / 1024 / 1024)} MiB of MONITOR output for us (over --max-buffer); the stream is faster than cachedoctor can read it`,
              );
            }
          },
          (err: unknown) => {
            failedChecks[i] = (failedChecks[i] ?? 0) + 1;
            if (failedChecks[i] === 1)
              out.note(`cachedoctor: monitor: cannot check the MONITOR output buffer on ${m.target} (CLIENT LIST: ${(err as Error).message}); trying again`);
            if (failedChecks[i]! >= GUARD_FAILURES) {
              stopWith(
                `stopped: the MONITOR output buffer on ${m.target} could not be checked for ${GUARD_FAILURES} s (CLIENT LIST: ${(err as Error).message}); watching without that guard could grow Redis' memory`,
              );
            }
          },
        );
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
    // Bounded between the readers and the correlator: past MERGE_HIGH events waiting (a slow disk behind --save),
    // the readers stop reading; Redis then holds the stream, and the output-buffer guard watches that.
    let readersWaiting: (() => void)[] = [];
    const readOn = () => {
      const waiting = readersWaiting;
      readersWaiting = [];
      for (const w of waiting) w();
    };
    for (const [i, m] of monitors.entries()) {
      void (async () => {
        for await (const line of m.lines(stop.signal)) {
          if (merge.size > MERGE_HIGH && !stop.signal.aborted) await new Promise<void>((resolve) => readersWaiting.push(resolve));
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
          if (e.timeUs >= clock.newestUs) {
            clock.newestUs = e.timeUs;
            clock.receivedMs = Date.now();
          }
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
        if (save?.failure) stopWith(`stopped: ${save.failure}`);
        if (save?.full) await save.drained(stop.signal);
        if (merge.size < MERGE_LOW || stop.signal.aborted) readOn();
        if (running === 0 && merge.size === 0) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      clearTimeout(timer);
      readOn();
    }
  } finally {
    clearInterval(guard);
    clearInterval(tick);
    clearInterval(heartbeat);
    signal.removeEventListener('abort', onAbort);
    for (const m of monitors) m.close();
    admin.close();
  }
  if (stopReason.message) extra.push(finding('monitor-stopped', stopReason.message, { peakOmem }));
  // Live, time went on to the end of the watch even if the stream went quiet: deadlines up to then are judged,
  // in Redis' clock (ours may differ): the newest event's time plus how long ago we received it.
  const endMs = Date.now();
  const endUs = redisNowUs();
  // The saved capture records when the watch ended, so --input judges it the same way.
  if (save) {
    // A watch that saw no event knows only our clock.
    const endedUs = endUs > 0 ? endUs : Date.now() * 1000;
    await save.end(watchEndLine(endedUs), Math.max(s.timeoutMs, 2000));
    if (save.failure && stopReason.message === null)
      extra.push(finding('monitor-stopped', `the watch ran to its end, but ${save.failure}: the saved capture is incomplete`, { peakOmem }));
  }
  const result = buildMonitorResult({
    result: correlator.finish(endUs, (endMs - watchStarted) / 1000),
    peakOmemBytes: peakOmem,
    source: { kind: 'live', target, saved: opts.save },
    raceWindowMs: opts.raceWindowMs,
    channel: opts.channel,
    following: describeFollowed(opts.follow),
    malformed: malformed(),
    oversizedLines: monitors.reduce((n, m) => n + m.overlong, 0),
    extra,
    failOn: opts.failOn,
    complete: !signal.aborted && stopReason.message === null && lost === null,
  });
  return lost === null ? result : { ...result, sourceFailure: { message: (lost as SourceError).line } };
}
