// Walks one mapping's keys: SCAN ahead, de-duplicate, cut into chunks, keep a few chunks in flight, respect
// --sample and --rate, and re-check wrong entries as their grace period ends.
import type { Redis } from 'ioredis';
import { KeySet } from '../../core/scan/keySet.js';
import { scanKeys } from '../../sources/redis/scanKeys.js';
import { prefetch, TaskSet } from '../concurrency.js';
import { sleep } from '../context.js';
import type { MappingScan } from './mappingScan.js';

export interface WalkOptions {
  sample: number | null;
  rate: number | null;
  /** Keys per round trip. */
  chunk: number;
  /** Chunks in flight at once. */
  concurrency: number;
}

export interface Pace {
  started: number;
  read: number;
}

export async function walkMapping(scan: MappingScan, redis: Redis, opts: WalkOptions, pace: Pace, signal: AbortSignal, progress: () => void): Promise<void> {
  const seen = new KeySet();
  const tasks = new TaskSet(opts.concurrency);
  let reserved = 0;
  // With --rate, small chunks (a tenth of a second's worth) keep the load even, not bursty.
  const chunkMax = opts.rate === null ? opts.chunk : Math.max(1, Math.min(opts.chunk, Math.floor(opts.rate / 10)));
  const full = () => opts.sample !== null && scan.tally.sampled >= opts.sample;

  outer: for await (const batch of prefetch(scanKeys(redis, scan.mapping.template.scanPattern, signal), 2)) {
    const keys = batch.filter((k) => seen.add(k));
    for (let i = 0; i < keys.length && !signal.aborted; ) {
      // Keys of other key families do not count toward --sample: keep taking chunks until it is full.
      let room = opts.sample === null ? chunkMax : Math.min(chunkMax, opts.sample - scan.tally.sampled - reserved);
      while (room <= 0 && tasks.size > 0) {
        await tasks.waitOne();
        room = Math.min(chunkMax, (opts.sample ?? 0) - scan.tally.sampled - reserved);
      }
      if (room <= 0) break outer;
      const chunk = keys.slice(i, i + room);
      i += chunk.length;
      if (opts.rate !== null) await sleep(Math.max(0, pace.started + (pace.read / opts.rate) * 1000 - Date.now()), signal);
      reserved += chunk.length;
      pace.read += chunk.length;
      await tasks.add(async () => {
        try {
          await scan.process(chunk);
        } finally {
          reserved -= chunk.length;
          progress();
        }
      });
    }
    await scan.recheck(false);
    if (signal.aborted || full()) break;
  }
  await tasks.drain();
}
