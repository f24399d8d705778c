// What the correlator remembers per key, in bounded memory: the versions seen, the last invalidation, and a short
// timeline of events kept as evidence for findings.
import type { Version } from '../scan/version.js';

export interface TimelineEntry {
  atUs: number;
  client: string;
  what: 'read' | 'fill' | 'invalidate' | 'expire' | 'publish';
  version: string | null;
}

export interface KeyState {
  mapping: string;
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

  /** The key's state, created if new, and marked as just used. */
  get(key: string, mapping: string): KeyState {
    this.tick += 1;
    let s = this.keys.get(key);
    if (!s) {
      if (this.keys.size >= this.maxKeys) this.forgetOne();
      s = { mapping, maxVersion: null, current: null, beforeInvalidation: null, invalidatedAt: null, fillsSinceInvalidation: [], concurrentReported: false, timeline: [], next: 0, touched: 0 };
      this.keys.set(key, s);
    }
    s.touched = this.tick;
    return s;
  }

  /** The key's state if it is remembered, without touching it. */
  peek(key: string): KeyState | undefined {
    return this.keys.get(key);
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
