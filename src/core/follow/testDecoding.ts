// The text of PostgreSQL's test_decoding output plugin, read back: BEGIN, COMMIT (with its time, include-timestamp)
// and one line per row change. Values come as SQL literals: strings quoted ('it''s'), numbers and booleans bare, null.
//   BEGIN 730
//   table public.acc: UPDATE: id[integer]:1 version[bigint]:2 v[text]:'a2'
//   table public.acc: UPDATE: old-key: id[integer]:1 new-tuple: id[integer]:2 version[bigint]:3
//   table public.acc: DELETE: id[integer]:1
//   COMMIT 730 (at 2026-12-03 06:29:34.857362+00)

export type ChangeOp = 'INSERT' | 'UPDATE' | 'DELETE';

/** A column as test_decoding prints it: its type name and its value as text (null for SQL NULL). */
export interface DecodedColumn {
  type: string;
  /** The value as text, unquoted; null for NULL; undefined for an unchanged TOAST value (not sent). */
  value: string | null | undefined;
}

export type DecodedLine =
  | { kind: 'begin'; xid: string }
  | { kind: 'commit'; xid: string; atMicros: bigint | null }
  | { kind: 'change'; schema: string; table: string; op: ChangeOp; columns: Map<string, DecodedColumn>; oldKey: Map<string, DecodedColumn> | null }
  | { kind: 'other'; text: string };

/** One line of test_decoding output; 'other' for what it does not know (TRUNCATE, messages), never a throw. */
export function parseTestDecoding(line: string): DecodedLine {
  if (line.startsWith('BEGIN ')) return { kind: 'begin', xid: line.slice(6).trim() };
  if (line.startsWith('COMMIT ')) {
    const m = /^COMMIT (\d+)(?: \(at (.+)\))?$/.exec(line);
    return m ? { kind: 'commit', xid: m[1]!, atMicros: m[2] ? timestampMicros(m[2]) : null } : { kind: 'other', text: line };
  }
  if (!line.startsWith('table ')) return { kind: 'other', text: line };
  const r = new Reader(line, 6);
  const schema = r.identifier();
  if (schema === null || !r.eat('.')) return { kind: 'other', text: line };
  const table = r.identifier();
  if (table === null || !r.eat(': ')) return { kind: 'other', text: line };
  const op = r.word();
  if (op !== 'INSERT' && op !== 'UPDATE' && op !== 'DELETE') return { kind: 'other', text: line };
  if (!r.eat(':')) return { kind: 'other', text: line };
  let oldKey: Map<string, DecodedColumn> | null = null;
  r.eat(' ');
  if (r.eat('old-key: ')) {
    oldKey = r.columns('new-tuple: ');
    if (oldKey === null || !r.eat('new-tuple: ')) return { kind: 'other', text: line };
  }
  if (r.eat('(no-tuple-data)')) return { kind: 'change', schema, table, op, columns: new Map(), oldKey };
  const columns = r.columns(null);
  return columns === null ? { kind: 'other', text: line } : { kind: 'change', schema, table, op, columns, oldKey };
}

/** "2026-12-03 06:29:34.857362+00" (or +05:30, no fraction, or no zone: a timestamp without time zone, read as UTC)
 * as microseconds since the epoch; null if unreadable. */
export function timestampMicros(text: string): bigint | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:([+-]\d{2})(?::?(\d{2}))?)?$/.exec(text.trim());
  if (!m) return null;
  const seconds = Date.parse(`${m[1]}T${m[2]}${m[4] ?? '+00'}:${m[5] ?? '00'}`);
  if (!Number.isFinite(seconds)) return null;
  return BigInt(seconds) * 1000n + BigInt((m[3] ?? '').padEnd(6, '0'));
}

/** A cursor over one line. */
class Reader {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  eat(text: string): boolean {
    if (!this.s.startsWith(text, this.i)) return false;
    this.i += text.length;
    return true;
  }

  word(): string {
    const start = this.i;
    while (this.i < this.s.length && /[A-Z]/.test(this.s[this.i]!)) this.i += 1;
    return this.s.slice(start, this.i);
  }

  /** A name as quote_identifier prints it: bare, or in double quotes with "" for a quote. */
  identifier(): string | null {
    if (this.s[this.i] === '"') return this.quoted('"');
    const start = this.i;
    while (this.i < this.s.length && !/[.:[\s"]/.test(this.s[this.i]!)) this.i += 1;
    return this.i > start ? this.s.slice(start, this.i) : null;
  }

  /** Text in `q` quotes, a doubled quote standing for one; null when the closing quote is missing. */
  private quoted(q: string): string | null {
    let out = '';
    for (this.i += 1; this.i < this.s.length; this.i += 1) {
      if (this.s[this.i] !== q) out += this.s[this.i];
      else if (this.s[this.i + 1] === q) {
        out += q;
        this.i += 1;
      } else {
        this.i += 1;
        return out;
      }
    }
    return null;
  }

  /** name[type]:value pairs separated by spaces, up to the end or to `stop`. */
  columns(stop: string | null): Map<string, DecodedColumn> | null {
    const out = new Map<string, DecodedColumn>();
    while (this.i < this.s.length) {
      if (stop !== null && this.s.startsWith(stop, this.i)) return out;
      const name = this.identifier();
      if (name === null || !this.eat('[')) return null;
      // A type name may hold spaces and brackets ("timestamp with time zone", "integer[]"): it ends at "]:".
      const end = this.s.indexOf(']:', this.i);
      if (end === -1) return null;
      const type = this.s.slice(this.i, end);
      this.i = end + 2;
      out.set(name, { type, value: this.value() });
      this.eat(' ');
    }
    return out;
  }

  private value(): string | null | undefined {
    if (this.s[this.i] === "'") return this.quoted("'") ?? this.s.slice(this.i);
    const start = this.i;
    while (this.i < this.s.length && this.s[this.i] !== ' ') this.i += 1;
    const bare = this.s.slice(start, this.i);
    if (bare === 'null') return null;
    if (bare === 'unchanged-toast-datum') return undefined;
    return bare;
  }
}
