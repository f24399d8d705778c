// The primary's committed changes, through logical decoding: a TEMPORARY slot with the built-in test_decoding plugin
// (no object is created on the server, and PostgreSQL drops the slot when this session ends, even if cachedoctor is
// killed), read with pg_logical_slot_get_changes on one dedicated read-only session. Other tables' changes are
// dropped on the server (never sent, never printed); a second session watches how far behind the slot is.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { SourceError } from '../../errors.js';
import { connectPg, type PgConnection } from './connect.js';

/** Why the change stream cannot be used here, and what would enable it. */
export class ChangeStreamUnavailable extends Error {
  constructor(
    readonly reason: string,
    readonly enable: string,
  ) {
    super(reason);
  }
}

export interface ChangeRow {
  lsn: string;
  data: string;
}

const OPTIONS = ['include-timestamp', '1', 'skip-empty-xacts', '1', 'include-xids', '1'];

/** How long one read of the slot may take: it decodes whole transactions, and a bulk load of a million rows takes
 * seconds (7 s here, on 2 cores), while --timeout is meant for a query that answers at once. Whether the primary is
 * still there is the watch session's to say, within --timeout. */
export const SLOT_READ_TIMEOUT_MS = 600_000;

export class ChangeStream {
  private constructor(
    private readonly db: PgConnection,
    private readonly watch: PgConnection,
    readonly slot: string,
    private readonly patterns: string[],
    private readonly pid: number,
  ) {}

  /** A read of the slot in flight (it may decode for seconds). */
  private reading = false;

  get target(): string {
    return this.db.target;
  }

  /** Opens the session and its temporary slot for the changes of `tables`; ChangeStreamUnavailable when the server
   * cannot give one. */
  static async open(
    opts: { url: string | null; flag: string; timeoutMs: number },
    tables: readonly { schema: string; table: string }[],
  ): Promise<ChangeStream> {
    const db = await connectPg({ url: opts.url, flag: opts.flag, timeoutMs: opts.timeoutMs, queryTimeoutMs: Math.max(opts.timeoutMs, SLOT_READ_TIMEOUT_MS) });
    let watch: PgConnection | null = null;
    try {
      const [info] = await db.query<{ wal_level: string; replication: boolean; slots_free: number }>(
        `SELECT current_setting('wal_level') AS wal_level,
                (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user)
                  OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'rds_replication' AND pg_has_role(current_user, r.oid, 'member')) AS replication,
                current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots)::int AS slots_free`,
      );
      if (info?.wal_level !== 'logical')
        throw new ChangeStreamUnavailable(
          `wal_level is ${info?.wal_level ?? 'unknown'} on ${db.target}, not logical`,
          'ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL (managed services: see docs/follow.md)',
        );
      if (!info.replication)
        throw new ChangeStreamUnavailable(
          'the role has no REPLICATION attribute',
          'ALTER ROLE <role> REPLICATION; (it then sees every table: see docs/least-privilege.md)',
        );
      if (info.slots_free <= 0)
        throw new ChangeStreamUnavailable('no free replication slot (max_replication_slots)', 'raise max_replication_slots, or drop an unused slot');
      // The lines test_decoding starts a mapped table's change with: it names tables as quote_ident does.
      const named = await db.query<{ pattern: string }>(
        `SELECT 'table ' || replace(replace(replace(quote_ident(s) || '.' || quote_ident(t), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || ': %' AS pattern
           FROM unnest($1::text[], $2::text[]) AS x(s, t)`,
        [tables.map((t) => t.schema), tables.map((t) => t.table)],
      );
      watch = await connectPg({ url: opts.url, flag: opts.flag, timeoutMs: opts.timeoutMs });
      const slot = `cachedoctor_${process.pid}_${randomBytes(3).toString('hex')}`;
      const [created] = await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid FROM pg_create_logical_replication_slot($1, 'test_decoding', true)", [
        slot,
      ]);
      return new ChangeStream(db, watch, slot, ['BEGIN %', 'COMMIT %', ...named.map((n) => n.pattern)], created!.pid);
    } catch (err) {
      await Promise.all([db.close(), watch?.close()]);
      if (err instanceof SourceError && /permission denied|must be superuser or replication role/i.test(err.message))
        throw new ChangeStreamUnavailable(`the role may not create a replication slot (${err.reason})`, 'ALTER ROLE <role> REPLICATION;');
      throw err;
    }
  }

  /** The next committed changes of the tables, whole transactions, from about `limit` changes of any table at most;
   * `decoded` counts every change read (other tables' too), to tell whether there is more. */
  async poll(limit: number): Promise<{ rows: ChangeRow[]; decoded: number }> {
    const options = OPTIONS.map((_, i) => `$${i + 4}`).join(', ');
    this.reading = true;
    const rows = await this.db
      .query<{ lsn: string | null; data: string }>(
        `WITH c AS MATERIALIZED (SELECT lsn, data FROM pg_logical_slot_get_changes($1, NULL, $2, ${options}))
         SELECT lsn::text AS lsn, data FROM c WHERE data LIKE ANY ($3::text[])
         UNION ALL SELECT NULL, count(*)::text FROM c`,
        [this.slot, limit, this.patterns, ...OPTIONS],
      )
      .finally(() => {
        this.reading = false;
      });
    const count = rows.pop();
    return { rows: rows as ChangeRow[], decoded: Number(count?.data ?? 0) };
  }

  /** How far the slot is behind the primary's WAL, in bytes: what it holds back, and how late the follow is. */
  async behindBytes(): Promise<number | null> {
    const [row] = await this.watch.query<{ behind: string | null }>(
      'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS behind FROM pg_replication_slots WHERE slot_name = $1',
      [this.slot],
    );
    return row?.behind === null || row?.behind === undefined ? null : Number(row.behind);
  }

  /** Ends the sessions; PostgreSQL drops the temporary slot with its own. A read in flight is cancelled first: a
   * backend busy decoding would notice the closed connection (and drop the slot) only when it is done. */
  async close(): Promise<void> {
    if (this.reading) await this.watch.query('SELECT pg_cancel_backend($1)', [this.pid]).catch(() => {});
    await this.db.close();
    // The backend ends a moment after its connection: when follow is done, the slot is gone (2 s at most).
    for (let i = 0; i < 40; i += 1) {
      const left = await this.watch.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [this.slot]).catch(() => []);
      if (left.length === 0) break;
      await delay(50);
    }
    await this.watch.close();
  }
}
