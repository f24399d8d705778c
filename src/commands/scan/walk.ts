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
  for await (const { node, entries: batch } of prefetch(steps, opts.sample === null ? 2 : 1)) {
    let rest = batch.filter((e) => seen.add(e.keyBytes));
    while (rest.length > 0 && !signal.aborted) {
      // Keys of other key families do not count toward --sample: when the room runs out, wait for the batches in
      // flight to say how many of theirs counted, then take more.
      const room = opts.sample === null ? rest.length : opts.sample - scan.tally.sampled - reserved;
      if (room <= 0) {
        if (tasks.size === 0) break;
        await tasks.waitOne();
        continue;
      }
      const entries = rest.slice(0, room);
      rest = rest.slice(entries.length);
      reserved += entries.length;
      await tasks.add(async () => {
        try {
          await scan.process(entries, node);
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

/** SCAN steps over every node, taken in turn, so that a --sample of a cluster is spread over all its masters. */
async function* stepsOf(scan: MappingScan, count: number, rate: number | null, pace: Pace, signal: AbortSignal): AsyncGenerator<{ node: number; entries: PackedEntry[] }> {
  const cursors = scan.readers.map(() => '0');
  const done = scan.readers.map(() => false);
  for (let node = 0; done.includes(false); node = (node + 1) % cursors.length) {
    if (done[node]) continue;
    if (rate !== null) await sleep(Math.max(0, pace.started + (pace.read / rate) * 1000 - Date.now()), signal);
    if (signal.aborted) return;
    const step = await scan.readers[node]!.scanStep(cursors[node]!, scan.mapping.template.scanPattern, count);
    cursors[node] = step.cursor;
    done[node] = step.cursor === '0';
    pace.read += step.entries.length;
    if (step.entries.length > 0) yield { node, entries: step.entries };
  }
}
