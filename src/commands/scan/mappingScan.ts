// One mapping's scan: its table's shape, its reader of Redis entries, its running tally, and the wrong entries
// waiting for their second look after the grace period.
import type { Redis } from 'ioredis';
import { type Classified, classifyEntry, WRONG_STATES } from '../../core/scan/classify.js';
import type { CacheRead } from '../../core/scan/decode.js';
import { keyColumnValues } from '../../core/scan/keyValues.js';
import type { Mapping } from '../../core/scan/mapping.js';
import { Tally } from '../../core/scan/tally.js';
import type { PgPool } from '../../sources/postgres/pool.js';
import { fetchRows, rowSql } from '../../sources/postgres/rows.js';
import type { TableShape } from '../../sources/postgres/tableInfo.js';
import { SourceError } from '../../errors.js';
import { EntryReader } from '../../sources/redis/entries.js';
import { sleep } from '../context.js';
import type { PackedEntry } from '../../sources/redis/entryScripts.js';

export interface MappingScanOptions {
  maxValueBytes: number;
  redisFlag: string;
  timeoutMs: number;
  graceMs: number;
  maxListed: number;
  /** On a cluster: a connection to a master that was not one when the scan began (a promoted replica). */
  openNode?: (target: string) => Promise<Redis>;
}

/** A wrong entry waiting for its second look. */
interface Candidate {
  keyBytes: Buffer;
  seenAt: number;
  /** The reader (Redis node) it was scanned on: a cluster node serves only its own keys. */
  node: number;
}

export class MappingScan {
  readonly tally: Tally;
  readonly sql: string;
  private readonly compareCategories: Record<string, string>;
  /** One reader per Redis node (one, or each cluster master). */
  readonly readers: EntryReader[];
  private candidates: Candidate[] = [];
  private readonly fields: string[];
  /** Cluster masters that failed mid-walk (host:port), with why and how many keys were read there first. */
  readonly failedNodes = new Map<string, { reason: string; read: number }>();
  private readOn: number[] = [];

  constructor(
    readonly mapping: Mapping,
    readonly shape: TableShape,
    private readonly db: PgPool,
    nodes: readonly Redis[],
    private readonly opts: MappingScanOptions,
    private readonly now: () => Date,
  ) {
    this.tally = new Tally(mapping.name, opts.maxListed);
    this.sql = rowSql(shape);
    this.compareCategories = Object.fromEntries(shape.compare.map((c) => [c.name, c.category]));
    this.fields = [mapping.version.field, mapping.updatedAt?.field, ...mapping.compare.map((c) => c.field)].filter((f): f is string => !!f);
    this.readers = nodes.map((n) => new EntryReader(n, opts.maxValueBytes, this.fields, { flag: opts.redisFlag, timeoutMs: opts.timeoutMs }));
  }

  /** On a cluster, the owner (host:port) of every slot, by slot number, as the first node that answers says. */
  async slotOwners(): Promise<string[]> {
    const owners: string[] = new Array<string>(16384).fill('');
    for (const reader of this.readers) {
      if (this.failedNodes.has(reader.target)) continue;
      try {
        for (const r of await reader.slotOwners()) owners.fill(r.owner, r.start, r.end + 1);
        return owners;
      } catch {
        // Ask the next node.
      }
    }
    return owners;
  }

  /** The reader of a cluster master by host:port, connecting to it if it became a master during the scan. */
  async readerFor(target: string): Promise<number | undefined> {
    const known = this.readers.findIndex((r) => r.target === target);
    if (known !== -1) return known;
    if (!this.opts.openNode) return undefined;
    const redis = await this.opts.openNode(target);
    return this.readers.push(new EntryReader(redis, this.opts.maxValueBytes, this.fields, { flag: this.opts.redisFlag, timeoutMs: this.opts.timeoutMs })) - 1;
  }

  /** A cluster master could not be read any further: the walk goes on without it. */
  nodeFailed(node: number, err: SourceError): void {
    this.failedNodes.set(this.readers[node]!.target, { reason: err.reason, read: this.readOn[node] ?? 0 });
  }

  /** Looks up and classifies a batch of entries; wrong ones wait for the grace re-check. */
  async process(entries: readonly PackedEntry[], node: number): Promise<void> {
    this.readOn[node] = (this.readOn[node] ?? 0) + entries.length;
    const classified = await this.classify(entries.map((e) => e.read));
    classified.forEach((c, i) => {
      if (c === null) this.tally.unmatched += 1;
      // A copy: the key's bytes are a view into the whole batch reply, which must not stay alive for it.
      else if (WRONG_STATES.includes(c.entry.state)) this.candidates.push({ keyBytes: Buffer.from(entries[i]!.keyBytes), seenAt: performance.now(), node });
      else this.tally.record(c.entry);
      if (c !== null) this.tally.sampled += 1;
    });
  }

