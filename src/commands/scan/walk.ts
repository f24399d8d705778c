// Walks one mapping's keys: one SCAN step and its entries per round trip (read server-side), the next step
// requested while the last is looked up on the primary, de-duplicated, within --sample and --rate, and wrong
// entries re-checked as their grace period ends. On a cluster, follows the cluster as it changes under the walk.
import { keySlot } from '../../core/clusterSlot.js';
import { KeySet } from '../../core/scan/keySet.js';
import { nextStep } from '../../core/scan/sampleStart.js';
import { SourceError } from '../../errors.js';
import type { PackedEntry } from '../../sources/redis/entryScripts.js';
import { prefetch, TaskSet } from '../../async.js';
import { sleep } from '../../async.js';
import type { MappingScan } from './mappingScan.js';

export interface WalkOptions {
  sample: number | null;
  rate: number | null;
  /** SCAN COUNT per step. */
  count: number;
  /** Batches being looked up at once. */
  concurrency: number;
  /** On a cluster, how long to wait for an unreachable master's slots to be taken over before giving up on them. */
  failoverWaitMs: number;
  /** Where each node's walk starts (a sample: random, from --seed); null: from the beginning (--all). */
  starts: ((node: number) => string) | null;
}

export interface Pace {
  started: number;
  read: number;
}

/** Tries of a SCAN step that a cluster node refuses (CLUSTERDOWN, TRYAGAIN, LOADING) before it counts as failed. */
const STEP_TRIES = 3;

