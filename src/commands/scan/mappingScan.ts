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
import { keySlot } from '../../core/clusterSlot.js';
import { SourceError } from '../../errors.js';
import { EntryReader } from '../../sources/redis/entries.js';
import { sleep } from '../../async.js';
import type { PackedEntry } from '../../sources/redis/entryScripts.js';

export interface MappingScanOptions {
  maxValueBytes: number;
  redisFlag: string;
  timeoutMs: number;
  graceMs: number;
  maxListed: number;
  /** On a cluster: a connection to a master that was not one when the scan began (a promoted replica). */
  openNode?: (target: string) => Promise<Redis>;
  /** On a cluster: what the mappings of one scan learn together. */
  cluster?: ClusterShared;
}

/** Shared by the mappings of one scan of a cluster: masters found down, and whether a failover was waited for. */
export interface ClusterShared {
  down: Map<string, string>;
  failoverWaited: boolean;
}

/** A master that could not be read: why, whether it could not be reached at all, and the keys read there first. */
export interface NodeFailure {
  reason: string;
  unreachable: boolean;
  read: number;
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
  readonly failedNodes = new Map<string, NodeFailure>();
  private readOn: number[] = [];
  /** Keys a node refused (their slot was moving) and no owner could serve afterwards. */
  midMigration = 0;

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

  get cluster(): boolean {
    return this.opts.openNode !== undefined;
  }

  /** What the mappings of this scan share about the cluster (this mapping's own when scanned alone). */
  get sharedCluster(): ClusterShared {
    this.opts.cluster ??= { down: new Map(), failoverWaited: false };
    return this.opts.cluster;
  }

  /**
   * The masters to walk, as readers: every owner of a slot now (a master promoted since we connected included,
   * a former master that is a replica now left out). Masters an earlier mapping found down are not tried again.
   */
  async walkTargets(owners: readonly string[]): Promise<number[]> {
    const out: number[] = [];
    for (const target of new Set(owners.filter(Boolean))) {
      const down = this.opts.cluster?.down.get(target);
      if (down !== undefined) {
        this.failedNodes.set(target, { reason: down, unreachable: true, read: 0 });
        continue;
      }
      try {
        const node = await this.readerFor(target);
        if (node !== undefined) out.push(node);
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        this.failedNodes.set(target, { reason: err.reason, unreachable: err.category === 'unreachable', read: 0 });
      }
    }
    return out;
  }

  /** On a cluster, the owner (host:port) of every slot, by slot number, as the first node that answers says. */
  async slotOwners(): Promise<string[]> {
    const owners: string[] = new Array<string>(16384).fill('');
    for (const reader of this.readers) {
      if (this.failedNodes.has(reader.target)) continue;
      try {
        for (const r of await reader.slotOwners()) owners.fill(r.owner, r.start, r.end + 1);
        return owners;
      } catch (err) {
        // A node that cannot answer: ask the next one. Anything else is a bug, and is not hidden.
        if (!(err instanceof SourceError)) throw err;
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
    const target = this.readers[node]!.target;
    const unreachable = err.category === 'unreachable';
    this.failedNodes.set(target, { reason: err.reason, unreachable, read: this.readOn[node] ?? 0 });
    if (unreachable) this.opts.cluster?.down.set(target, err.reason);
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
        const reads = await this.readAgain(
          reader,
          batch.map((c) => c.keyBytes),
        );
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
   * Reads keys again on the node that served them. On a cluster, keys it refuses or cannot serve (the slot moved,
   * the node is down) are read on the current owner of their slot; a key no owner serves is null (unconfirmed),
   * and a master that does not answer is left out (node-not-scanned), as in the walk.
   */
  private async readAgain(reader: EntryReader, keys: Buffer[]): Promise<(CacheRead | null)[]> {
    if (!this.cluster) return (await reader.read(keys)).map((e) => e.read);
    const out: (CacheRead | null)[] = keys.map(() => null);
    try {
      for (const [i, e] of (await reader.read(keys)).entries()) out[i] = e.refused ? null : e.read;
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      // A master that stopped answering is left out like one that failed its walk; its keys stay unconfirmed.
      this.nodeFailed(this.readers.indexOf(reader), err);
    }
    const missing = keys.map((_, i) => i).filter((i) => out[i] === null);
    if (missing.length === 0) return out;
    const owners = await this.slotOwners();
    const byOwner = new Map<string, number[]>();
    for (const i of missing) {
      const owner = owners[keySlot(keys[i]!)]!;
      if (!owner) continue;
      const group = byOwner.get(owner);
      if (group) group.push(i);
      else byOwner.set(owner, [i]);
    }
    for (const [owner, idx] of byOwner) {
      if (this.failedNodes.has(owner)) continue;
      try {
        const node = await this.readerFor(owner);
        if (node === undefined) continue;
        const got = await this.readers[node]!.read(idx.map((i) => keys[i]!));
        for (const [j, e] of got.entries()) out[idx[j]!] = e.refused ? null : e.read;
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        const node = this.readers.findIndex((r) => r.target === owner);
        if (node !== -1) this.nodeFailed(node, err);
      }
    }
    return out;
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
      return {
        entry: classifyEntry({
          read,
          row,
          mapping: this.mapping,
          versionKind: this.shape.version.kind,
          maxValueBytes: this.opts.maxValueBytes,
          now,
          compareCategories: this.compareCategories,
          invalidColumn: invalid,
        }),
      };
    });
  }

  /** The key's column values; null: not a key of this mapping; { invalid }: ours, but not a valid id. */
  keyValues(key: string): string[] | { invalid: string } | null {
    return keyColumnValues(
      key,
      this.mapping,
      this.shape.keyColumns.map((c) => c.type),
    );
  }
}
