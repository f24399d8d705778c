// The I/O floor of `scan --all`: the same Redis reads (each SCAN step and its entries in one EVAL_RO round trip,
// the next step requested while the last is looked up) and the same primary lookups (the scan's own row query, on
// two connections, three batches in flight), and nothing else: no decoding, classifying or recording.
import { TaskSet, prefetch } from '../src/async.js';
import { resolveMappings } from '../src/config/mappings.js';
import { keyColumnValues } from '../src/core/scan/keyValues.js';
import { connectPg } from '../src/sources/postgres/connect.js';
import { PgPool } from '../src/sources/postgres/pool.js';
import { fetchRows, rowSql } from '../src/sources/postgres/rows.js';
import { readTableShape } from '../src/sources/postgres/tableInfo.js';
import { connectRedis } from '../src/sources/redis/connect.js';
import { EntryReader } from '../src/sources/redis/entries.js';

/** What the scan uses (src/commands/scan/index.ts): SCAN COUNT, batches in flight, primary connections. */
const SCAN_COUNT = 1000;
const IN_FLIGHT = 3;
const PG_CONNECTIONS = 2;

export async function scanFloor(redisUrl: string, pgUrl: string, key: string, table: string): Promise<{ seconds: number; entries: number; rows: number }> {
  const started = performance.now();
  const [mapping] = resolveMappings([], { key, table, compare: ['price'] }, 'bench');
  const redis = await connectRedis({ url: redisUrl, flag: '--redis', timeoutMs: 10_000 });
  const pool = new PgPool(await Promise.all(Array.from({ length: PG_CONNECTIONS }, () => connectPg({ url: pgUrl, flag: '--pg', timeoutMs: 10_000 }))));
  try {
    const shape = await pool.use((c) => readTableShape(c, mapping!));
    const sql = rowSql(shape);
    const types = shape.keyColumns.map((c) => c.type);
    const reader = new EntryReader(redis, 1024 * 1024, [], { flag: '--redis', timeoutMs: 10_000 });
    async function* steps() {
      let cursor = '0';
      do {
        const step = await reader.scanStep(cursor, mapping!.template.scanPattern, SCAN_COUNT);
        cursor = step.cursor;
        yield step.entries;
      } while (cursor !== '0');
    }
    const tasks = new TaskSet(IN_FLIGHT);
    let entries = 0;
    let rows = 0;
    for await (const batch of prefetch(steps(), 2)) {
      entries += batch.length;
      const ids = batch.map((e) => keyColumnValues(e.read.key, mapping!, types)).filter((v): v is string[] => Array.isArray(v));
      await tasks.add(async () => {
        // Awaited first: `rows += await ...` would read rows before the wait and lose the other batches' counts.
        const found = (await pool.use((c) => fetchRows(c, shape, sql, ids))).filter((r) => r !== null).length;
        rows += found;
      });
    }
    await tasks.drain();
    return { seconds: (performance.now() - started) / 1000, entries, rows };
  } finally {
    redis.disconnect();
    await pool.close();
  }
}
