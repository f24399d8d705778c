// Aggregates repeated lag samples (--watch): per-replica spread, a sparkline, and findings merged across samples.
import type { Finding } from '../findings/findings.js';
import { plural } from '../plural.js';
import type { ReplicaLag } from './replicaLag.js';
import { sparkline } from '../sparkline.js';
import { type Spread, spread } from '../stats.js';

export interface LagSample {
  at: string;
  /** The primary's flushed WAL position at this sample. */
  primaryLsn: string | null;
  lags: ReplicaLag[];
  findings: Finding[];
}

export interface ReplicaWindow {
  id: string;
  name: string;
  samples: number;
  lagSeconds: Spread | null;
  lagBytes: Spread | null;
  sparkline: string;
}

export function summarizeWindow(samples: readonly LagSample[]): ReplicaWindow[] {
  const ids = [...new Set(samples.flatMap((s) => s.lags.map((l) => l.id)))];
  return ids.map((id) => {
    const series = samples.map((s) => s.lags.find((l) => l.id === id));
    const seconds = series.map((l) => l?.lagSeconds ?? null);
    return {
      id,
      name: series.findLast((l) => l !== undefined)?.name ?? id,
      samples: series.filter((l) => l !== undefined).length,
      lagSeconds: spread(seconds) ?? null,
      lagBytes: spread(series.map((l) => l?.lagBytes ?? null)) ?? null,
      sparkline: sparkline(seconds),
    };
  });
}

/**
 * One finding per (kind, subject) over the whole window: the worst occurrence (highest lag) represents it,
 * and it says in how many samples it was seen, so a spike that came and went is still reported.
 */
export function mergeSampleFindings(samples: readonly LagSample[]): Finding[] {
  const groups = new Map<string, { worst: Finding; seen: number }>();
  for (const sample of samples) {
    for (const f of sample.findings) {
      const key = `${f.kind}\u0000${String(f.replicaId ?? f.target ?? '')}`;
      const g = groups.get(key);
      if (!g) groups.set(key, { worst: f, seen: 1 });
      else {
        g.seen += 1;
        if (isWorse(f, g.worst)) g.worst = f;
      }
    }
  }
  if (samples.length <= 1) return [...groups.values()].map((g) => g.worst);
  return [...groups.values()].map(({ worst, seen }) => ({
    ...worst,
    message: `${worst.message} (seen in ${seen} of ${plural(samples.length, 'sample')})`,
    seenInSamples: seen,
    samples: samples.length,
  }));
}

/** Compares by lag seconds, then lag bytes; findings without lag never replace the first occurrence. */
function isWorse(a: Finding, b: Finding): boolean {
  const num = (v: unknown) => (typeof v === 'number' ? v : -1);
  const bySeconds = num(a.lagSeconds) - num(b.lagSeconds);
  return bySeconds !== 0 ? bySeconds > 0 : num(a.lagBytes) > num(b.lagBytes);
}
