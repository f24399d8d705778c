// Everything one mapping's scan has learned, in bounded memory: counts, the worst entries, examples.
import { type Classified, WRONG_STATES } from './classify.js';
import { TopN } from './rank.js';
import { count, emptyCounts, type StateCounts } from './summary.js';

/** Undecodable and oversized entries are listed by example, not all of them. */
const EXAMPLES = 20;

export class Tally {
  readonly counts: StateCounts = emptyCounts();
  readonly worst: TopN;
  readonly undecodable: Classified[] = [];
  readonly oversized: Classified[] = [];
  readonly noTtlExamples: string[] = [];
  /** Keys the SCAN pattern matched but whose text cannot be this table's key (e.g. "product:1:reviews"). */
  unmatched = 0;
  /** Keys read and classified (expired ones included). */
  sampled = 0;

  constructor(
    readonly mapping: string,
    maxListed: number,
  ) {
    this.worst = new TopN(maxListed);
  }

  /** A final verdict for an entry (after the grace re-check, for wrong ones). */
  record(entry: Classified): void {
    count(this.counts, entry);
    if (entry.noTtl && this.noTtlExamples.length < 5) this.noTtlExamples.push(entry.key);
    if (entry.state === 'undecodable' && this.undecodable.length < EXAMPLES) this.undecodable.push(entry);
    if (entry.state === 'oversized' && this.oversized.length < EXAMPLES) this.oversized.push(entry);
    if (WRONG_STATES.includes(entry.state)) this.worst.add(entry);
  }

  /** A wrong entry that was right (or gone) on the second look: a write in flight, not staleness. */
  recordInflight(): void {
    this.counts.inflight += 1;
  }
}
