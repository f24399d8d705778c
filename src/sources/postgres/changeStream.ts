// The primary's committed changes, through logical decoding: a TEMPORARY slot with the built-in test_decoding plugin
// (no object is created on the server, and PostgreSQL drops the slot when this session ends, even if cachedoctor is
// killed), read with pg_logical_slot_get_changes on one dedicated read-only session.
import { randomBytes } from 'node:crypto';
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

export class ChangeStream {
  private constructor(
    private readonly db: PgConnection,
    readonly slot: string,
  ) {}

  get target(): string {
    return this.db.target;
  }

  /** Opens the session and its temporary slot; ChangeStreamUnavailable when the server cannot give one. */
  static async open(opts: { url: string | null; flag: string; timeoutMs: number }): Promise<ChangeStream> {
    const db = await connectPg({ url: opts.url, flag: opts.flag, timeoutMs: opts.timeoutMs });
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
      const slot = `cachedoctor_${process.pid}_${randomBytes(3).toString('hex')}`;
      await db.query("SELECT 1 FROM pg_create_logical_replication_slot($1, 'test_decoding', true)", [slot]);
      return new ChangeStream(db, slot);
    } catch (err) {
      await db.close();
      if (err instanceof SourceError && /permission denied|must be superuser or replication role/i.test(err.message))
        throw new ChangeStreamUnavailable(`the role may not create a replication slot (${err.reason})`, 'ALTER ROLE <role> REPLICATION;');
      throw err;
    }
  }

  /** The next committed changes, whole transactions, about `limit` rows at most. */
  async poll(limit: number): Promise<ChangeRow[]> {
    return this.db.query<ChangeRow>(
      `SELECT lsn::text AS lsn, data FROM pg_logical_slot_get_changes($1, NULL, $2, ${OPTIONS.map((_, i) => `$${i + 3}`).join(', ')})`,
      [this.slot, limit, ...OPTIONS],
    );
  }

  /** How far the slot is behind the primary's WAL, in bytes: what it holds back, and how late the follow is. */
  async behindBytes(): Promise<number | null> {
    const [row] = await this.db.query<{ behind: string | null }>(
      'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS behind FROM pg_replication_slots WHERE slot_name = $1',
      [this.slot],
    );
    return row?.behind === null || row?.behind === undefined ? null : Number(row.behind);
  }

  /** Ends the session; PostgreSQL drops the temporary slot with it. */
  async close(): Promise<void> {
    await this.db.close();
  }
}
