// Follows every key through the command stream, in time order, and finds the sequences that serve stale data:
// stale fills, concurrent fills after one invalidation, invalidations never broadcast, fills without a TTL.
// Pure: events in, findings and statistics out. Memory is bounded by maxKeys (oldest keys are forgotten).
import { type Finding, finding, severitiesOfCounts } from '../findings/findings.js';
import type { FindingKind } from '../findings/kinds.js';
import { plural } from '../plural.js';
import { type Spread, spread } from '../stats.js';
import { compareVersions, formatVersion, type Version } from '../scan/version.js';
import { keysNamedIn } from './broadcastKeys.js';
import { type Action, actionsOf } from './commands.js';
import { detached, type KeyState, KeyStates, note, type PrefixCount, timelineOf } from './keyStates.js';
import { argText, type MonitorEvent } from './parseLine.js';

export interface CorrelateOptions {
  raceWindowUs: number;
  /** The invalidation channel; null: broadcasts are not checked. */
  channel: string | null;
  maxKeys: number;
  /** Findings kept per kind (all are counted). */
  maxFindings: number;
  /** The mapping a key belongs to, or null to leave the key alone. */
  mappingOf(key: string): string | null;
  /** The version a fill writes, or null. */
  versionOf(mapping: string, fill: Extract<Action, { kind: 'fill' }>): Version | null;
}

/** Something that must happen by a deadline: a PUBLISH after an invalidation, an EXPIRE after a fill. */
interface Pending {
  kind: 'broadcast' | 'ttl';
  /** The key's exact bytes (a binary string), to find its state. */
  raw: string;
  /** The key as text: what a broadcast names. */
  key: string;
  client: string;
  deadlineUs: number;
  done: boolean;
}

/** Fills remembered since the last invalidation, enough to see a race between a few instances. */
const FILLS_KEPT = 4;
/** Distinct command names and key prefixes counted; beyond these, a stream of junk is counted as "(other)". */
const NAMES_KEPT = 10_000;

export class Correlator {
  private keys: KeyStates;
  /** Deadlines in the order they fall (a fixed window after events in time order); head: the next to fall. */
  private pending: Pending[] = [];
  private head = 0;
  private ttlWaits = new Map<string, Pending>();
  private broadcastWaits = new Map<string, Pending>();
  private findings = new Map<FindingKind, Finding[]>();
  private counts = new Map<FindingKind, number>();
  /** Counters by command as sent ("get", "GET"), several spellings sharing one counter per command. */
  private commands = new Map<string, { lower: string; counter: PrefixCount }>();
  private commandNames = new Map<string, PrefixCount>();
  private prefixes = new Map<string, PrefixCount>();
  /** Prefixes of the keys no mapping follows: what a mistyped --match saw instead. */
  private otherPrefixes = new Map<string, PrefixCount>();
  private fills = 0;
  private versionedFills = 0;
  /** The fields of the first fill that had no version: what a mistyped --version-field saw instead. */
  private unversionedFields: string[] | null = null;
  private refillDelaysMs: number[] = [];
  private reads = 0;
  private invalidations = 0;
  private events = 0;
  private firstUs: number | null = null;
  private lastUs = 0;
  private clients = new Map<string, string>();

  constructor(private readonly opts: CorrelateOptions) {
    this.keys = new KeyStates(opts.maxKeys);
  }

  feed(e: MonitorEvent): void {
    // One string per distinct client (the event is ours to change): timelines of a million keys must not each
    // hold their own copy of "10.0.0.7:51234".
    const client = this.clients.get(e.client);
    if (client !== undefined) e.client = client;
    else if (this.clients.size < 100_000) {
      // The Map key must be the copy too: the original is a slice of the chunk it came in.
      e.client = detached(e.client);
      this.clients.set(e.client, e.client);
    }
    this.events += 1;
    this.firstUs ??= e.timeUs;
    this.lastUs = Math.max(this.lastUs, e.timeUs);
    const command = this.commands.get(e.args[0]!) ?? this.commandOf(e.args[0]!);
    command.counter.count += 1;
    this.expireDeadlines(e.timeUs);
    for (const action of actionsOf(e, command.lower)) this.apply(action, e);
  }

  /** The command in lower case (what it does) and its counter (a junk stream shares one "(other)" counter). */
  private commandOf(sent: string): { lower: string; counter: PrefixCount } {
    const lower = sent.toLowerCase();
    const name = this.commandNames.size < NAMES_KEPT ? lower : '(other)';
    let counter = this.commandNames.get(name);
    if (counter === undefined) {
      counter = { name: detached(name), count: 0 };
      this.commandNames.set(name, counter);
    }
    const command = { lower, counter };
    if (this.commands.size < NAMES_KEPT) this.commands.set(detached(sent), command);
    return command;
  }

