// What the correlator remembers per key, in bounded memory: the versions seen, the last invalidation, and a short
// timeline of events kept as evidence for findings.
import type { Version } from '../scan/version.js';

export interface TimelineEntry {
  atUs: number;
  client: string;
  what: 'read' | 'fill' | 'invalidate' | 'expire' | 'publish';
  version: string | null;
}

/** Events counted under a key prefix (`product:`), shared by every key state with that prefix. */
export interface PrefixCount {
  name: string;
  count: number;
}

export interface KeyState {
  /** The key as text (UTF-8 decoded), for findings; states are found by the key's exact bytes. */
  key: string;
  /** The key's exact bytes as a binary string (its own copy: the Map key). */
  raw: string;
  mapping: string;
  prefix: PrefixCount;
  /** The highest version any fill has written. */
  maxVersion: Version | null;
  /** The version in the cache now, as far as the stream shows. */
  current: Version | null;
  /** What the cache held when it was last invalidated. */
  beforeInvalidation: Version | null;
  invalidatedAt: number | null;
  fillsSinceInvalidation: { atUs: number; client: string }[];
  concurrentReported: boolean;
  /** The key's last TIMELINE events, as a ring of entries reused in place (no allocation per event). */
  timeline: TimelineEntry[];
  next: number;
  /** Tick of the last touch: keys touched lately get a second chance before being forgotten. */
  touched: number;
}

/** Events kept per key as evidence: enough to show a fill, an invalidation and the fills around them. */
const TIMELINE = 6;

/** At most `maxKeys` key states; beyond that the least recently used is forgotten, roughly. */
export class KeyStates {
  private keys = new Map<string, KeyState>();
  private tick = 0;
  forgotten = 0;

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.keys.size;
  }

  /** The state of a key (by its exact bytes, as a binary string) if it is remembered, marked as just used. */
  touch(raw: string): KeyState | undefined {
    const s = this.keys.get(raw);
    if (s !== undefined) s.touched = ++this.tick;
    return s;
  }

  /** Remembers a new key (forgetting the least recently used one if full). */
  add(raw: string, key: string, mapping: string, prefix: PrefixCount): KeyState {
    if (this.keys.size >= this.maxKeys) this.forgetOne();
    const stored = detached(raw);
    const s: KeyState = {
      key: key === raw ? stored : detached(key),
      raw: stored,
      mapping,
      prefix,
      maxVersion: null,
      current: null,
      beforeInvalidation: null,
      invalidatedAt: null,
      fillsSinceInvalidation: [],
      concurrentReported: false,
      timeline: [],
      next: 0,
      touched: ++this.tick,
    };
    this.keys.set(stored, s);
    return s;
  }

  /** The key's state if it is remembered, without touching it. */
  peek(raw: string): KeyState | undefined {
    return this.keys.get(raw);
  }

  /**
   * Forgets the least recently used key, roughly: keys are kept in insertion order, and one touched within the
   * last maxKeys / 2 uses is moved to the back instead (a second chance). Re-ordering on every touch would
   * cost a Map delete and insert per event.
   */
  private forgetOne(): void {
    const recent = this.tick - this.maxKeys / 2;
    for (let tries = 0; tries < 64; tries += 1) {
      const [key, s] = this.keys.entries().next().value as [string, KeyState];
      this.keys.delete(key);
      if (s.touched < recent || tries === 63) {
        this.forgotten += 1;
        return;
      }
      this.keys.set(key, s);
    }
  }
}

/** Records an event in the key's timeline ring. */
export function note(s: KeyState, atUs: number, client: string, what: TimelineEntry['what'], version: string | null): void {
  const slot = s.timeline[s.next % TIMELINE];
  if (slot) {
    slot.atUs = atUs;
    slot.client = client;
    slot.what = what;
    slot.version = version;
  } else {
    s.timeline.push({ atUs, client, what, version });
  }
  s.next += 1;
}

/** The timeline in time order, copied for a finding. */
export function timelineOf(s: KeyState): TimelineEntry[] {
  const start = s.next > TIMELINE ? s.next % TIMELINE : 0;
  return [...s.timeline.slice(start), ...s.timeline.slice(0, start)].map((t) => ({ ...t }));
}

/**
 * A copy of a string that holds none of the string it was cut from. A key or client cut from a line is a slice
 * of the whole chunk read (a megabyte of capture); kept as is, every remembered key would keep its chunk alive.
 * (JSON round trip: a fresh flat string for any text, binary or not, lone surrogates included.)
 */
export function detached(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
