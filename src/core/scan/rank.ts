// Ranks wrong entries by how long they have been wrong, then by versions behind; keeps only the top N in memory.
import type { Classified, EntryState } from './classify.js';

const STATE_WEIGHT: Partial<Record<EntryState, number>> = { stale: 4, 'version-not-bumped': 3, ahead: 2, orphan: 1 };

/** Most harmful first: longest wrong, then most versions behind, then the kind of wrongness. */
export function byHarm(a: Classified, b: Classified): number {
  const s = (b.secondsBehind ?? -1) - (a.secondsBehind ?? -1);
  if (s !== 0) return s;
  const v = (b.versionsBehind ?? -1) - (a.versionsBehind ?? -1);
  if (v !== 0) return v;
  const w = (STATE_WEIGHT[b.state] ?? 0) - (STATE_WEIGHT[a.state] ?? 0);
  return w !== 0 ? w : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Keeps the `limit` most harmful entries seen, in bounded memory whatever the number offered. */
export class TopN {
  private items: Classified[] = [];
  offered = 0;

  constructor(private readonly limit: number) {}

  add(entry: Classified): void {
    this.offered += 1;
    this.items.push(entry);
    if (this.items.length >= this.limit * 2) this.trim();
  }

  sorted(): Classified[] {
    this.trim();
    return [...this.items];
  }

  private trim(): void {
    this.items.sort(byHarm);
    this.items.length = Math.min(this.items.length, this.limit);
  }
}
