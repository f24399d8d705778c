// Reads cache entries in one round trip per batch: TYPE, PTTL and the value (or only its size when too big), by a
// read-only Lua script (EVAL_RO, so the server guarantees it writes nothing) that does the per-key work server-side.
import type { Redis } from 'ioredis';
import { clientTarget, redisSourceError } from './connect.js';
import { type PackedEntry, parsePacked, READ_KEYS, SCAN_AND_READ } from './entryScripts.js';

/**
 * Value bytes one script call may gather: it blocks Redis while it runs, and its reply sits in Redis and in
 * our memory at once. 1,000 values of 1 MiB would be a gigabyte; this keeps a call to a few milliseconds.
 */
export const BYTE_BUDGET = 4 * 1024 * 1024;

export class EntryReader {
  private command: 'EVAL_RO' | 'EVAL' = 'EVAL_RO';

  constructor(
    private readonly redis: Redis,
    private readonly maxValueBytes: number,
    /** Hash fields the mapping needs; empty fetches whole hashes. */
    private readonly hashFields: readonly string[],
    /** For error messages: the option the Redis URL came from, and the timeout. */
    private readonly context: { flag: string; timeoutMs: number },
  ) {}

  /** The entries of these keys, in order. */
  async read(keys: readonly Buffer[]): Promise<PackedEntry[]> {
    if (keys.length === 0) return [];
    const reply = (await this.eval(
      READ_KEYS,
      [],
      [String(this.maxValueBytes), String(BYTE_BUDGET), String(this.hashFields.length), ...this.hashFields, ...keys],
    )) as Buffer;
    return this.complete(parsePacked(reply));
  }

  /** host:port of the node, safe to print. */
  get target(): string {
    return clientTarget(this.redis);
  }

  /** Every key of one cluster hash slot on this node (CLUSTER GETKEYSINSLOT). */
  async keysInSlot(slot: number): Promise<Buffer[]> {
    try {
      const n = Number(await this.redis.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)));
      return n === 0 ? [] : ((await this.redis.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(n))) as Buffer[]);
    } catch (err) {
      throw redisSourceError(err, this.target, this.context.flag, this.context.timeoutMs, 'query');
    }
  }

  /** The cluster's slot ranges by owner (host:port of each master), as this node sees them (CLUSTER SLOTS). */
  async slotOwners(): Promise<{ start: number; end: number; owner: string }[]> {
    let slots: [number, number, [string, number, ...unknown[]], ...unknown[]][];
    try {
      slots = (await this.redis.call('CLUSTER', 'SLOTS')) as typeof slots;
    } catch (err) {
      throw redisSourceError(err, this.target, this.context.flag, this.context.timeoutMs, 'query');
    }
    // Outside the try: a reply we misread is a bug to see, not a node to skip.
    return slots.map(([start, end, [host, port]]) => ({ start, end, owner: `${host}:${port}` }));
  }

  /** One SCAN step from `cursor` and the entries it found; cursor "0" when the walk is over. */
  async scanStep(cursor: string, pattern: string, count: number): Promise<{ cursor: string; entries: PackedEntry[] }> {
    const [next, packed] = (await this.eval(
      SCAN_AND_READ,
      [],
      [cursor, pattern, String(count), String(this.maxValueBytes), String(BYTE_BUDGET), ...this.hashFields],
    )) as [Buffer, Buffer];
    return { cursor: next.toString(), entries: await this.complete(parsePacked(packed)) };
  }

  /** Reads the keys a call left for later (its byte budget was spent), in further calls. */
  private async complete(entries: PackedEntry[]): Promise<PackedEntry[]> {
    const pending = entries.filter((e) => e.pending);
    if (pending.length === 0) return entries;
    const later = await this.read(pending.map((e) => Buffer.from(e.keyBytes)));
    let j = 0;
    return entries.map((e) => (e.pending ? later[j++]! : e));
  }

  private async eval(script: string, keys: readonly Buffer[], args: readonly (string | Buffer)[]): Promise<unknown> {
    try {
      return await this.redis.callBuffer(this.command, script, keys.length, ...keys, ...args);
    } catch (err) {
      // Redis before 7 has no EVAL_RO; the scripts only read either way.
      if (this.command === 'EVAL_RO' && /unknown command/i.test(String((err as Error).message))) {
        this.command = 'EVAL';
        return this.eval(script, keys, args);
      }
      throw redisSourceError(err, clientTarget(this.redis), this.context.flag, this.context.timeoutMs, 'query');
    }
  }
}
