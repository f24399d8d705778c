// What init returns: the keys it sampled, the tables it could read, and per template a proposal or why not.
import type { Proposal, Unmapped } from './propose.js';

export interface InitData {
  sampled: { keys: number; binary: number; keyspace: number; masters: number };
  /** notRead: readable tables past the catalog's limit (5,000, in schema and name order), not matched. */
  tables: { readable: number; unreadable: number; notRead: number };
  proposals: Proposal[];
  unmapped: Unmapped[];
  /** What --write asked for: the file, and the lowest confidence to write; null without --write. */
  write: { path: string; minConfidence: Proposal['confidence'] } | null;
  /** The config file written (--write), and the mappings in it. */
  written: { path: string; mappings: string[] } | null;
}

/** Proposals at or above a confidence, for --write and for commands run with no mapping. */
export function atLeast(proposals: readonly Proposal[], level: Proposal['confidence']): Proposal[] {
  const rank = { high: 3, medium: 2, low: 1 } as const;
  return proposals.filter((p) => p.mapping !== null && rank[p.confidence] >= rank[level]);
}
