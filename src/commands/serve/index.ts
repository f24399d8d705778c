// `cachedoctor serve`: a Prometheus exporter. lag, a rate-limited scan of every mapping, the invalidation channel's
// subscribers and follow (every committed write) run side by side, each at its own interval, until SIGTERM; each
// updates the metrics as it completes, and /metrics only reads them. A part that fails retries with backoff and
// says so once; serve itself never stops on a blip.
import type { Server } from 'node:http';
import { sleep } from '../../async.js';
import type { CommandResult } from '../../core/envelope.js';
import { comparedNothing } from '../../core/serve/comparedNothing.js';
import { FollowTally } from '../../core/serve/followTally.js';
import type { ServeData } from '../../core/serve/serveData.js';
import { nextRunInMs } from '../../core/serve/retry.js';
import { lastVerdict, newPartState, type PartState, SERVED_PARTS, type ServedPart, type ServedState } from '../../core/serve/servedReport.js';
import type { Mapping } from '../../core/scan/mapping.js';
import { plural } from '../../core/plural.js';
import { CachedoctorError, ConfigError, SituationalError, SourceError, UsageError } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { CommandContext } from '../context.js';
import { run as runFollow } from '../follow/index.js';
import { run as runLag } from '../lag/index.js';
import { countSubscribers } from '../report/subscribers.js';
import { run as runScan } from '../scan/index.js';
import { drawSeed } from '../scan/options.js';
import { listen } from './http.js';
import { MappingSource, NoMappingsYet } from './mappingSource.js';
import { ServeMetrics } from './metrics.js';
import type { ServeOptions } from './options.js';

export { parse } from './options.js';

/** follow, after it stopped (Redis lost, the slot too far behind): retried with backoff up to this. */
const FOLLOW_RETRY_MAX_MS = 60_000;
/** After SIGTERM: how long the parts get to stop (a scan's read in flight, follow dropping its slot). */
const STOP_WITHIN_MS = 5000;
/** follow's backoff starts again from 1 s only after a stream that stayed up this long: one that dies soon after
 * it starts (the slot too far behind at once) must not make a new slot every second. */
const FOLLOW_STABLE_MS = 60_000;
/** While a part is down, its last run's values stay on /metrics this many of its intervals (a blip leaves no gap). */
const KEEP_INTERVALS = 2;

type Source = 'redis' | 'primary';
const USES: Record<ServedPart, readonly Source[]> = { lag: ['primary'], scan: ['redis', 'primary'], subscribers: ['redis'], follow: ['redis', 'primary'] };

