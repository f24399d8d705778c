// `cachedoctor scan`: sample keys, compare each cached version with its row on the primary, confirm, rank.
import type { Redis } from 'ioredis';
import { resolveMappings } from '../config/mappings.js';
import { count, durationMs } from '../config/resolve.js';
import type { CommandResult } from '../core/envelope.js';
import { type Classified, classifyEntry, WRONG_STATES } from '../core/scan/classify.js';
import type { CacheRead } from '../core/scan/decode.js';
import { keyColumnValues } from '../core/scan/keyValues.js';
import type { Mapping } from '../core/scan/mapping.js';
import { buildScanResult, type ScanData } from '../core/scan/scanReport.js';
import { Tally } from '../core/scan/tally.js';
import { parseBytes } from '../core/units.js';
import { InterruptedError, UsageError } from '../errors.js';
import { connectPg, type PgConnection } from '../sources/postgres/connect.js';
import { fetchRows, rowId, rowSql } from '../sources/postgres/rows.js';
import { readTableShape, type TableShape } from '../sources/postgres/tableInfo.js';
import { connectRedis } from '../sources/redis/connect.js';
import { EntryReader } from '../sources/redis/entries.js';
import { scanKeys } from '../sources/redis/scanKeys.js';
import { attributeToReplicas } from './scanReplicas.js';
import { type CommandContext, sleep } from './context.js';

interface ScanOptions {
  sample: number | null;
  rate: number | null;
  maxValueBytes: number;
  graceMs: number;
  replicas: boolean;
  maxListed: number;
}

function parseOptions(o: Record<string, unknown>): ScanOptions {
  if (o.all === true && o.sample !== undefined) throw new UsageError('--all and --sample do not go together');
  const bytes = o.maxValueBytes === undefined ? 1024 * 1024 : parseBytes(String(o.maxValueBytes));
  if (bytes === undefined) throw new UsageError(`--max-value-bytes: expected a size such as 1MiB, got "${String(o.maxValueBytes)}"`);
  const rate = o.rate === undefined ? null : count('--rate', String(o.rate));
  if (rate === 0) throw new UsageError('--rate: expected at least 1 key per second');
  return {
    sample: o.all === true ? null : o.sample === undefined ? 1000 : positive('--sample', String(o.sample)),
    rate,
    maxValueBytes: bytes,
    graceMs: o.grace === undefined ? 2000 : durationOrZero('--grace', String(o.grace)),
    replicas: o.replicas === true,
    maxListed: o.maxListed === undefined ? 100 : count('--max-listed', String(o.maxListed)),
  };
}

/** A wrong entry waiting for its second look. */
interface Candidate {
  read: CacheRead;
  keyBytes: Buffer;
  values: string[];
  seenAt: number;
}

/** One mapping's scan: its table, its Redis reader and its running tally. */
class MappingScan {
  readonly tally: Tally;
  readonly sql: string;
  readonly reader: EntryReader;
  private candidates: Candidate[] = [];

  constructor(
    readonly mapping: Mapping,
    readonly shape: TableShape,
    private readonly db: PgConnection,
    redis: Redis,
    private readonly opts: ScanOptions,
    private readonly now: () => Date,
  ) {
    this.tally = new Tally(mapping.name, opts.maxListed);
    this.sql = rowSql(shape);
    const fields = [mapping.version.field, mapping.updatedAt?.field, ...mapping.compare.map((c) => c.field)].filter((f): f is string => !!f);
    this.reader = new EntryReader(redis, opts.maxValueBytes, fields);
  }

  /** Reads, looks up and classifies a batch; wrong entries wait for the grace re-check. */
  async process(keys: Buffer[]): Promise<void> {
    const reads = await this.reader.read(keys);
    const classified = await this.classify(reads);
    classified.forEach((c, i) => {
      if (c === null) this.tally.unmatched += 1;
      else if (WRONG_STATES.includes(c.entry.state)) this.candidates.push({ read: reads[i]!, keyBytes: keys[i]!, values: c.values!, seenAt: Date.now() });
      else this.tally.record(c.entry);
      if (c !== null) this.tally.sampled += 1;
    });
  }

  /** Re-checks the candidates that have waited long enough (all of them with `force`). */
  async recheck(force: boolean): Promise<void> {
    const due = force ? this.candidates : this.candidates.filter((c) => Date.now() - c.seenAt >= this.opts.graceMs);
    if (due.length === 0) return;
    this.candidates = force ? [] : this.candidates.filter((c) => !due.includes(c));
    for (let i = 0; i < due.length; i += 500) {
      const batch = due.slice(i, i + 500);
      const again = await this.classify(await this.reader.read(batch.map((c) => c.keyBytes)));
      for (const c of again) {
        if (c !== null && WRONG_STATES.includes(c.entry.state)) this.tally.record(c.entry);
        else this.tally.recordInflight();
      }
    }
  }

  get waiting(): number {
    return this.candidates.length;
  }

  oldestWaitMs(): number {
    return this.candidates.length ? Date.now() - this.candidates[0]!.seenAt : 0;
  }

