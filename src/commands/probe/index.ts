// `cachedoctor probe --allow-write`: the one command that writes. It commits canary writes on the primary, in a
// table of its own, and measures how long each takes to become visible on every replica: the real read-your-writes
// window instead of an estimate. Its rows are removed afterwards; no other table is touched.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { CommandResult } from '../../core/envelope.js';
import { buildProbeResult, type ProbeData, type ReplicaVisibility } from '../../core/probe.js';
import { InterruptedError, SourceError, UsageError } from '../../errors.js';
import { connectPg, type PgConnection, pgTarget } from '../../sources/postgres/connect.js';
import { quoteIdent } from '../../sources/postgres/tableInfo.js';
import { sleep } from '../../async.js';
import type { CommandContext } from '../context.js';
import type { ProbeOptions } from './options.js';

/** How often a replica is asked whether the write has arrived. */
const POLL_MS = 2;

const CANARY_COLUMNS = 'id text PRIMARY KEY, seq integer NOT NULL, written_at timestamptz NOT NULL DEFAULT now()';

export { parse } from './options.js';

export async function run(ctx: CommandContext, opts: ProbeOptions): Promise<CommandResult<ProbeData>> {
  const { settings: s, signal, out } = ctx;
  const { writes, intervalMs, maxWaitMs, tableText, table } = opts;
  const sql = table.schema ? `${quoteIdent(table.schema)}.${quoteIdent(table.name)}` : quoteIdent(table.name);
  if (s.primary === null) throw new UsageError('probe needs the PostgreSQL primary: pass --pg or set DATABASE_URL');
  if (s.replicas.length === 0) throw new UsageError('probe needs at least one --replica to measure');

  const primary = await connectPg({ url: s.primary.url, flag: s.primary.origin, timeoutMs: s.timeoutMs, writable: true });
  const replicas: { link: PgConnection | null; result: ReplicaVisibility }[] = [];
  const rowId = `probe-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  let inserted = false;
  let written = 0;
  try {
    const [{ standby } = { standby: false }] = await primary.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    if (standby)
      throw new UsageError(
        `${s.primary.origin}: ${primary.target} is a standby (in recovery): probe writes to the primary`,
        'point --pg (or DATABASE_URL) at the primary',
      );
    await ensureCanaryTable(primary, sql, tableText);
    for (const r of s.replicas) {
      const link = await connectPg({ url: r.url, flag: r.origin, timeoutMs: s.timeoutMs }).catch((err: unknown) => {
        if (err instanceof SourceError) return err;
        throw err;
      });
      replicas.push(
        link instanceof SourceError
          ? { link: null, result: { replica: pgTarget(r.url, r.origin).target, samplesMs: [], error: link.line, replayPaused: null } }
          : { link, result: { replica: link.target, samplesMs: [], error: null, replayPaused: null } },
      );
    }
    out.note(
      `probe: writing ${writes} canary row change(s) to ${tableText} on ${primary.target}, ${intervalMs} ms apart, and timing when each is visible on ${replicas.length} replica(s)`,
    );
    // Write 1 inserts the canary row, the others update it: each is timed from its commit to its visibility.
    for (let i = 0; i < writes && !signal.aborted; i += 1) {
      if (i === 0) {
        await primary.query(`INSERT INTO ${sql} (id, seq) VALUES ($1, 0)`, [rowId]);
        inserted = true;
      } else {
        await primary.query(`UPDATE ${sql} SET seq = $2, written_at = now() WHERE id = $1`, [rowId, i]);
      }
      const committed = performance.now();
      written = i + 1;
      await Promise.all(
        replicas.map(async (r) => {
          // A replica that missed one write is not asked about later ones: it is not replaying.
          if (!r.link || r.result.samplesMs.includes(null)) return;
          const ms = await waitVisible(r, rowId, sql, i, maxWaitMs, signal, committed);
          if (ms !== undefined) r.result.samplesMs.push(ms);
        }),
      );
      out.progress(`probe: ${i + 1}/${writes} writes timed`);
      if (i + 1 < writes) await sleep(intervalMs, signal);
    }
    out.endProgress();
    if (signal.aborted && written === 0) throw new InterruptedError('interrupted before a write was timed');
    // A replica whose replay is paused shows no write until someone resumes it: say so, rather than only "not visible".
    await Promise.all(
      replicas.map(async (r) => {
        if (!r.link) return;
        const [row] = await r.link.query<{ paused: boolean }>('SELECT pg_is_wal_replay_paused() AS paused').catch(() => []);
        r.result.replayPaused = row?.paused ?? null;
      }),
    );
  } finally {
    // The canary row goes, whatever happened; nothing else was written.
    if (inserted)
      await primary
        .query(`DELETE FROM ${sql} WHERE id = $1`, [rowId])
        .catch(() => out.note(`cachedoctor: probe: could not delete canary row ${rowId} from ${tableText}: delete it by hand`));
    await primary.close();
    await Promise.all(replicas.map((r) => r.link?.close()));
  }
  return buildProbeResult({
    table: tableText,
    intervalMs,
    pollMs: POLL_MS,
    maxWaitMs,
    replicas: replicas.map((r) => r.result),
    maxLagSeconds: opts.maxLagSeconds,
    failOn: opts.failOn,
    complete: !signal.aborted,
    written,
  });
}

/** Creates the canary table if it is missing; refuses a table of that name that is not a canary table. */
async function ensureCanaryTable(db: PgConnection, sql: string, label: string): Promise<void> {
  const [existing] = await db.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [sql]);
  if (existing?.oid) {
    const cols = await db.query<{ attname: string; type: string }>(
      'SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped',
      [existing.oid],
    );
    const types = new Map(cols.map((c) => [c.attname, c.type]));
    if (types.get('id') !== 'text' || types.get('seq') !== 'integer') {
      throw new UsageError(
        `--canary-table: ${label} exists and is not a cachedoctor canary table (it needs id text, seq integer): probe will not write to it`,
        'choose another name with --canary-table',
      );
    }
    return;
  }
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS ${sql} (${CANARY_COLUMNS})`);
  } catch (err) {
    if (err instanceof SourceError && /permission denied/i.test(err.message)) {
      throw new SourceError(
        `cannot create the canary table ${label}: ${err.reason}`,
        `create it once as a privileged user: CREATE TABLE ${sql} (${CANARY_COLUMNS}); and GRANT SELECT, INSERT, UPDATE, DELETE ON it to the probe's role`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Milliseconds until the replica shows seq >= `seq` for the row, from `since` (performance.now()); null if it did
 * not within maxWaitMs; undefined when Ctrl-C stopped the wait. A failed query ends the replica's measurement
 * with its error.
 */
async function waitVisible(
  r: { link: PgConnection | null; result: ReplicaVisibility },
  id: string,
  sql: string,
  seq: number,
  maxWaitMs: number,
  signal: AbortSignal,
  since = performance.now(),
): Promise<number | null | undefined> {
  const link = r.link!;
  for (;;) {
    let rows: { seq: number }[];
    try {
      rows = await link.query<{ seq: number }>(`SELECT seq FROM ${sql} WHERE id = $1`, [id]);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      // The canary table was created just now: a replica that has not replayed that yet has no table, which is
      // the write not being visible, not a broken connection.
      if ((err.cause as { code?: string } | undefined)?.code === '42P01') rows = [];
      else {
        r.result.error = err.line;
        r.link = null;
        void link.close();
        return undefined;
      }
    }
    const elapsed = performance.now() - since;
    if (rows[0] && rows[0].seq >= seq) return Math.round(elapsed * 100) / 100;
    if (signal.aborted) return undefined;
    if (elapsed > maxWaitMs) return null;
    await sleep(POLL_MS, signal);
  }
}
