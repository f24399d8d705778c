// Lines of a saved MONITOR capture (`redis-cli monitor > capture.log`), from a file or stdin, read in large chunks.
import { createReadStream } from 'node:fs';
import { ConfigError } from '../errors.js';

/**
 * Lines as latin1 strings (MONITOR output is ASCII; bytes beyond it survive as they are), a chunk's worth at a
 * time: an await per line would cost more than parsing it.
 */
export async function* captureLines(path: string, signal: AbortSignal): AsyncGenerator<string[]> {
  const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  let rest = '';
  try {
    for await (const chunk of stream) {
      if (signal.aborted) break;
      const text = rest + (chunk as Buffer).toString('latin1');
      const lines: string[] = [];
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        lines.push(text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
      if (lines.length > 0) yield lines;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new ConfigError(`--input ${path}: ${code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : 'is a directory'}`);
    }
    throw err;
  }
  // A last line without a newline may be cut short: it is given to the parser, which skips it if it is broken.
  if (rest.length > 0) yield [rest];
}
