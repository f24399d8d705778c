// The primary's clock against ours: commits are timed on the primary, cache events here.
import type { PgConnection } from './connect.js';

/** The server's clock minus ours, and half the round trip that measured it (how far off that may be, >= 1 ms). */
export async function clockOffset(db: PgConnection): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  const before = Date.now();
  const [row] = await db.query<{ ms: number }>('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms');
  const after = Date.now();
  return { offsetMs: Number(row?.ms ?? after) - (before + after) / 2, uncertaintyMs: Math.max(1, (after - before) / 2) };
}