  /** The state of a followed key, or undefined for a key no mapping follows. Text and mapping are worked out once per key. */
  private stateOf(raw: string): KeyState | undefined {
    const known = this.keys.touch(raw);
    if (known !== undefined) return known;
    const key = argText(raw);
    const mapping = this.opts.mappingOf(key);
    const name = key.includes(':') ? key.slice(0, key.lastIndexOf(':') + 1) : key;
    if (mapping === null) {
      countPrefix(this.otherPrefixes, name);
      return undefined;
    }
    let prefix = this.prefixes.get(name);
    if (prefix === undefined) {
      prefix = this.prefixes.size < NAMES_KEPT ? { name: detached(name), count: 0 } : (this.prefixes.get('(other)') ?? { name: '(other)', count: 0 });
      this.prefixes.set(prefix.name, prefix);
    }
    return this.keys.add(raw, key, mapping, prefix);
  }

  private apply(a: Action, e: MonitorEvent): void {
    if (a.kind === 'publish') {
      this.publish(a.channel, a.message, e);
      return;
    }
    const s = this.stateOf(a.key);
    if (s === undefined) return;
    s.prefix.count += 1;
    if (a.kind === 'read') {
      this.reads += 1;
      note(s, e.timeUs, e.client, 'read', null);
    } else if (a.kind === 'fill') {
      this.fill(s, a, e);
    } else if (a.kind === 'invalidate') {
      this.invalidations += 1;
      s.beforeInvalidation = s.current;
      s.current = null;
      s.invalidatedAt = e.timeUs;
      s.fillsSinceInvalidation = [];
      s.concurrentReported = false;
      note(s, e.timeUs, e.client, 'invalidate', null);
      if (this.opts.channel !== null)
        this.wait({ kind: 'broadcast', raw: s.raw, key: s.key, client: e.client, deadlineUs: e.timeUs + this.opts.raceWindowUs, done: false });
    } else {
      const waiting = this.ttlWaits.get(s.raw);
      if (waiting) waiting.done = true;
      note(s, e.timeUs, e.client, 'expire', null);
    }
  }

  private fill(s: KeyState, a: Extract<Action, { kind: 'fill' }>, e: MonitorEvent): void {
    const key = s.key;
    const v = this.opts.versionOf(s.mapping, a);
    this.fills += 1;
    if (v) this.versionedFills += 1;
    else this.unversionedFields ??= fieldsOf(a);
    note(s, e.timeUs, e.client, 'fill', v ? formatVersion(v) : null);
    const firstAfterInvalidation = s.invalidatedAt !== null && s.fillsSinceInvalidation.length === 0;
    if (firstAfterInvalidation) this.refillDelaysMs.length < 100_000 && this.refillDelaysMs.push((e.timeUs - s.invalidatedAt!) / 1000);
    if (v && s.maxVersion && compareVersions(v, s.maxVersion).order < 0) {
      this.find(
        'stale-fill',
        s,
        `${key} was filled with version ${formatVersion(v)} by ${e.client} after version ${formatVersion(s.maxVersion)} had been cached: a fill from a lagging replica or an old read`,
        {
          client: e.client,
          version: formatVersion(v),
          newestVersion: formatVersion(s.maxVersion),
        },
      );
    } else if (v && firstAfterInvalidation && s.beforeInvalidation && compareVersions(v, s.beforeInvalidation).order === 0) {
      // Its own kind, a warning: an invalidation without a write (a refresh, an eviction) refills the same version too.
      this.find(
        'same-version-refill',
        s,
        `${key} was invalidated, then filled by ${e.client} with the same version ${formatVersion(v)} it held before: if the row changed, the fill read it before the change reached its source`,
        {
          client: e.client,
          version: formatVersion(v),
        },
      );
    }
    if (s.invalidatedAt !== null) {
      s.fillsSinceInvalidation.push({ atUs: e.timeUs, client: e.client });
      if (s.fillsSinceInvalidation.length > FILLS_KEPT) s.fillsSinceInvalidation.shift();
      const recent = s.fillsSinceInvalidation.filter((f) => e.timeUs - f.atUs <= this.opts.raceWindowUs);
      const clients = new Set(recent.map((f) => f.client));
      if (clients.size > 1 && !s.concurrentReported) {
        s.concurrentReported = true;
        this.find(
          'concurrent-fill',
          s,
          `${key} was filled by ${plural(clients.size, 'client')} (${[...clients].join(', ')}) within ${this.opts.raceWindowUs / 1000} ms of each other after one invalidation: a stampede, and the later fill may carry older data`,
          {
            clients: [...clients],
          },
        );
      }
    }
    if (v && (!s.maxVersion || compareVersions(v, s.maxVersion).order > 0)) s.maxVersion = v;
    s.current = v;
    // A fill replaces the value, and with it an earlier fill's wait for an expiry: only the last fill's TTL matters
    // (SET k v1, SET k v2, EXPIRE k 60 left the key with a TTL, and nothing to report).
    const superseded = this.ttlWaits.get(s.raw);
    if (superseded) superseded.done = true;
    if (!a.ttl) this.wait({ kind: 'ttl', raw: s.raw, key, client: e.client, deadlineUs: e.timeUs + this.opts.raceWindowUs, done: false });
  }

