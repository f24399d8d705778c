// Each replica's replay position for follow, sampled often. A replica that cannot be reached, or is lost mid-run, is
// connected again with backoff and said once when it goes and once when it is back: while it is gone, a stale write
// cannot be blamed on a refill from it, so it is classed uncertain instead; the write stream itself goes on.
import type { Source } from '../../config/resolve.js';
import { SourceError } from '../../errors.js';
import { connectPg, type PgConnection, pgTarget } from '../../sources/postgres/connect.js';

/** After a replica failed: the first wait before connecting again, doubling up to the last. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

interface Replica {
  source: Source;
  name: string;
  conn: PgConnection | null;
  /** Why it could not be sampled last, or null while it is. */
  down: string | null;
  failures: number;
  retryAtMs: number;
}

export class ReplaySampler {
  private readonly replicas: Replica[];
  private busy = false;
  private closed = false;

  constructor(
    sources: readonly Source[],
    private readonly timeoutMs: number,
    private readonly note: (line: string) => void,
  ) {
    this.replicas = sources.map((source) => ({
      source,
      name: pgTarget(source.url, source.origin).target,
      conn: null,
      down: null,
      failures: 0,
      retryAtMs: 0,
    }));
  }

  /** host:port of each replica, as the checker names them. */
  get names(): string[] {
    return this.replicas.map((r) => r.name);
  }

  /** Connects every replica. `required`: the first that cannot be reached is thrown; otherwise it is said and retried. */
  async open(required: boolean): Promise<void> {
    for (const r of this.replicas) {
      try {
        r.conn = await connectPg({ url: r.source.url, flag: r.source.origin, timeoutMs: this.timeoutMs });
      } catch (err) {
        if (required || !(err instanceof SourceError)) throw err;
        this.lost(r, err, Date.now());
      }
    }
  }

  /** One sample of every replica that is up (or due to be tried again); a sample already in flight is not doubled. */
  sample(replayed: (name: string, lsn: string, atMs: number, sentMs: number) => void): void {
    if (this.busy || this.closed) return;
    this.busy = true;
    void Promise.all(this.replicas.map((r) => this.sampleOne(r, replayed))).finally(() => {
      this.busy = false;
    });
  }

  private async sampleOne(r: Replica, replayed: (name: string, lsn: string, atMs: number, sentMs: number) => void): Promise<void> {
    const sent = Date.now();
    if (r.conn === null && sent < r.retryAtMs) return;
    try {
      if (r.conn === null) {
        const conn = await connectPg({ url: r.source.url, flag: r.source.origin, timeoutMs: this.timeoutMs });
        if (this.closed) return void (await conn.close());
        r.conn = conn;
      }
      const [row] = await r.conn.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
      if (r.down !== null) this.note(`cachedoctor: follow: replica ${r.name} is sampled again`);
      r.down = null;
      r.failures = 0;
      if (row?.lsn) replayed(r.name, row.lsn, Date.now(), sent);
    } catch (err) {
      if (this.closed) return;
      const conn = r.conn;
      r.conn = null;
      await conn?.close().catch(() => undefined);
      this.lost(r, err, Date.now());
    }
  }

  private lost(r: Replica, err: unknown, now: number): void {
    const why = err instanceof SourceError ? err.reason : String((err as Error)?.message ?? err);
    if (r.down === null)
      this.note(
        `cachedoctor: follow: replica ${r.name} cannot be sampled (${why}): a stale write is not blamed on a refill from it (classed uncertain) until it is back; trying again`,
      );
    r.down = why;
    r.failures += 1;
    r.retryAtMs = now + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (r.failures - 1));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.replicas.map((r) => r.conn?.close().catch(() => undefined)));
  }
}
