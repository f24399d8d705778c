// probe's options, typed: --allow-write (required), how many canary writes, how far apart, how long to wait.
import { splitTableName } from '../../core/scan/mapping.js';
import type { Severity } from '../../core/findings/findings.js';
import { UsageError } from '../../errors.js';
import { FAIL_ON, LAG_LIMITS, PROBING, QUIET } from '../../options/catalog.js';
import { parseOptions, type RawOptions } from '../../options/spec.js';

export const PROBE_OPTIONS = { ...PROBING, maxLagSeconds: LAG_LIMITS.maxLagSeconds, failOn: FAIL_ON, quiet: QUIET } as const;

export interface ProbeOptions {
  writes: number;
  intervalMs: number;
  maxWaitMs: number;
  /** The canary table as given, and split into schema and name. */
  tableText: string;
  table: { schema: string | null; name: string };
  maxLagSeconds: number;
  failOn: Severity;
}

export function parse(raw: RawOptions): ProbeOptions {
  const o = parseOptions(PROBE_OPTIONS, raw);
  if (!o.allowWrite) {
    throw new UsageError(
      `probe writes canary rows to the primary (table ${o.canaryTable}) and is off unless you pass --allow-write`,
      'every other cachedoctor command is read-only; probe needs INSERT/UPDATE/DELETE on its own table (and CREATE the first time)',
    );
  }
  const table = splitTableName(o.canaryTable);
  if (table === null) throw new UsageError(`--canary-table: "${o.canaryTable}" is not a table name (name or schema.name)`);
  return { writes: o.count, intervalMs: o.interval, maxWaitMs: o.maxWait, tableText: o.canaryTable, table, maxLagSeconds: o.maxLagSeconds, failOn: o.failOn };
}
