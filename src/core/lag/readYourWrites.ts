// How long to send post-write reads to the primary, from the worst replay lag actually seen.
import { plural } from '../plural.js';
import { type ReplicaLag, streamsPerPrimary } from './replicaLag.js';

export interface ReadYourWritesAdvice {
  /** Route reads of a just-written row to the primary for at least this long; null when no safe window exists. */
  windowSeconds: number | null;
  worstLagSeconds: number | null;
  worstReplica: string | null;
  samples: number;
  message: string;
}

/** Margin over the worst lag seen: one observation window rarely catches the worst spike. */
export const WINDOW_MARGIN = 1.5;

/** The smallest safe window: the worst lag times the margin, rounded up to a whole second, at least 1 s. */
export function readYourWritesAdvice(samples: readonly (readonly ReplicaLag[])[], pgIsStandby = false, watched = false): ReadYourWritesAdvice {
  const all = samples.flat();
  const broken = all.find(
    (l) =>
      (l.errorKind === 'unreachable' && !streamsPerPrimary(l)) ||
      l.receiverConnected === false ||
      l.pauseState === 'paused' ||
      l.pauseState === 'pause requested',
  );
  let worst: ReplicaLag | null = null;
  for (const l of all) if (l.lagSeconds !== null && (worst === null || l.lagSeconds > (worst.lagSeconds ?? 0))) worst = l;
  const base = { worstLagSeconds: worst?.lagSeconds ?? null, worstReplica: worst?.name ?? null, samples: samples.length };

  if (pgIsStandby) {
    return { ...base, windowSeconds: null, message: 'the --pg server is a standby, not the primary: point --pg at the primary first' };
  }
  if (all.length === 0) {
    return { ...base, windowSeconds: null, message: 'no replicas: reads after a write see it as long as they go to this primary' };
  }
  if (broken) {
    return {
      ...base,
      windowSeconds: null,
      message: `replica ${broken.name} is not replaying: no window is safe; route reads that fill the cache to the primary until it recovers`,
    };
  }
  if (worst === null || worst.lagSeconds === null) {
    return { ...base, windowSeconds: null, message: 'replay lag in seconds is unknown (see findings): route cache fills to the primary' };
  }
  const windowSeconds = Math.max(1, Math.ceil(worst.lagSeconds * WINDOW_MARGIN));
  const seen = watched ? `over ${plural(samples.length, 'sample')}` : 'in one sample; --watch catches spikes';
  return {
    ...base,
    windowSeconds,
    message: `after a write, route reads of that row (and cache fills) to the primary for at least ${windowSeconds} s (worst replay lag ${worst.lagSeconds} s on ${worst.name}, ${seen})`,
  };
}