  /** Re-checks the candidates that have waited long enough (all of them with `force`). */
  async recheck(force: boolean): Promise<void> {
    // Candidates queue up in the order they were seen: the due ones are a prefix.
    const now = performance.now();
    const firstNotDue = force ? -1 : this.candidates.findIndex((c) => now - c.seenAt < this.opts.graceMs);
    const cut = firstNotDue === -1 ? this.candidates.length : firstNotDue;
    if (cut === 0) return;
    const due = this.candidates.slice(0, cut);
    this.candidates = this.candidates.slice(cut);
    for (const [node, reader] of this.readers.entries()) {
      const mine = due.filter((c) => c.node === node);
      for (let i = 0; i < mine.length; i += 500) {
        const batch = mine.slice(i, i + 500);
        const reads = await this.readAgain(reader, batch.map((c) => c.keyBytes));
        const again = await this.classify(reads.filter((r): r is CacheRead => r !== null));
        let j = 0;
        for (const r of reads) {
          // A key no node would serve (its slot mid-migration, its node down): its first verdict is unconfirmed.
          if (r === null) {
            this.tally.counts.unconfirmed += 1;
            continue;
          }
          const c = again[j++];
          if (c !== null && c !== undefined && WRONG_STATES.includes(c.entry.state)) this.tally.record(c.entry);
          else this.tally.recordInflight();
        }
      }
    }
  }

  /**
   * Reads keys again on the node that served them; on a cluster, a node that refuses them (the slot moved:
   * "non local key", or the node is down) is replaced, key by key, by whichever master serves it now.
   */
  private async readAgain(reader: EntryReader, keys: Buffer[]): Promise<(CacheRead | null)[]> {
    try {
      return (await reader.read(keys)).map((e) => e.read);
    } catch (err) {
      if (!(err instanceof SourceError) || this.readers.length === 1) throw err;
      // A master that took over slots since (a promoted replica) gets a reader too.
      for (const owner of new Set(await this.slotOwners())) if (owner) await this.readerFor(owner).catch(() => undefined);
      const out: (CacheRead | null)[] = [];
      for (const key of keys) {
        let found: CacheRead | null = null;
        for (const other of this.readers) {
          if (other === reader || this.failedNodes.has(other.target)) continue;
          try {
            found = (await other.read([key]))[0]!.read;
            break;
          } catch {
            // Not this node's key either.
          }
        }
        out.push(found);
      }
      return out;
    }
  }

  /**
   * Waits out every candidate's own grace period, re-checking each as it comes due. On Ctrl-C the rest are not
   * judged: they count as unconfirmed, neither stale nor in flight.
   */
  async settle(signal: AbortSignal, onWait: (ms: number, waiting: number) => void): Promise<void> {
    while (this.candidates.length > 0) {
      if (signal.aborted) return this.abandonWaiting();
      const wait = this.opts.graceMs - (performance.now() - this.candidates[0]!.seenAt);
      if (wait > 0) {
        onWait(wait, this.candidates.length);
        await sleep(wait, signal);
      } else {
        await this.recheck(false);
      }
    }
  }

  /** The scan cannot go on (a source failed): entries still waiting are unconfirmed. */
  abandonWaiting(): void {
    this.tally.counts.unconfirmed += this.candidates.length;
    this.candidates = [];
  }

  get waiting(): number {
    return this.candidates.length;
  }

  private async classify(reads: CacheRead[]): Promise<({ entry: Classified } | null)[]> {
    const values = reads.map((r) => this.keyValues(r.key));
    const ids: string[][] = [];
    const position = values.map((v) => (Array.isArray(v) ? ids.push(v) - 1 : -1));
    const rows = await this.db.use((c) => fetchRows(c, this.shape, this.sql, ids));
    const now = this.now();
    return reads.map((read, i) => {
      const v = values[i] ?? null;
      if (v === null) return null;
      const invalid = Array.isArray(v) ? undefined : v.invalid;
      const row = invalid !== undefined ? undefined : (rows[position[i]!] ?? null);
      return { entry: classifyEntry({ read, row, mapping: this.mapping, versionKind: this.shape.version.kind, maxValueBytes: this.opts.maxValueBytes, now, compareCategories: this.compareCategories, invalidColumn: invalid }) };
    });
  }

  /** The key's column values; null: not a key of this mapping; { invalid }: ours, but not a valid id. */
  keyValues(key: string): string[] | { invalid: string } | null {
    return keyColumnValues(key, this.mapping, this.shape.keyColumns.map((c) => c.type));
  }
}
