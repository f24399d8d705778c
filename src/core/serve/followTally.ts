// follow's outcomes as serve counts them, per mapping, over every follow it has run (one ends on a lost source and
// the next starts): what report's follow gauges show, from the same outcomes as serve's counters.
import type { StaleClass, WriteOutcome } from '../follow/checker.js';
import { staleness } from '../scan/summary.js';

export interface MappingTally {
  mapping: string;
  writes: number;
  checked: number;
  converged: number;
  unchecked: number;
  missingBroadcasts: number;
  stale: Partial<Record<StaleClass, number>>;
}

export class FollowTally {
  private readonly byMapping = new Map<string, MappingTally>();

  /** These mappings are followed: listed (at 0) before their first write. */
  track(mappings: readonly string[]): void {
    for (const m of mappings) this.of(m);
  }

  add(o: WriteOutcome): void {
    const m = this.of(o.mapping);
    switch (o.outcome) {
      case 'seen':
        m.writes += o.n;
        break;
      case 'unchecked':
        m.unchecked += o.n;
        break;
      case 'converged':
        m.checked += 1;
        m.converged += 1;
        break;
      case 'stale':
        m.checked += 1;
        m.stale[o.class] = (m.stale[o.class] ?? 0) + 1;
        break;
      case 'missing-broadcast':
        m.missingBroadcasts += 1;
        break;
    }
  }

  /** Per mapping, as report's health has follow: with the stale ratio and its nines over the checked writes. */
  mappings(): { mapping: string; writes: number; checked: number; converged: number; unchecked: number; nines: number | null; staleRatio: number | null }[] {
    return [...this.byMapping.values()].map((m) => {
      const { staleRatio, nines } = staleness(m.checked - m.converged, m.checked);
      return { mapping: m.mapping, writes: m.writes, checked: m.checked, converged: m.converged, unchecked: m.unchecked, nines, staleRatio };
    });
  }

  private of(mapping: string): MappingTally {
    let m = this.byMapping.get(mapping);
    if (!m) {
      m = { mapping, writes: 0, checked: 0, converged: 0, unchecked: 0, missingBroadcasts: 0, stale: {} };
      this.byMapping.set(mapping, m);
    }
    return m;
  }
}