  private async classify(reads: CacheRead[]): Promise<({ entry: Classified; values: string[] | null } | null)[]> {
    const values = reads.map((r) => this.keyValues(r.key));
    const ids = values.filter((v): v is string[] => Array.isArray(v));
    const rows = await fetchRows(this.db, this.shape, this.sql, ids);
    const now = this.now();
    return reads.map((read, i) => {
      const v = values[i] ?? null;
      if (v === null) return null;
      const row = v === 'invalid' ? undefined : (rows.get(rowId(v)) ?? null);
      const entry = classifyEntry({ read, row, mapping: this.mapping, versionKind: this.shape.version.kind, maxValueBytes: this.opts.maxValueBytes, now });
      return { entry, values: Array.isArray(v) ? v : null };
    });
  }

  /** The key's canonical column values; null: not a key of this mapping; 'invalid': ours, but not a valid id. */
  keyValues(key: string): string[] | 'invalid' | null {
    return keyColumnValues(key, this.mapping, this.shape.keyColumns.map((c) => c.type));
  }
}

export type { MappingScan };

export async function runScan(ctx: CommandContext): Promise<CommandResult<ScanData>> {
  const opts = parseOptions(ctx.options);
  const { settings: s, signal, out } = ctx;
  const compare = ctx.options.compare === undefined ? undefined : String(ctx.options.compare).split(',').map((f) => f.trim()).filter(Boolean);
  const mappings = resolveMappings(
    s.mappings,
    { key: ctx.options.key as string | undefined, table: ctx.options.table as string | undefined, versionField: ctx.options.versionField as string | undefined, versionColumn: ctx.options.versionColumn as string | undefined, compare, mapping: ctx.options.mapping as string | undefined },
    s.configPath ? `config file ${s.configPath}` : 'config file',
  );
  if (s.redis.url === null) throw new UsageError('scan needs Redis: pass --redis or set REDIS_URL');
  if (s.primary === null) throw new UsageError('scan needs the PostgreSQL primary: pass --pg or set DATABASE_URL');
  if (opts.replicas && s.replicas.length === 0) throw new UsageError('--replicas needs at least one --replica URL');

  let redis: Redis | null = null;
  let db: PgConnection | null = null;
  const scans: MappingScan[] = [];
  try {
    [redis, db] = await Promise.all([
      connectRedis({ url: s.redis.url, flag: s.redis.origin, timeoutMs: s.timeoutMs }),
      connectPg({ url: s.primary.url, flag: s.primary.origin, timeoutMs: s.timeoutMs }),
    ]);
    for (const m of mappings) scans.push(new MappingScan(m, await readTableShape(db, m), db, redis, opts, ctx.now));
    const started = Date.now();
    let read = 0;
    for (const scan of scans) {
      if (signal.aborted) break;
      const seen = new Set<string>();
      for await (const batch of scanKeys(redis, scan.mapping.template.scanPattern, signal)) {
        const keys = batch.filter((k) => {
          const id = k.toString('latin1');
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
        // Keys of other families do not count toward --sample: take chunks until the sample is full.
        for (let i = 0; i < keys.length && !signal.aborted; ) {
          // With --rate, small chunks (a tenth of a second's worth) keep the load even, not bursty.
          const chunkMax = opts.rate === null ? 500 : Math.max(1, Math.min(500, Math.floor(opts.rate / 10)));
          const room = opts.sample === null ? chunkMax : Math.min(chunkMax, opts.sample - scan.tally.sampled);
          if (room <= 0) break;
          const chunk = keys.slice(i, i + room);
          i += chunk.length;
          if (opts.rate !== null) await sleep(Math.max(0, started + (read / opts.rate) * 1000 - Date.now()), signal);
          await scan.process(chunk);
          read += chunk.length;
          out.progress(`scan ${scan.mapping.name}: ${read} keys read, ${scan.waiting} to re-check, ${Math.round(read / Math.max(0.001, (Date.now() - started) / 1000))} keys/s`);
        }
        await scan.recheck(false);
        if (signal.aborted || (opts.sample !== null && scan.tally.sampled >= opts.sample)) break;
      }
    }
    // The last candidates wait out their grace period (skipped on Ctrl-C: they are re-checked at once).
    for (const scan of scans) {
      const wait = opts.graceMs - scan.oldestWaitMs();
      if (scan.waiting > 0 && !signal.aborted && wait > 0) {
        out.progress(`scan: waiting ${Math.ceil(wait / 100) / 10} s to re-check ${scan.waiting} wrong entries (writes in flight are not staleness)`);
        await sleep(opts.graceMs, signal);
      }
      await scan.recheck(true);
    }
    out.endProgress();
    const attributions = opts.replicas ? await attributeToReplicas(scans, s.replicas, s.timeoutMs) : new Map<string, string>();
    return buildScanResult({
      tallies: scans.map((x) => ({ tally: x.tally, table: x.shape.label })),
      attributions,
      thresholds: { maxStale: s.thresholds.maxStale, maxStaleRatio: s.thresholds.maxStaleRatio },
      graceSeconds: opts.graceMs / 1000,
      maxListed: opts.maxListed,
      complete: !signal.aborted,
    });
  } catch (err) {
    out.endProgress();
    if (signal.aborted && scans.every((x) => x.tally.sampled === 0)) throw new InterruptedError('interrupted before any key was compared', undefined, { cause: err });
    throw err;
  } finally {
    redis?.disconnect();
    await db?.close();
  }
}

function positive(option: string, text: string): number {
  const n = count(option, text);
  if (n === 0) throw new UsageError(`${option}: expected at least 1`);
  return n;
}

function durationOrZero(option: string, text: string): number {
  return text.trim() === '0' ? 0 : durationMs(option, text, 's');
}
