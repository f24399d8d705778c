// Text cut into lines as it arrives, in bounded memory: a line longer than the limit (a 32 MB value in a capture,
// a line with no end) is skipped and counted, never held whole. Lines end at "\n"; a "\r" before it is dropped.

export class LineSplitter {
  /** Lines skipped for being longer than the limit. */
  overlong = 0;
  private parts: string[] = [];
  private partsLength = 0;
  /** Inside a line already over the limit: drop everything up to its end. */
  private skipping = false;

  constructor(private readonly maxLine: number) {}

  /** The lines this chunk completes. */
  push(chunk: string): string[] {
    const out: string[] = [];
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      this.append(chunk);
      return out;
    }
    const first = chunk.slice(0, nl);
    if (this.skipping) {
      this.overlong += 1;
      this.skipping = false;
    } else this.keep(this.parts.length > 0 ? this.parts.join('') + first : first, out);
    this.parts = [];
    this.partsLength = 0;
    let start = nl + 1;
    for (nl = chunk.indexOf('\n', start); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.keep(chunk.slice(start, nl), out);
      start = nl + 1;
    }
    this.append(chunk.slice(start));
    return out;
  }

  /** The last line, when the text does not end with a newline (it may be cut short). */
  end(): string | null {
    if (this.skipping) {
      this.overlong += 1;
      this.skipping = false;
      return null;
    }
    const rest = this.parts.join('');
    this.parts = [];
    this.partsLength = 0;
    return rest.length > 0 ? rest : null;
  }

  private keep(line: string, out: string[]): void {
    if (line.length > this.maxLine) this.overlong += 1;
    else out.push(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
  }

  private append(text: string): void {
    if (this.skipping || text.length === 0) return;
    this.partsLength += text.length;
    if (this.partsLength > this.maxLine) {
      this.skipping = true;
      this.parts = [];
      this.partsLength = 0;
    } else this.parts.push(text);
  }
}