export async function run(outer: CommandContext, opts: ServeOptions): Promise<CommandResult<ServeData>> {
  const { settings: s, out } = outer;
  // SIGTERM stops the parts, and so does a mistake in the flags or the mappings found on a part's first attempt.
  const stop = new AbortController();
  if (outer.signal.aborted) stop.abort();
  else outer.signal.addEventListener('abort', () => stop.abort(), { once: true });
  const signal = stop.signal;
  const ctx: CommandContext = { ...outer, signal };
  let mistake: CachedoctorError | null = null;
  // The parts that got past connecting once (a result, or an error of the flags or the mappings).
  const gotThrough = new Set<ServedPart>();
  if (s.redis.url === null && s.primary === null && s.replicas.length === 0)
    throw new UsageError('serve has nothing to watch: no Redis and no PostgreSQL given', 'pass --redis, --pg and --replica, or a config file that names them');
  // A server writes log lines, never a progress line.
  out.progressOn = false;
  const started = Date.now();
  const noRedis = s.redis.url === null ? 'no Redis given (--redis)' : null;
  const noPrimary = s.primary === null ? 'no PostgreSQL primary given (--pg)' : null;
  const keep = (ms: number) => ms * KEEP_INTERVALS;
  const parts: Record<ServedPart, PartState> = {
    lag: newPartState(s.primary === null && s.replicas.length === 0 ? 'no PostgreSQL given (--pg, --replica)' : null, keep(opts.lagIntervalMs)),
    scan: newPartState(noRedis ?? noPrimary, keep(opts.scanIntervalMs)),
    subscribers: newPartState(noRedis ?? (opts.channel === null ? 'no invalidation channel given (--channel)' : null), keep(opts.lagIntervalMs)),
    follow: newPartState(opts.follow === null ? 'turned off (--no-follow)' : (noRedis ?? noPrimary)),
  };
  const tally = new FollowTally();
  const state = (): ServedState => ({
    parts,
    follow: parts.follow.off === null ? { mode: followMode ?? 'logical', mappings: tally.mappings() } : null,
    channel: opts.channel,
    failOn: opts.failOn,
  });
  let followMode: 'logical' | 'poll' | null = null;
  const metrics = new ServeMetrics(state, VERSION);
  // What each running part's last attempt found out about each source it uses: reached, or why not.
  const reach = new Map<ServedPart, Map<Source, string | null>>();
  const usersOf = (src: Source) =>
    SERVED_PARTS.filter((p) => parts[p].off === null && USES[p].includes(src) && (src === 'redis' ? s.redis.url : s.primary) !== null);
  const log = (line: string) => out.note(`cachedoctor: serve: ${line}`);
  const failedOnce = new Set<string>();
  let scrapes = 0;

  const { server, url } = await listen(opts.listen, {
    metrics: async () => {
      scrapes += 1;
      return { contentType: metrics.contentType, body: await metrics.text(new Date()) };
    },
    // Ready when every part that uses a source reached it on its last attempt: one part cannot hide another's failure.
    notReady: () => {
      const untried: string[] = [];
      const why = (['redis', 'primary'] as const).flatMap((src) => {
        const seen = usersOf(src).map((p) => reach.get(p)?.get(src));
        if (seen.length > 0 && seen.every((x) => x === undefined)) untried.push(`${src}: not tried yet`);
        return [...new Set(seen.filter((x): x is string => typeof x === 'string'))].map((w) => out.clean(`${src}: ${w}`));
      });
      // A source not tried because the parts stopped at the other one first is no reason of its own.
      const all = why.length > 0 ? why : untried;
      return all.length === 0 ? null : all;
    },
    failed: (err) => {
      const line = `a request failed: ${(err as Error)?.message ?? String(err)} (a bug: please report it)`;
      if (!failedOnce.has(line)) log(line);
      failedOnce.add(line);
    },
  });
  const on = SERVED_PARTS.filter((p) => parts[p].off === null);
  metrics.running(on);
  log(
    `listening on ${url}/metrics (also /healthz, /readyz); ${on.map((p) => partPlan(p, opts)).join(', ') || 'nothing to run'}${
      SERVED_PARTS.some((p) => parts[p].off !== null)
        ? `; not running: ${SERVED_PARTS.filter((p) => parts[p].off !== null)
            .map((p) => `${p} (${parts[p].off})`)
            .join(', ')}`
        : ''
    }`,
  );

  // What a run of a part found out about its sources: reachable, or not (with why).
  // A failure is put on the source it names; one that names none (a grant, a replica, no mappings found) is the
  // part's own. A run that came back with a result (a replica lost, a master lost mid-scan) reached the others.
  const reached = (part: ServedPart, err: unknown, returned: boolean) => {
    const of = reach.get(part) ?? new Map<Source, string | null>();
    reach.set(part, of);
    const server = err === null ? null : err instanceof SourceError ? err.server : ((err as { server?: 'redis' | 'postgres' | null }).server ?? null);
    const src: Source | null = server === 'redis' ? 'redis' : server === 'postgres' ? 'primary' : null;
    for (const each of USES[part]) {
      if (each === src) of.set(each, errorLine(err));
      else if (returned) of.set(each, null);
    }
  };
  /** `keepBackoff`: follow's stream is up, but its backoff starts again only once it stayed up (FOLLOW_STABLE_MS). */
  const succeeded = (part: ServedPart, at: number, keepBackoff = false) => {
    const p = parts[part];
    if (p.up === false)
      log(`${part} is up again (after ${plural(p.failuresInRow, 'failed run')} over ${formatSeconds(Date.now() - (p.lastSuccessAtMs ?? started))})`);
    p.up = true;
    gotThrough.add(part);
    if (!keepBackoff) p.failuresInRow = 0;
    p.lastError = null;
    p.lastSuccessAtMs = Date.now();
    if (!keepBackoff) p.lastDurationMs = Date.now() - at;
    reached(part, null, true);
  };
  /** `counted`: the same failure was counted already (follow's stream went down, then its run ended for it). */
  const failed = (part: ServedPart, at: number, err: unknown, retryInMs: number | null, counted = false, returned = false) => {
    const p = parts[part];
    const line = errorLine(err);
    if (!counted) {
      p.errors += 1;
      p.failuresInRow += 1;
      metrics.failed(part);
    }
    p.lastDurationMs = Date.now() - at;
    // A table or column that does not exist, on the first attempt of the part that got past connecting: a mistake
    // in the flags or the config file, and waiting will not fix it. After one, it is a change (a migration).
    const stopping = mistake === null && !gotThrough.has(part) && isMistake(err);
    if (err instanceof CachedoctorError && !(err instanceof SourceError)) gotThrough.add(part);
    const then = stopping ? '; stopping: fix the flags or the config file' : retryInMs === null ? '' : `; trying again in ${formatSeconds(retryInMs)}`;
    if (stopping || p.up !== false || p.lastError !== line) log(`${part} failed: ${line}${then}`);
    if (!(err instanceof CachedoctorError) && s.verbose && err instanceof Error && err.stack) out.note(err.stack);
    p.up = false;
    p.lastError = line;
    reached(part, err, returned || (err instanceof NoMappingsYet && err.contacted));
    if (stopping) {
      mistake = err;
      stop.abort();
    }
  };

  const mappings = new MappingSource(ctx, opts);
  // The mappings whose last scan compared nothing (said once, when it starts and when it ends).
  let blind = new Set<string>();
  /** One run of an interval part: its result, or its failure; cut short by SIGTERM, it counts as neither. */
  const attempt = async (part: ServedPart, intervalMs: number, work: () => Promise<CommandResult>): Promise<number> => {
    const p = parts[part];
    const at = Date.now();
    p.runs += 1;
    p.lastRunAtMs = at;
    metrics.ran(part);
    try {
      const result = await work();
      if (signal.aborted) return 0;
      if (result.complete) {
        p.last = result;
        p.lastCompletedAtMs = Date.now();
      }
      const next = nextRunInMs(intervalMs, p.failuresInRow + 1);
      if (result.sourceFailure) {
        failed(part, at, { message: result.sourceFailure.message, server: result.sourceFailure.server ?? null }, next, false, true);
        return next;
      }
      if (!result.complete) {
        failed(part, at, new Error('stopped before it finished'), next);
        return next;
      }
      succeeded(part, at);
      if (part === 'scan') {
        const said = comparedNothing(blind, result.findings);
        blind = said.blind;
        for (const line of said.lines) log(`scan: ${line}`);
      }
      return intervalMs;
    } catch (err) {
      if (signal.aborted) return 0;
      // A source down may be back in a second; a mistake in the mappings or the grants is not, nor is an empty cache.
      const next = isMistake(err) || err instanceof NoMappingsYet ? intervalMs : nextRunInMs(intervalMs, p.failuresInRow + 1);
      failed(part, at, err, next);
      return next;
    }
  };
  const every = async (part: ServedPart, intervalMs: number, work: () => Promise<CommandResult>) => {
    if (parts[part].off !== null) return;
    while (!signal.aborted) {
      const wait = await attempt(part, intervalMs, work);
      await sleep(wait, signal);
    }
  };

  // A loop never throws by design (each run's failure is caught); one that did would be a bug, said, not a crash.
  const loops = [
    every('lag', opts.lagIntervalMs, () => runLag(ctx, opts.lag)),
    every('subscribers', opts.lagIntervalMs, () => countSubscribers(ctx, opts.channel!, opts.expectSubscribers)),
    every('scan', opts.scanIntervalMs, async () => {
      const found = await mappings.get(opts.scanIntervalMs);
      return runScan(ctx, { ...opts.scan, mappings: found, replicas: s.replicas.length > 0, seed: drawSeed() });
    }),
    followAll(),
  ].map((loop) => loop.catch((err: unknown) => log(`a part stopped for good: ${errorLine(err)} (a bug: please report it)`)));

  /** follow all the time: restarted (a new temporary slot) with backoff when it stops. */
  async function followAll(): Promise<void> {
    const p = parts.follow;
    if (p.off !== null || opts.follow === null) return;
    while (!signal.aborted) {
      const at = Date.now();
      let found: Mapping[];
      try {
        found = await mappings.get(opts.scanIntervalMs);
      } catch (err) {
        if (signal.aborted) break;
        p.runs += 1;
        p.lastRunAtMs = at;
        metrics.ran('follow');
        // None found yet: looked for again with the next scan, not every second.
        const next = err instanceof NoMappingsYet ? opts.scanIntervalMs : nextRunInMs(FOLLOW_RETRY_MAX_MS, p.failuresInRow + 1);
        failed('follow', at, err, next);
        await sleep(next, signal);
        continue;
      }
      p.runs += 1;
      p.lastRunAtMs = at;
      metrics.ran('follow');
      metrics.following(found.map((m) => m.name));
      tally.track(found.map((m) => m.name));
      let why: unknown = null;
      let upAt: number | null = null;
      let downInRun = false;
      // A stream that stayed up long enough starts the backoff again from its first step.
      const settle = () => {
        if (upAt !== null && Date.now() - upAt >= FOLLOW_STABLE_MS) p.failuresInRow = 0;
        upAt = null;
      };
      try {
        const result = await runFollow(ctx, {
          ...opts.follow,
          mappings: found,
          live: {
            observe: (o) => {
              tally.add(o);
              metrics.write(o);
            },
            stream: (st) => {
              if (st.up) {
                followMode = st.mode;
                metrics.followed(st.mode);
                upAt = Date.now();
                downInRun = false;
                succeeded('follow', at, true);
              } else {
                metrics.followed(null);
                settle();
                downInRun = true;
                failed('follow', at, new SourceError(st.why, undefined, { server: 'postgres' }), null);
              }
            },
          },
        });
        if (signal.aborted) break;
        why = result.sourceFailure
          ? { message: result.sourceFailure.message, server: result.sourceFailure.server ?? null }
          : new Error(result.findings.find((f) => f.kind === 'follow-stopped')?.message ?? 'follow stopped');
      } catch (err) {
        if (signal.aborted) break;
        why = err;
      }
      metrics.followed(null);
      settle();
      // A run that ends because its stream went down (and never came back) is one failure, counted when it went.
      const next = nextRunInMs(FOLLOW_RETRY_MAX_MS, p.failuresInRow + (downInRun ? 0 : 1));
      failed('follow', at, why, next, downInRun);
      await sleep(next, signal);
    }
  }

  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  if (mistake === null)
    log(`stopping: waiting for the parts to close their connections${followMode === 'poll' || parts.follow.off !== null ? '' : ' (follow drops its slot)'}`);
  const stopped = await Promise.race([Promise.all(loops).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_WITHIN_MS).unref())]);
  if (!stopped) log(`a part did not stop within ${STOP_WITHIN_MS / 1000} s; exiting anyway`);
  await close(server);
  if (mistake !== null) throw mistake;
  return {
    command: 'serve',
    // Stopping on SIGTERM is how a server ends: a complete run, not an interrupted one.
    complete: true,
    fails: false,
    findings: [],
    summary: { seconds: Math.round((Date.now() - started) / 1000), scrapes, errors: SERVED_PARTS.reduce((n, p) => n + parts[p].errors, 0) },
    data: {
      url,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      scrapes,
      lastVerdict: lastVerdict(state(), VERSION, new Date()),
      parts: SERVED_PARTS.map((part) => {
        const p = parts[part];
        return { part, off: p.off, runs: p.runs, errors: p.errors, up: p.up, lastError: p.lastError };
      }),
    },
    ...(mappings.discovered ? { discovered: mappings.discovered } : {}),
  };
}

function partPlan(part: ServedPart, opts: ServeOptions): string {
  if (part === 'lag') return `lag every ${formatSeconds(opts.lagIntervalMs)}`;
  if (part === 'subscribers') return `subscribers of ${opts.channel} every ${formatSeconds(opts.lagIntervalMs)}`;
  if (part === 'scan')
    return `scan every ${formatSeconds(opts.scanIntervalMs)} (${opts.scan.sample} keys per mapping${opts.scan.rate === null ? '' : ` at ${opts.scan.rate} keys/s`})`;
  return 'follow all the time';
}

/** An error of the flags or the mappings that waiting will not fix (not a server's state: a standby, a view). */
function isMistake(err: unknown): err is CachedoctorError {
  return (err instanceof UsageError || err instanceof ConfigError) && !(err instanceof NoMappingsYet) && !(err instanceof SituationalError);
}

function errorLine(err: unknown): string {
  if (err instanceof CachedoctorError) return err.line;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
