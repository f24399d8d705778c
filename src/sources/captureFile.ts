// Lines of a saved MONITOR capture (`redis-cli monitor > capture.log`), from a file or stdin, read in large chunks.
import { createReadStream } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { LineSplitter } from './lineSplitter.js';

/**
 * Lines as latin1 strings (MONITOR output is ASCII; bytes beyond it survive as they are), a chunk's worth at a
 * time: an await per line would cost more than parsing it. Lines over the splitter's limit are skipped and counted
 * in `splitter.overlong`.
 */
export async function* captureLines(path: string, signal: AbortSignal, splitter: LineSplitter): AsyncGenerator<string[]> {
  const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  // A signal stops the read at once, even while a quiet pipe (redis-cli monitor | ...) sends nothing.
  const stopReading = () => stream.destroy();
  signal.addEventListener('abort', stopReading, { once: true });
  try {
    for await (const chunk of stream) {
      if (signal.aborted) break;
      const lines = splitter.push((chunk as Buffer).toString('latin1'));
      if (lines.length > 0) yield lines;
    }
  } catch (err) {
    if (signal.aborted) return;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new ConfigError(`--input ${path}: ${code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : 'is a directory'}`);
    }
    throw err;
  } finally {
    signal.removeEventListener('abort', stopReading);
  }
  if (signal.aborted) return;
  // A last line without a newline may be cut short: it is given to the parser, which skips it if it is broken.
  const last = splitter.end();
  if (last !== null) yield [last];
}