  private publish(channel: string, message: string, e: MonitorEvent): void {
    if (this.opts.channel === null || argText(channel) !== this.opts.channel) return;
    const text = argText(message);
    // A broadcast names the keys it invalidates (the usual message); one that names no followed key at all (a
    // batch id, "flush") counts for the invalidations of the client that sent it. A PUBLISH about one key does not
    // excuse another key's missing one, even from the same (pooled) connection: "product:10" names a followed key
    // (not waiting), so it excuses nothing but itself, never "product:1".
    const named = this.broadcastWaits.get(text) ?? null;
    const words = named ? [] : keysNamedIn(text);
    const mentioned = named ? [named] : words.flatMap((k) => this.broadcastWaits.get(k) ?? []);
    for (const p of mentioned) p.done = true;
    const namesKeys = named !== null || words.some((k) => this.opts.mappingOf(k) !== null);
    if (!namesKeys) for (const p of this.broadcastWaits.values()) if (!p.done && p.client === e.client) p.done = true;
  }

  private wait(p: Pending): void {
    this.pending.push(p);
    // TTL waits by the key's bytes (what EXPIRE names); broadcast waits by its text (what a PUBLISH names).
    if (p.kind === 'ttl') this.ttlWaits.set(p.raw, p);
    else {
      // A second invalidation of the key inside the window (delete before and after the write, a common pattern)
      // is one burst: the broadcast that follows the last covers the first.
      const earlier = this.broadcastWaits.get(p.key);
      if (earlier) earlier.done = true;
      this.broadcastWaits.set(p.key, p);
    }
  }

