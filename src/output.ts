// The only writer to stdout and stderr: every line passes through the secret scrubber.
import { redactUrlsIn, scrub, scrubDeep } from './core/redact.js';

export interface Streams {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

export class Output {
  private secrets: string[] = [];

  constructor(
    secrets: readonly string[],
    private readonly streams: Streams = { out: process.stdout, err: process.stderr },
  ) {
    this.addSecrets(secrets);
  }

  addSecrets(secrets: readonly string[]): void {
    for (const s of secrets) if (s && !this.secrets.includes(s)) this.secrets.push(s);
  }

  /**
   * The command's result: the table, or the one JSON document, rendered from a value passed through
   * scrubValue(). Only URLs are redacted here: text-level masking could corrupt numbers and keys in JSON.
   */
  result(text: string): void {
    this.streams.out.write(redactUrlsIn(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** The value with every secret removed from its strings, ready to render. */
  scrubValue<T>(value: T): T {
    return scrubDeep(value, this.secrets);
  }

  /** Progress, warnings and hints: stderr, so stdout stays machine-readable. A progress line showing goes first. */
  note(text: string): void {
    this.endProgress();
    this.streams.err.write(this.clean(`${text}\n`));
  }

  /** A progress line that rewrites itself: stderr, only on a terminal, at most ten times a second. */
  progress(text: string, always = false): void {
    const now = Date.now();
    if (this.progressOn) {
      if (!always && now - this.lastProgress < 100) return;
      this.lastProgress = now;
      // One terminal line at most: a line that wraps cannot be rewritten (\r goes back to its last row only).
      const line = this.clean(text);
      const fitted = line.length < this.progressWidth ? line : `${line.slice(0, Math.max(0, this.progressWidth - 2))}…`;
      this.streams.err.write(`\r\u001b[K${fitted}`);
      this.progressShowing = true;
    } else if (this.verbose && (always || now - this.lastProgress >= 2000)) {
      // Not a terminal (a log file, CI): with --verbose, a plain line every two seconds.
      this.lastProgress = now;
      this.note(text);
    }
  }

  /** Set by cli.ts from --verbose. */
  verbose = false;

  private lastProgress = 0;

  /** Erases the progress line before anything else is printed. */
  endProgress(): void {
    if (!this.progressShowing) return;
    this.streams.err.write('\r\u001b[K');
    this.progressShowing = false;
  }

  /** Set by cli.ts: stderr is a terminal, and neither --json nor --quiet. */
  progressOn = false;
  /** Set by cli.ts: the terminal's width, which a progress line must stay within. */
  progressWidth = 80;
  private progressShowing = false;

  clean(text: string): string {
    return scrub(text, this.secrets);
  }
}
