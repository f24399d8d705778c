// Walks one mapping's keys: one SCAN step and its entries per round trip (read server-side), the next step
// requested while the last is looked up on the primary, de-duplicated, within --sample and --rate, and wrong
// entries re-checked as their grace period ends.
import { KeySet } from '../../core/scan/keySet.js';
import type { PackedEntry } from '../../sources/redis/entryScripts.js';
import { prefetch, TaskSet } from '../concurrency.js';
import { sleep } from '../context.js';
import type { MappingScan } from './mappingScan.js';

export interface WalkOptions {
  sample: number | null;
  rate: number | null;
  /** SCAN COUNT per step. */
  count: number;
  /** Batches being looked up at once. */
  concurrency: number;
}

export interface Pace {
  started: number;
  read: number;
}

export async function walkMapping(scan: MappingScan, opts: WalkOptions, pace: Pace, signal: AbortSignal, progress: () => void): Promise<void> {
  const seen = new KeySet();
  const tasks = new TaskSet(opts.concurrency);
  let reserved = 0;
  // With --rate, small steps (a tenth of a second's worth) keep the load even, not bursty.
  const count = opts.rate === null ? opts.count : Math.max(1, Math.min(opts.count, Math.floor(opts.rate / 10)));
  const steps = stepsOf(scan, count, opts.rate, pace, signal);
  // Sampling reads at most one step ahead: values read past the sample are load for nothing.
  for await (const batch of prefetch(steps, opts.sample === null ? 2 : 1)) {
    let entries = batch.filter((e) => seen.add(e.keyBytes));
    if (opts.sample !== null) {
      // Keys of other key families do not count toward --sample: wait for in-flight batches before trimming.
      while (tasks.size > 0 && scan.tally.sampled + reserved + entries.length > opts.sample) await tasks.waitOne();
      entries = entries.slice(0, Math.max(0, opts.sample - scan.tally.sampled - reserved));
    }
    if (entries.length > 0) {
      reserved += entries.length;
      await tasks.add(async () => {
        try {
          await scan.process(entries);
        } finally {
          reserved -= entries.length;
          progress();
        }
      });
    }
    await scan.recheck(false);
    if (signal.aborted) break;
    if (opts.sample !== null && scan.tally.sampled + reserved >= opts.sample) {
      await tasks.drain();
      if (scan.tally.sampled >= opts.sample) break;
    }
  }
  await tasks.drain();
}

async function* stepsOf(scan: MappingScan, count: number, rate: number | null, pace: Pace, signal: AbortSignal): AsyncGenerator<PackedEntry[]> {
  let cursor = '0';
  do {
    if (rate !== null) await sleep(Math.max(0, pace.started + (pace.read / rate) * 1000 - Date.now()), signal);
    if (signal.aborted) return;
    const step = await scan.reader.scanStep(cursor, scan.mapping.template.scanPattern, count);
    cursor = step.cursor;
    pace.read += step.entries.length;
    if (step.entries.length > 0) yield step.entries;
  } while (cursor !== '0');
}
