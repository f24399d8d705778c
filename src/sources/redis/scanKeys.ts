// Walks the keyspace with SCAN MATCH, yielding batches of keys (as bytes: keys need not be UTF-8).
import type { Redis } from 'ioredis';

/** SCAN's COUNT: a hint for how much of the hash table to walk per call; 1000 walks ~800k keys/s (FACTS.md). */
export const SCAN_COUNT = 1000;

export async function* scanKeys(redis: Redis, pattern: string, signal: AbortSignal): AsyncGenerator<Buffer[]> {
  let cursor = '0';
  do {
    if (signal.aborted) return;
    const [next, keys] = (await redis.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)) as unknown as [Buffer, Buffer[]];
    cursor = next.toString();
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}
