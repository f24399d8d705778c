// Tightens a stuck replica's lag with the primary's WAL positions seen in earlier --watch samples.
import { parseLsn } from './lsn.js';
import type { ReplicaLag } from './replicaLag.js';

export interface WalPosition {
  at: string;
  primaryLsn: string | null;
}

/**
 * When replay is stuck, the replica's replay-timestamp age also counts the idle time before the first
 * unreplayed write (8 s of pause after 30 s of quiet reads as 38 s). Every unreplayed write came after the last
 * sample in which the primary had not yet passed the replica's replay position, so now minus that sample's time
 * is also an upper bound, and a much tighter one (within one --interval).
 */
export function boundByWalHistory(lag: ReplicaLag, at: Date, history: readonly WalPosition[]): ReplicaLag {
  if (lag.lagBasis !== 'replay-timestamp' || lag.lagSeconds === null) return lag;
  const replay = parseLsn(lag.replayLsn);
  if (replay === undefined) return lag;
  let lastBehindNothing: string | undefined;
  for (const h of history) {
    const p = parseLsn(h.primaryLsn);
    if (p !== undefined && p <= replay) lastBehindNothing = h.at;
  }
  if (lastBehindNothing === undefined) return lag;
  const bound = Math.max(0, (at.getTime() - Date.parse(lastBehindNothing)) / 1000);
  return bound < lag.lagSeconds ? { ...lag, lagSeconds: Math.round(bound * 1000) / 1000, lagBasis: 'wal-history' } : lag;
}
