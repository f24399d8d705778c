// monitor --save: the live stream written to a file in redis-cli monitor format. Opened before anything connects
// (a path that cannot be written is a usage error, exit 2), written with back-pressure (a slow disk slows the
// reader, never grows our memory), and a write that fails stops the watch with the reason.
import { open, stat, unlink } from 'node:fs/promises';
import type { WriteStream } from 'node:fs';
import { UsageError } from '../../errors.js';

const WHY: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};

export class SaveFile {
  /** Set when a write failed: the watch stops and says why. */
  failure: string | null = null;

  private constructor(
    private readonly stream: WriteStream,
    readonly path: string,
    /** True when this run created the file (not a pipe or a device that was there): only then may it remove it. */
    private readonly created: boolean,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => this.failed(err));
  }

  private failed(err: NodeJS.ErrnoException): void {
    this.failure ??= `could not write --save ${this.path}: ${WHY[err.code ?? ''] ?? err.message}`;
  }

  /** Creates the file; one that exists already is not overwritten (it may be the capture of the last incident). A pipe or a device is written to. */
  static async open(path: string): Promise<SaveFile> {
    try {
      const special = await isSpecialFile(path);
      const handle = await open(path, special ? 'w' : 'wx');
      return new SaveFile(handle.createWriteStream(), path, !special);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST')
        throw new UsageError(`--save ${path}: exists already, and cachedoctor does not overwrite a capture`, 'choose another name, or remove the file');
      throw new UsageError(`--save ${path}: cannot write it: ${WHY[code] ?? (err as Error).message}`, 'give a file in a folder you can write to');
    }
  }

  write(line: string): void {
    if (this.failure === null) this.stream.write(line);
  }

  /** True when the disk is behind: the caller waits for drained() before reading on. */
  get full(): boolean {
    return this.stream.writableNeedDrain && this.failure === null;
  }

  /** Resolves when the disk has caught up, or when `signal` aborts (the watch is over: stop waiting for the disk). */
  drained(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (!this.full || signal.aborted) return resolve();
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.stream.once('drain', done);
      this.stream.once('error', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Closes the file, and removes it if this run created it, when the watch never started (nothing was written). */
  async discard(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
    // A pipe or a device was there before us: never remove it (it may be /dev/null).
    if (!this.created) return;
    // Our own empty file: if it cannot be removed, it is harmless, and the error that brought us here matters more.
    await unlink(this.path).catch(() => undefined);
  }

  /**
   * Writes the last line and closes the file, waiting at most `waitMs` for the disk to take what is left; a disk
   * that does not is cut off, and the capture is said to be incomplete (in `failure`).
   */
  async end(last: string, waitMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.failure ??= `the disk behind --save ${this.path} did not take the last ${Math.ceil(this.stream.writableLength / 1024)} KiB within ${waitMs / 1000} s`;
        this.stream.destroy();
        resolve();
      }, waitMs);
      this.stream.end(this.failure === null ? last : undefined, (err?: NodeJS.ErrnoException | null) => {
        clearTimeout(timer);
        if (err) this.failed(err);
        resolve();
      });
    });
  }
}

/** A named pipe or a device (a FIFO to a compressor, /dev/stdout): written to, as it holds no earlier capture. A
 * link is followed (/dev/stdout is one); a link to a regular file is still never overwritten ('wx' refuses it). */
async function isSpecialFile(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => null);
  return st !== null && (st.isFIFO() || st.isCharacterDevice());
}
