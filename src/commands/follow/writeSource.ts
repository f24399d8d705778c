// Where follow's committed writes come from: the change stream (a temporary logical slot), or, when the primary
// cannot give one, its fallback, polling each mapped table's updatedAt column. One shape for both.
import { parseTestDecoding } from '../../core/follow/testDecoding.js';
import { type CommittedWrite, type FollowMapping, WriteDecoder } from '../../core/follow/writes.js';
import { SourceError } from '../../errors.js';
import type { Output } from '../../output.js';
import { ChangeStream, ChangeStreamUnavailable } from '../../sources/postgres/changeStream.js';
import type { TableShape } from '../../sources/postgres/tableInfo.js';
import { UpdatedPoller } from '../../sources/postgres/updatedPoller.js';

export interface WriteSource {
  mode: 'logical' | 'poll';
  target: string;
  /** The temporary slot (logical), or null. */
  slot: string | null;
  /** How long to wait before asking again when the last call had nothing more. */
  idleMs: number;
  /** Limits of this mode, said in the report. */
  notes: string[];
  /** The writes committed since the last call; `more` when a call now would give more at once; `unkeyed`, per
   * mapping, the changes whose cache key the stream did not give. */
  next(): Promise<{ writes: CommittedWrite[]; more: boolean; unkeyed?: Map<string, number> }>;
  /** How far behind the primary's WAL the follow is, in bytes (what the slot holds back), if known. */
  behindBytes(): Promise<number | null>;
  /** After the session was lost (the primary restarted, the connection dropped): a new one. The change stream
   * starts a new slot, so what was committed in between is never seen (`missed`); polling goes on from its cursor. */
  reopen(): Promise<{ missed: boolean }>;
  close(): Promise<void>;
}

/** Rows a read of the slot takes at most (whole transactions, so about). */
const SLOT_ROWS = 5000;

export async function openWriteSource(
  conn: { url: string | null; flag: string; timeoutMs: number },
  tables: { mapping: FollowMapping; shape: TableShape }[],
  pollMs: number,
  out: Output,
): Promise<WriteSource> {
  const sources = tables.flatMap(({ mapping: m }) => m.sources ?? [{ schema: m.schema, table: m.table }]);
  try {
    let stream = await ChangeStream.open(conn, sources);
    let decoder = new WriteDecoder(tables.map((t) => t.mapping));
    const source: WriteSource = {
      mode: 'logical',
      target: stream.target,
      slot: stream.slot,
      idleMs: 100,
      notes: [],
      async next() {
        const { rows, decoded } = await stream.poll(SLOT_ROWS);
        const writes = rows.flatMap((r) => decoder.push(r.lsn, parseTestDecoding(r.data)));
        return { writes, more: decoded >= SLOT_ROWS, unkeyed: decoder.takeUnkeyed() };
      },
      behindBytes: () => stream.behindBytes(),
      async reopen() {
        await stream.close();
        stream = await ChangeStream.open(conn, sources);
        // A transaction cut in half by the loss is not half-reported.
        decoder = new WriteDecoder(tables.map((t) => t.mapping));
        source.slot = stream.slot;
        return { missed: true };
      },
      close: () => stream.close(),
    };
    return source;
  } catch (err) {
    if (!(err instanceof ChangeStreamUnavailable)) throw err;
    const without = tables.filter((t) => t.shape.updatedAt === null).map((t) => t.shape.label);
    if (without.length > 0)
      throw new SourceError(
        `follow cannot read the primary's change stream (${err.reason}), and cannot poll instead: ${without.join(', ')} has no updatedAt column`,
        `${err.enable}; or give the mapping an updatedAt column (a timestamp every write sets)`,
        { category: 'rejected', server: 'postgres' },
      );
    const table = (t: (typeof tables)[number]) => `${t.mapping.schema}.${t.mapping.table}`;
    const columns = tables.map((t) => `${table(t)}.${t.shape.updatedAt!.name}`).join(', ');
    let poller = await UpdatedPoller.open(conn, tables);
    try {
      out.note(
        `cachedoctor: follow: no change stream (${err.reason}): polling ${columns} every ${pollMs} ms instead; deletes are not seen, and a stale refill cannot be held against the replicas (to follow every write: ${err.enable})`,
      );
      for (const t of await poller.unindexed(tables))
        out.note(
          `cachedoctor: follow: ${table(t)}.${t.shape.updatedAt!.name} has no index: every poll reads the whole table (CREATE INDEX ON ${table(t)} (${t.shape.updatedAt!.name}))`,
        );
    } catch (e) {
      await poller.close();
      throw e;
    }
    return {
      mode: 'poll',
      target: poller.target,
      slot: null,
      idleMs: pollMs,
      notes: [
        `polled ${columns} (no change stream: ${err.reason}): deletes are not seen, and refills with an old row are "uncertain" when there are replicas (no commit position to hold them against)`,
      ],
      next: () => poller.poll(),
      behindBytes: async () => null,
      async reopen() {
        await poller.close();
        poller = await poller.reopen(conn);
        return { missed: false };
      },
      close: () => poller.close(),
    };
  }
}