export async function walkMapping(scan: MappingScan, opts: WalkOptions, pace: Pace, signal: AbortSignal, progress: () => void): Promise<void> {
  const seen = new KeySet();
  const tasks = new TaskSet(opts.concurrency);
  let reserved = 0;
  // With --rate, small steps (a tenth of a second's worth) keep the load even, not bursty.
  const count = opts.rate === null ? opts.count : Math.max(1, Math.min(opts.count, Math.floor(opts.rate / 10)));
  // A cluster may move slots while we walk: who owned what when we started, to read moved slots again at the end.
  const before = scan.cluster ? await scan.slotOwners() : null;
  const nodes = before === null ? [0] : await scan.walkTargets(before);
  const refused: Buffer[] = [];
  const steps = stepsOf(scan, nodes, count, opts.rate, pace, signal, opts.starts);
  // Sampling reads at most one step ahead: values read past the sample are load for nothing.
  for await (const { node, entries: batch } of prefetch(steps, opts.sample === null ? 2 : 1)) {
    // Keys a node refused belong to a slot on the move: they are read on its owner at the end.
    for (const e of batch) if (e.refused) refused.push(Buffer.from(e.keyBytes));
    let rest = batch.filter((e) => !e.refused && seen.add(e.keyBytes));
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
  if (before !== null && !signal.aborted) await followCluster(scan, before, seen, refused, opts, pace, signal);
}

/**
 * After the walk of a cluster: slots that moved to another master while we walked (a reshard, a failover) are
 * listed on their new owner (CLUSTER GETKEYSINSLOT) and the keys not seen yet are read there, so no key is missed
 * or counted twice; so are the slots of keys a node refused. An unreachable master is first given time to fail
 * over (once per scan); one whose every slot was read again on its successor was scanned after all.
 */
async function followCluster(
  scan: MappingScan,
  before: string[],
  seen: KeySet,
  refused: Buffer[],
  opts: WalkOptions,
  pace: Pace,
  signal: AbortSignal,
): Promise<void> {
  let after = await scan.slotOwners();
  const shared = scan.sharedCluster;
  const unreachable = () => [...scan.failedNodes].filter(([, f]) => f.unreachable).map(([t]) => t);
  const orphaned = () => unreachable().some((t) => after.includes(t));
  if (orphaned() && !shared.failoverWaited) {
    shared.failoverWaited = true;
    for (const deadline = Date.now() + opts.failoverWaitMs; orphaned() && Date.now() < deadline && !signal.aborted; after = await scan.slotOwners())
      await sleep(250, signal);
  }
  // Nobody could say who owns what: nothing can be followed (the failures stay).
  if (after.every((o) => o === '')) return;
  const slots = new Set<number>();
  for (let slot = 0; slot < 16384; slot += 1) if (after[slot] && after[slot] !== before[slot]) slots.add(slot);
  for (const key of refused) slots.add(keySlot(key));
  const done = new Set<number>();
  for (const slot of [...slots].sort((a, b) => a - b)) {
    if (signal.aborted || (opts.sample !== null && scan.tally.sampled >= opts.sample)) break;
    const owner = after[slot]!;
    if (!owner || scan.failedNodes.has(owner)) continue;
    try {
      const node = await scan.readerFor(owner);
      if (node === undefined) continue;
      const reader = scan.readers[node]!;
      const keys = (await reader.keysInSlot(slot)).filter((k) => scan.mapping.template.values(k.toString('utf8')) !== null && seen.add(k));
      for (let i = 0; i < keys.length && !signal.aborted; i += 500) {
        const batch = keys.slice(i, i + 500);
        if (opts.rate !== null) await sleep(Math.max(0, pace.started + (pace.read / opts.rate) * 1000 - Date.now()), signal);
        pace.read += batch.length;
        await scan.process(
          (await reader.read(batch)).filter((e) => !e.refused),
          node,
        );
      }
      done.add(slot);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      const node = scan.readers.findIndex((r) => r.target === owner);
      if (node !== -1) scan.nodeFailed(node, err);
    }
  }
  // Refused keys never read on an owner: their slot is still on the move.
  const still = new KeySet();
  scan.midMigration += refused.filter((k) => still.add(k) && seen.add(k)).length;
  // A failed master whose every slot was read again on its successor was scanned after all.
  for (const target of [...scan.failedNodes.keys()]) {
    const owned = before.flatMap((t, slot) => (t === target ? [slot] : []));
    if (owned.length > 0 && owned.every((slot) => done.has(slot))) scan.failedNodes.delete(target);
  }
}

/** SCAN steps over the given nodes, taken in turn, so that a --sample of a cluster is spread over all its masters. */
async function* stepsOf(
  scan: MappingScan,
  nodes: number[],
  count: number,
  rate: number | null,
  pace: Pace,
  signal: AbortSignal,
  starts: WalkOptions['starts'],
): AsyncGenerator<{ node: number; entries: PackedEntry[] }> {
  const begin = nodes.map((n) => starts?.(n) ?? '0');
  const cursors = [...begin];
  const wrapped = nodes.map(() => false);
  const done = nodes.map(() => false);
  const tries = nodes.map(() => 0);
  for (let i = 0; done.includes(false); i = (i + 1) % nodes.length) {
    if (done[i]) continue;
    const node = nodes[i]!;
    if (rate !== null) await sleep(Math.max(0, pace.started + (pace.read / rate) * 1000 - Date.now()), signal);
    if (signal.aborted) return;
    let step: { cursor: string; entries: PackedEntry[] };
    try {
      step = await scan.readers[node]!.scanStep(cursors[i]!, scan.mapping.template.scanPattern, count);
      tries[i] = 0;
    } catch (err) {
      // One master of a cluster down: the others are still worth reading; its keys are reported as not scanned.
      // A node that answers but refuses (CLUSTERDOWN, TRYAGAIN, LOADING) gets a few more tries first.
      if (!(err instanceof SourceError) || !scan.cluster) throw err;
      tries[i] = tries[i]! + 1;
      if (err.category !== 'unreachable' && tries[i]! < STEP_TRIES) {
        await sleep(250, signal);
        continue;
      }
      scan.nodeFailed(node, err);
      done[i] = true;
      continue;
    }
    const next = nextStep(begin[i]!, step.cursor, wrapped[i]!);
    cursors[i] = next.cursor;
    wrapped[i] = next.wrapped;
    done[i] = next.done;
    pace.read += step.entries.length;
    if (step.entries.length > 0) yield { node, entries: step.entries };
  }
}
