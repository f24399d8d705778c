// Everything one mapping's scan has learned, in bounded memory: counts, the worst entries, examples.
import { type Classified, type EntryState, WRONG_STATES } from './classify.js';
import { byHarm, TopN } from './rank.js';
import { count, emptyCounts, type StateCounts } from './summary.js';

export class Tally {
  readonly counts: StateCounts = emptyCounts();
  /** The most harmful wrong entries of each kind. */
  private readonly worst = new Map<EntryState, TopN>();
  readonly undecodable: Classified[] = [];
  readonly oversized: Classified[] = [];
  readonly noTtlExamples: string[] = [];
  /** Keys the SCAN pattern matched but whose text cannot be this table's key (e.g. "product:1:reviews"). */
  unmatched = 0;
  /** Keys read and classified (expired ones included). */
  sampled = 0;
  /** The longest TTL left seen, and how many keys had one: the fill TTL, learned (see fillTime.ts). */
  maxTtlLeftSeconds = 0;
  keysWithTtl = 0;

  constructor(
    readonly mapping: string,
    /** Entries kept for the report, per kind (every entry is counted). */
    private readonly maxListed: number,
  ) {}

  /** A final verdict for an entry (after the grace re-check, for wrong ones). */
  record(entry: Classified): void {
    count(this.counts, entry);
    if (entry.ttlSeconds !== null) {
      this.keysWithTtl += 1;
      if (entry.ttlSeconds > this.maxTtlLeftSeconds) this.maxTtlLeftSeconds = entry.ttlSeconds;
    }
    if (entry.noTtl && this.noTtlExamples.length < 5) this.noTtlExamples.push(entry.key);
    if (entry.state === 'undecodable' && this.undecodable.length < this.maxListed) this.undecodable.push(entry);
    if (entry.state === 'oversized' && this.oversized.length < this.maxListed) this.oversized.push(entry);
    if (WRONG_STATES.includes(entry.state)) {
      let top = this.worst.get(entry.state);
      if (top === undefined) {
        top = new TopN(this.maxListed);
        this.worst.set(entry.state, top);
      }
      top.add(entry);
    }
  }

  /** The most harmful wrong entries, up to maxListed of each kind, most harmful first. */
  worstEntries(): Classified[] {
    return [...this.worst.values()].flatMap((top) => top.sorted()).sort(byHarm);
  }

  /** A wrong entry that was right (or gone) on the second look: a write in flight, not staleness. */
  recordInflight(): void {
    this.counts.inflight += 1;
  }
}
