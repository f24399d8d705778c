// One line of Redis MONITOR output, parsed exactly: `<sec>.<usec> [<db> <client>] "arg" "arg" ...` (FACTS.md).
//
// Redis quotes every argument and escapes \\ \" \n \r \t \a \b, and \xNN (lowercase hex) for every other byte
// outside printable ASCII: a line is pure ASCII. Arguments are returned as "binary strings" (one char per byte,
// char code = byte value): exact bytes without a Buffer per argument (Buffer.from(arg, 'latin1') gives the bytes).

export interface MonitorEvent {
  /** Microseconds since the epoch (exact: 2^53 us is year 2255). */
  timeUs: number;
  db: number;
  /** `ip:port`, `[ipv6]:port`, `lua` (commands a script ran) or `unix:<path>`. */
  client: string;
  /** Arguments as binary strings; args[0] is the command as sent (any case). */
  args: string[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const SPACE = 32;

/** The event on a MONITOR line, or null for anything else (the initial "OK", a truncated or garbled line). */
export function parseMonitorLine(line: string): MonitorEvent | null {
  // Timestamp: digits '.' six digits, then a space.
  const dot = line.indexOf('.');
  if (dot < 1 || dot > 12 || line.charCodeAt(dot + 7) !== SPACE || line.charCodeAt(dot + 8) !== 91) return null;
  const sec = Number(line.slice(0, dot));
  const usec = Number(line.slice(dot + 1, dot + 7));
  if (!Number.isInteger(sec) || !Number.isInteger(usec) || usec < 0) return null;
  // [db client]: the client may itself hold brackets ([::1]:6379), so it ends at the first `] "`.
  const dbStart = dot + 9;
  const dbEnd = line.indexOf(' ', dbStart);
  const close = line.indexOf('] "', dbEnd);
  if (dbEnd === -1 || close === -1) return null;
  const db = Number(line.slice(dbStart, dbEnd));
  if (!Number.isInteger(db) || db < 0) return null;
  const args = parseArgs(line, close + 2);
  if (args === null || args.length === 0) return null;
  return { timeUs: sec * 1_000_000 + usec, db, client: line.slice(dbEnd + 1, close), args };
}

/** Quoted arguments from `start` to the end of the line; null when a quote is not closed or junk follows one. */
function parseArgs(line: string, start: number): string[] | null {
  const args: string[] = [];
  let i = start;
  const n = line.length;
  while (i < n) {
    if (line.charCodeAt(i) !== QUOTE) return null;
    i += 1;
    // Fast path: no escape before the closing quote.
    let j = i;
    let code = 0;
    for (; j < n; j += 1) {
      code = line.charCodeAt(j);
      if (code === QUOTE || code === BACKSLASH) break;
    }
    if (j >= n) return null;
    if (code === QUOTE) {
      args.push(line.slice(i, j));
      i = j + 1;
    } else {
      const r = unescapeFrom(line, i);
      if (r === null) return null;
      args.push(r.value);
      i = r.end;
    }
    if (i < n) {
      if (line.charCodeAt(i) !== SPACE) return null;
      i += 1;
    }
  }
  return args;
}

const SIMPLE_ESCAPES: Record<number, string> = { 92: '\\', 34: '"', 110: '\n', 114: '\r', 116: '\t', 97: '\u0007', 98: '\b' };

/** Un-escapes a quoted argument starting at `i` (just after its opening quote); end is past its closing quote. */
function unescapeFrom(line: string, i: number): { value: string; end: number } | null {
  let out = '';
  let runStart = i;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) return { value: out + line.slice(runStart, i), end: i + 1 };
    if (c !== BACKSLASH) {
      i += 1;
      continue;
    }
    out += line.slice(runStart, i);
    const e = line.charCodeAt(i + 1);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 120) {
      const byte = parseInt(line.slice(i + 2, i + 4), 16);
      if (Number.isNaN(byte) || i + 4 > n) return null;
      out += String.fromCharCode(byte);
      i += 4;
    } else {
      return null;
    }
    runStart = i;
  }
  return null;
}

/** The exact bytes of an argument. */
export function argBytes(arg: string): Buffer {
  return Buffer.from(arg, 'latin1');
}

/** An argument as text: UTF-8 when its bytes are UTF-8 (non-ASCII keys are rare; ASCII is returned as is). */
export function argText(arg: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test is for plain ASCII, control bytes included
  return /^[\x00-\x7f]*$/.test(arg) ? arg : Buffer.from(arg, 'latin1').toString('utf8');
}
