// Finds the mappings by itself: samples key names, infers templates, reads a few values of each, matches them with
// the catalog and looks up sampled ids as rows. Apart from init's output and --write: the commands run with no mapping
// use it too (discovered.ts).
import { type Candidate, candidatesFor, propose, type Proposal, type RowCheck, type Unmapped, uniqueNames } from '../../core/discover/propose.js';
import { inferTemplates } from '../../core/discover/templates.js';
import { learnValues } from '../../core/discover/values.js';
import { type KeyTemplate, parseKeyTemplate } from '../../core/keyTemplate.js';
import { fitsKeyType } from '../../core/scan/keyValues.js';
import type { InitData } from '../../core/discover/initData.js';
import { SourceError } from '../../errors.js';
import { countRows, readCatalog } from '../../sources/postgres/catalog.js';
import type { PgConnection } from '../../sources/postgres/connect.js';
import type { RedisNodes } from '../../sources/redis/connect.js';
import { EntryReader } from '../../sources/redis/entries.js';
import { sampleKeys } from '../../sources/redis/keySample.js';
import { RoutedReader } from '../../sources/redis/routedReader.js';

export interface DiscoverOptions {
  sample: number;
  rate: number | null;
  maxValueBytes: number;
  cluster: boolean;
  redisFlag: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** Where it is, without a prefix: the caller says whose progress it is. */
  progress: (text: string) => void;
}

export async function discover(redis: RedisNodes, db: PgConnection, opts: DiscoverOptions): Promise<Omit<InitData, 'written' | 'write'>> {
  const { tables, unreadable, notRead } = await readCatalog(db);
  const context = { flag: opts.redisFlag, timeoutMs: opts.timeoutMs };
  const sample = await sampleKeys(redis, {
    sample: opts.sample,
    rate: opts.rate,
    ...context,
    signal: opts.signal,
    progress: (n) => opts.progress(`${n.toLocaleString('en')} keys read`),
  });
  const reader = new RoutedReader(redis, opts.cluster, (r) => new EntryReader(r, opts.maxValueBytes, [], context));
  const proposals: Proposal[] = [];
  const unmapped: Unmapped[] = [];
  const templates = inferTemplates(sample.keys);
  for (const [i, t] of templates.entries()) {
    if (opts.signal.aborted) break;
    opts.progress(`matching ${i + 1} of ${templates.length} key families with ${tables.length} tables`);
    const reads = t.problem ? [] : (await reader.read(t.sampleKeys.map((k) => Buffer.from(k)))).map((e) => e.read);
    const shape = learnValues(reads);
    const candidates = t.problem || shape.problem ? [] : candidatesFor(t, shape, tables);
    const parsed = candidates.length > 0 ? parseKeyTemplate(t.template) : null;
    const checked = [];
    for (const c of candidates) checked.push({ ...c, rows: await lookUp(db, c, t.sampleKeys, parsed!) });
    const result = propose(t, shape, checked);
    if ('why' in result) unmapped.push(result);
    else proposals.push(result);
  }
  uniqueNames(proposals);
  return {
    sampled: { keys: sample.keys.length, binary: sample.binary, keyspace: sample.keyspace, masters: redis.nodes.length },
    tables: { readable: tables.length, unreadable, notRead },
    proposals,
    unmapped,
  };
}

/** How many of the sampled keys' ids are rows of the candidate (ids that cannot be its key's type do not count). */
async function lookUp(db: PgConnection, c: Candidate, keys: readonly string[], template: KeyTemplate): Promise<RowCheck> {
  const cols = c.keyColumns.map((k) => k.column);
  const tuples = keys.flatMap((k) => {
    const v = template.values(k);
    return v?.every((x, i) => fitsKeyType(x, cols[i]!.type)) ? [v] : [];
  });
  try {
    return { checked: tuples.length, found: await countRows(db, c.table, cols, tuples) };
  } catch (err) {
    // A table we may read but not query as we ask (a permission on a column, a type we cast wrongly): no match.
    if (err instanceof SourceError && err.category === 'rejected') return { error: err.reason };
    throw err;
  }
}
