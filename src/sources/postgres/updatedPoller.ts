// follow's fallback when the primary gives no change stream: the rows whose updatedAt column moved, every --poll.
// Coarser than logical decoding: deletes are not seen, the "commit time" is updatedAt (when the transaction began,
// if set by now()), and there is no commit LSN to hold replicas against.
import type { CommittedWrite, FollowMapping } from '../../core/follow/writes.js';
import { rowVersion } from '../../core/scan/version.js';
import { connectPg, type PgConnection } from './connect.js';
import { quoteIdent, type TableShape } from './tableInfo.js';

/** How far back each poll looks again: a transaction that began earlier may commit after the last poll. */
const LOOKBACK_MICROS = 2_000_000n;
const ROWS_PER_POLL = 5000;

interface Target {
  mapping: FollowMapping;
  /** Rows written since a time (looking back for late commits), and rows after a (time, key) cursor. */
  sql: string;
  sqlAfter: string;
  /** Set while a page came back full: the next poll goes on from its last row (rows may share one time). */
  cursor: { at: bigint; keys: string[] } | null;
  /** The first poll looks back no further than follow's start: earlier writes were invalidated before tracking began. */
  first: boolean;
  /** Newest updatedAt seen, in microseconds. */
  newest: bigint;
  /** key -> updatedAt already reported, for the rows inside the look-back window. */
  seen: Map<string, bigint>;
}

export class UpdatedPoller {
  private constructor(
    private readonly db: PgConnection,
    private readonly targets: Target[],
  ) {}

  get target(): string {
    return this.db.target;
  }

  /** The mappings' tables from now on; every shape must have an updatedAt column. */
  static async open(
    opts: { url: string | null; flag: string; timeoutMs: number },
    tables: { mapping: FollowMapping; shape: TableShape }[],
  ): Promise<UpdatedPoller> {
    const db = await connectPg({ url: opts.url, flag: opts.flag, timeoutMs: opts.timeoutMs });
    try {
      const [now] = await db.query<{ at: string }>('SELECT (extract(epoch FROM now()) * 1000000)::bigint::text AS at');
      const start = BigInt(now!.at);
      const targets = tables.map(({ mapping, shape }) => {
        const at = quoteIdent(shape.updatedAt!.name);
        const version =
          shape.version.category === 'D'
            ? `(extract(epoch FROM t.${quoteIdent(shape.version.name)}) * 1000000)::bigint::text`
            : `t.${quoteIdent(shape.version.name)}::text`;
        const keys = shape.keyColumns.map((c) => `t.${quoteIdent(c.name)}::text`).join(', ');
        const order = [`t.${at}`, ...shape.keyColumns.map((c) => `t.${quoteIdent(c.name)}`)].join(', ');
        const select = `SELECT ${keys}, ${version}, (extract(epoch FROM t.${at}) * 1000000)::bigint::text FROM ${shape.sql} t`;
        const time = "'epoch'::timestamptz + $1::bigint * interval '1 microsecond'";
        const sql = `${select} WHERE t.${at} > ${time} ORDER BY ${order} LIMIT ${ROWS_PER_POLL}`;
        const after = [time, ...shape.keyColumns.map((c, i) => `$${i + 2}::${c.type}`)].join(', ');
        const sqlAfter = `${select} WHERE (${order}) > (${after}) ORDER BY ${order} LIMIT ${ROWS_PER_POLL}`;
        return { mapping, sql, sqlAfter, cursor: null, first: true, newest: start, seen: new Map<string, bigint>() };
      });
      return new UpdatedPoller(db, targets);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  /** The tables whose updatedAt column leads no index: each poll then reads the whole table. */
  async unindexed<T extends { shape: TableShape }>(tables: readonly T[]): Promise<T[]> {
    const out: T[] = [];
    for (const t of tables) {
      const { shape } = t;
      const [row] = await this.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = to_regclass($1) AND a.attname = $2`,
        [shape.sql, shape.updatedAt!.name],
      );
      if ((row?.n ?? 0) === 0) out.push(t);
    }
    return out;
  }

  /** The writes since the last poll (a row written twice between polls is one write, its last); `more` when a page
   * came back full and the next poll goes on from it. */
  async poll(): Promise<{ writes: CommittedWrite[]; more: boolean }> {
    const out: CommittedWrite[] = [];
    let more = false;
    for (const t of this.targets) {
      const since = t.first ? t.newest : t.newest - LOOKBACK_MICROS;
      t.first = false;
      const rows = t.cursor
        ? await this.db.queryArrays(t.sqlAfter, [t.cursor.at.toString(), ...t.cursor.keys])
        : await this.db.queryArrays(t.sql, [since.toString()]);
      const last = rows.at(-1);
      const n = t.mapping.keyColumns.length;
      t.cursor = rows.length >= ROWS_PER_POLL && last ? { at: BigInt(last[n + 1] as string), keys: last.slice(0, n) as string[] } : null;
      if (t.cursor) more = true;
      for (const r of rows) {
        const values = r.slice(0, n) as (string | null)[];
        const at = BigInt(r[n + 1] as string);
        if (values.some((v) => v === null)) continue;
        const key = t.mapping.template.render(values as string[]);
        if (t.seen.get(key) === at) continue;
        t.seen.set(key, at);
        if (at > t.newest) t.newest = at;
        const v = r[n] === null ? null : rowVersion(r[n] as string, t.mapping.versionKind);
        out.push({ mapping: t.mapping.name, key, op: 'UPDATE', version: v && !('error' in v) ? v : null, xid: '', commitLsn: null, commitMicros: at });
      }
      for (const [k, at] of t.seen) if (at < t.newest - LOOKBACK_MICROS) t.seen.delete(k);
    }
    return { writes: out, more };
  }

  /** The same polls on a new session (the old one was lost), going on from where they were: the writes committed
   * meanwhile still have their updatedAt, so none is missed. */
  async reopen(opts: { url: string | null; flag: string; timeoutMs: number }): Promise<UpdatedPoller> {
    return new UpdatedPoller(await connectPg({ url: opts.url, flag: opts.flag, timeoutMs: opts.timeoutMs }), this.targets);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
