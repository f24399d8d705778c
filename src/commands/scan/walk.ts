// Walks one mapping's keys: one SCAN step and its entries per round trip (read server-side), the next step
// requested while the last is looked up on the primary, de-duplicated, within --sample and --rate, and wrong
// entries re-checked as their grace period ends.
import { KeySet } from '../../core/scan/keySet.js';
import { SourceError } from '../../errors.js';
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
  /** On a cluster, how long to wait for a failed master's slots to be taken over before giving up on them. */
  failoverWaitMs: number;
}

export interface Pace {
  started: number;
  read: number;
}

export async function walkMapping(scan: MappingScan, opts: WalkOptions, pace: Pace, signal: AbortSignal, progress: () => void): Promise<void> {
  const seen = new KeySet();
  // A cluster may move slots while we walk: who owned what when we started, to read moved slots again at the end.
  const before = scan.readers.length > 1 ? await scan.slotOwners() : null;
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
  if (before !== null && !signal.aborted && (opts.sample === null || scan.tally.sampled < opts.sample)) await rereadMovedSlots(scan, before, seen, signal, opts.failoverWaitMs);
}

/**
 * Slots that moved to another master while we walked: their keys may have left a node before its SCAN reached
 * them and arrived on one whose SCAN had passed. They are listed on their new owner (CLUSTER GETKEYSINSLOT) and
 * the ones not seen yet are read there, so no key is missed or counted twice. A master that failed mid-walk is
 * given time to fail over (its replica promoted): its slots are then read on the new master, and it is no longer
 * "not scanned".
 */
async function rereadMovedSlots(scan: MappingScan, before: string[], seen: KeySet, signal: AbortSignal, failoverWaitMs: number): Promise<void> {
  let after = await scan.slotOwners();
  const orphaned = () => [...scan.failedNodes.keys()].some((t) => after.some((owner, slot) => owner === t && before[slot] === t));
  for (const deadline = Date.now() + failoverWaitMs; orphaned() && Date.now() < deadline && !signal.aborted; after = await scan.slotOwners()) await sleep(250, signal);
  const reread = new Set<string>();
  for (let slot = 0; slot < 16384 && !signal.aborted; slot += 1) {
    const owner = after[slot]!;
    if (owner === before[slot] || !owner || scan.failedNodes.has(owner)) continue;
    const node = await scan.readerFor(owner).catch(() => undefined);
    if (node === undefined) continue;
    const reader = scan.readers[node]!;
    const keys = (await reader.keysInSlot(slot)).filter((k) => scan.mapping.template.values(k.toString('utf8')) !== null && seen.add(k));
    for (let i = 0; i < keys.length; i += 500) await scan.process(await reader.read(keys.slice(i, i + 500)), node);
    reread.add(before[slot]!);
  }
  // A failed master whose every slot was read again on its successor was scanned after all.
  for (const target of [...scan.failedNodes.keys()]) {
    if (reread.has(target) && !after.includes(target)) scan.failedNodes.delete(target);
  }
}

/** SCAN steps over every node, taken in turn, so that a --sample of a cluster is spread over all its masters. */
async function* stepsOf(scan: MappingScan, count: number, rate: number | null, pace: Pace, signal: AbortSignal): AsyncGenerator<{ node: number; entries: PackedEntry[] }> {
  const cursors = scan.readers.map(() => '0');
  const done = scan.readers.map(() => false);
  for (let node = 0; done.includes(false); node = (node + 1) % cursors.length) {
    if (done[node]) continue;
    if (rate !== null) await sleep(Math.max(0, pace.started + (pace.read / rate) * 1000 - Date.now()), signal);
    if (signal.aborted) return;
    let step: { cursor: string; entries: PackedEntry[] };
    try {
      step = await scan.readers[node]!.scanStep(cursors[node]!, scan.mapping.template.scanPattern, count);
    } catch (err) {
      // One master of a cluster down: the others are still worth reading; its keys are reported as not scanned.
      if (!(err instanceof SourceError) || cursors.length === 1) throw err;
      scan.nodeFailed(node, err);
      done[node] = true;
      continue;
    }
    cursors[node] = step.cursor;
    done[node] = step.cursor === '0';
    pace.read += step.entries.length;
    if (step.entries.length > 0) yield { node, entries: step.entries };
  }
}