  /** Deadlines that passed before `nowUs` without what they waited for become findings. */
  private expireDeadlines(nowUs: number): void {
    while (this.head < this.pending.length && this.pending[this.head]!.deadlineUs < nowUs) {
      const p = this.pending[this.head]!;
      this.head += 1;
      const [waits, id] = p.kind === 'ttl' ? [this.ttlWaits, p.raw] : [this.broadcastWaits, p.key];
      if (waits.get(id) === p) waits.delete(id);
      if (!p.done) this.miss(p);
    }
    if (this.head > 4096 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  private miss(p: Pending): void {
    const s = this.keys.peek(p.raw);
    if (!s) return;
    if (p.kind === 'broadcast') {
      this.find(
        'missing-broadcast',
        s,
        `${p.key} was invalidated by ${p.client} with no PUBLISH on ${this.opts.channel} within ${this.opts.raceWindowUs / 1000} ms: in-process caches keep the old value`,
        {
          client: p.client,
        },
      );
    } else {
      this.find('fill-without-ttl', s, `${p.key} was filled by ${p.client} with no expiry: if an invalidation is missed, it stays wrong forever`, {
        client: p.client,
      });
    }
  }

  private find(kind: FindingKind, s: KeyState, message: string, fields: Record<string, unknown>): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const list = this.findings.get(kind) ?? [];
    if (list.length < this.opts.maxFindings) list.push(finding(kind, message, { key: s.key, mapping: s.mapping, ...fields, timeline: timelineOf(s) }));
    this.findings.set(kind, list);
  }

  /**
   * Invalidations and TTL-less fills whose window had not closed when the stream ended (a capture cut off, a
   * watch stopped): what would have followed is unseen, so they are neither findings nor fine. Counted, never dropped.
   */
  private undecided(): void {
    const open = this.pending.slice(this.head).filter((p) => !p.done);
    if (open.length === 0) return;
    const broadcasts = open.filter((p) => p.kind === 'broadcast').length;
    const fills = open.length - broadcasts;
    const what = [
      broadcasts > 0 ? `${plural(broadcasts, 'invalidation')} (was it broadcast?)` : '',
      fills > 0 ? `${plural(fills, 'fill')} without a TTL (did an EXPIRE follow?)` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const examples = [...new Set(open.map((p) => p.key))].slice(0, 5);
    this.counts.set('undecided-at-end', 1);
    this.findings.set('undecided-at-end', [
      finding(
        'undecided-at-end',
        `${what} in the last ${this.opts.raceWindowUs / 1000} ms could not be judged: the stream ends before their window does; e.g. ${examples.join(', ')}`,
        {
          broadcasts,
          fills,
          examples,
        },
      ),
    ]);
  }

  /**
   * Ends the stream at `endUs` (live: when watching stopped; a capture: its last event): deadlines that passed
   * by then count; ones still open are not judged. `seconds` is how long the stream was watched, if known.
   */
  finish(endUs = this.lastUs, watchedSeconds?: number): MonitorResult {
    this.expireDeadlines(Math.max(endUs, this.lastUs) + 1);
    this.undecided();
    const top = (m: Map<string, PrefixCount>) =>
      [...m.values()]
        .filter((c) => c.count > 0)
        .sort((a, b) => b.count - a.count)
        .slice(0, 10)
        .map(({ name, count }) => ({ name, count }));
    const seconds = watchedSeconds ?? (this.firstUs === null ? 0 : (this.lastUs - this.firstUs) / 1e6);
    return {
      findings: [...this.findings.values()].flat(),
      counts: Object.fromEntries(this.counts),
      severities: severitiesOfCounts(Object.fromEntries(this.counts)),
      stats: {
        events: this.events,
        seconds,
        eventsPerSecond: seconds > 0 ? Math.round(this.events / seconds) : null,
        topCommands: top(this.commandNames),
        topPrefixes: top(this.prefixes),
        followedEvents: [...this.prefixes.values()].reduce((n, p) => n + p.count, 0),
        otherPrefixes: top(this.otherPrefixes),
        fills: this.fills,
        versionedFills: this.versionedFills,
        unversionedFields: this.unversionedFields,
        reads: this.reads,
        invalidations: this.invalidations,
        readsPerInvalidation: this.invalidations > 0 ? Math.round((this.reads / this.invalidations) * 10) / 10 : null,
        refillDelayMs: spread(this.refillDelaysMs) ?? null,
        keysTracked: this.keys.size,
        keysForgotten: this.keys.forgotten,
      },
    };
  }
}

export interface MonitorResult {
  findings: Finding[];
  /** Every finding counted by kind, listed or not. */
  counts: Partial<Record<FindingKind, number>>;
  /** Every finding counted by severity, listed or not. */
  severities: Record<Finding['severity'], number>;
  stats: {
    events: number;
    seconds: number;
    eventsPerSecond: number | null;
    topCommands: { name: string; count: number }[];
    topPrefixes: { name: string; count: number }[];
    /** Commands that touched a followed key. */
    followedEvents: number;
    /** The busiest prefixes of keys no mapping follows. */
    otherPrefixes: { name: string; count: number }[];
    /** Fills of followed keys, and how many of them carried a version. */
    fills: number;
    versionedFills: number;
    /** The fields (or "a non-JSON value") of the first fill without a version, or null. */
    unversionedFields: string[] | null;
    reads: number;
    invalidations: number;
    readsPerInvalidation: number | null;
    refillDelayMs: Spread | null;
    keysTracked: number;
    keysForgotten: number;
  };
}

/** Counts a key prefix, in bounded memory (beyond NAMES_KEPT distinct prefixes, as "(other)"). */
function countPrefix(m: Map<string, PrefixCount>, name: string): void {
  let p = m.get(name);
  if (p === undefined) {
    p = m.size < NAMES_KEPT ? { name: detached(name), count: 0 } : (m.get('(other)') ?? { name: '(other)', count: 0 });
    m.set(p.name, p);
  }
  p.count += 1;
}

/** What a fill holds, to name instead of a missing version: its JSON fields or hash fields (a few), or what it is. */
function fieldsOf(a: Extract<Action, { kind: 'fill' }>): string[] {
  if (a.fields) return [...a.fields.keys()].slice(0, 8).map(argText);
  const text = a.value === null ? '' : argText(a.value);
  if (!text.startsWith('{')) return ['(a value that is not a JSON object)'];
  try {
    return Object.keys(JSON.parse(text) as object).slice(0, 8);
  } catch {
    return ['(a value that is not JSON)'];
  }
}
