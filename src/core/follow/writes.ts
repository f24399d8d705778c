// Committed writes of mapped tables, from test_decoding's lines: each change becomes the cache key it should have
// invalidated and the version it committed. Other tables' changes are dropped here, unread: a REPLICATION role
// sees every table, and their data is never kept or printed.
import type { KeyTemplate } from '../keyTemplate.js';
import { rowVersion, type Version, type VersionKind } from '../scan/version.js';
import { type ChangeOp, type DecodedColumn, type DecodedLine, timestampMicros } from './testDecoding.js';

/** What follow needs of a mapping: its table as PostgreSQL names it, how a row becomes a key, its version column. */
export interface FollowMapping {
  name: string;
  schema: string;
  table: string;
  /** The tables whose changes are its writes, as the stream names them: the table, or a partitioned one's leaves. */
  sources?: readonly { schema: string; table: string }[];
  template: KeyTemplate;
  /** Key column per placeholder, in the template's order. */
  keyColumns: string[];
  versionColumn: string;
  versionKind: VersionKind;
}

export interface CommittedWrite {
  mapping: string;
  key: string;
  op: ChangeOp;
  /** The version committed; null for a delete (the key should be gone) or when the row has none. */
  version: Version | null;
  xid: string;
  /** The end of the commit record: a replica shows the write once it has replayed this far; null when polling. */
  commitLsn: string | null;
  /** The commit time on the primary's clock, in microseconds. */
  commitMicros: bigint;
}

/** Turns test_decoding rows (lsn, data) into committed writes of the mapped tables, a transaction at a time. */
export class WriteDecoder {
  private readonly byTable = new Map<string, FollowMapping[]>();
  private open: { xid: string; changes: Omit<CommittedWrite, 'commitLsn' | 'commitMicros' | 'xid'>[]; unkeyed: Map<string, number> } | null = null;
  /** Per mapping, committed changes whose cache key the stream did not give: a delete carries only the replica
   * identity (the primary key), so a key made of other columns cannot be told. Taken with takeUnkeyed(). */
  private unkeyed = new Map<string, number>();

  constructor(mappings: readonly FollowMapping[]) {
    for (const m of mappings) {
      for (const src of m.sources ?? [{ schema: m.schema, table: m.table }]) {
        const t = `${src.schema}\u0000${src.table}`;
        this.byTable.set(t, [...(this.byTable.get(t) ?? []), m]);
      }
    }
  }

  /** One row of pg_logical_slot_get_changes; the writes of a transaction come out with its COMMIT. */
  push(lsn: string, line: DecodedLine): CommittedWrite[] {
    if (line.kind === 'begin') {
      this.open = { xid: line.xid, changes: [], unkeyed: new Map() };
      return [];
    }
    if (line.kind === 'commit') {
      const open = this.open;
      this.open = null;
      for (const [m, n] of open?.unkeyed ?? []) this.unkeyed.set(m, (this.unkeyed.get(m) ?? 0) + n);
      if (!open || open.changes.length === 0) return [];
      const commitMicros = line.atMicros ?? 0n;
      return open.changes.map((c) => ({ ...c, xid: line.xid, commitLsn: lsn, commitMicros }));
    }
    if (line.kind !== 'change' || !this.open) return [];
    const mappings = this.byTable.get(`${line.schema}\u0000${line.table}`);
    if (!mappings) return [];
    for (const m of mappings) {
      // A key change (UPDATE of the key columns) invalidates the old key too: it must not keep serving the row.
      const key = keyOf(m, line.columns);
      // (With REPLICA IDENTITY FULL every UPDATE carries its old row: only a key that changed is invalidated.)
      if (line.oldKey) {
        const oldKey = keyOf(m, line.oldKey);
        if (oldKey !== null && oldKey !== key) this.open.changes.push({ mapping: m.name, key: oldKey, op: 'DELETE', version: null });
      }
      if (key === null) {
        this.open.unkeyed.set(m.name, (this.open.unkeyed.get(m.name) ?? 0) + 1);
        continue;
      }
      const version = line.op === 'DELETE' ? null : versionOf(m, line.columns.get(m.versionColumn));
      this.open.changes.push({ mapping: m.name, key, op: line.op, version });
    }
    return [];
  }

  /** The unkeyed changes committed since the last call, per mapping. */
  takeUnkeyed(): Map<string, number> {
    const out = this.unkeyed;
    this.unkeyed = new Map();
    return out;
  }
}

function keyOf(m: FollowMapping, columns: Map<string, DecodedColumn>): string | null {
  const values: string[] = [];
  for (const c of m.keyColumns) {
    const v = columns.get(c)?.value;
    if (typeof v !== 'string') return null;
    values.push(v);
  }
  return m.template.render(values);
}

function versionOf(m: FollowMapping, column: DecodedColumn | undefined): Version | null {
  const text = column?.value;
  if (typeof text !== 'string') return null;
  const asText = m.versionKind === 'timestamp' ? timestampMicros(text)?.toString() : text;
  if (asText === undefined) return null;
  const v = rowVersion(asText, m.versionKind);
  return 'error' in v ? null : v;
}
