// Small async helpers, in one place: sleeping that Ctrl-C cuts short, hard deadlines, and keeping a few I/O round
// trips in flight (a scan spends most of its time waiting on Redis and PostgreSQL).
import { InterruptedError } from './errors.js';

/** Sleeps `ms`, waking early when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Rejects with an ETIMEDOUT error when `p` takes longer than `ms` (for calls whose own timeouts do not cover every stage). */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timeout after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** `work`, or an InterruptedError(`message`) as soon as the signal aborts: Ctrl-C must not wait for a slow server. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError(message));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Pulls up to `ahead` items from `source` before they are asked for. */
export async function* prefetch<T>(source: AsyncIterable<T>, ahead: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (queue.length < ahead) {
        const next = it.next();
        // A request made ahead may fail before it is awaited: observed here, thrown when its turn comes.
        next.catch(() => {});
        queue.push(next);
      }
      const r = await queue.shift()!;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    // Requests already made may fail once the connection closes: nobody waits for them any more.
    for (const p of queue) p.catch(() => {});
    void it.return?.(undefined)?.catch?.(() => {});
  }
}

/** Runs at most `limit` tasks at once; the first failure is thrown from the next add(), waitOne() or drain(). */
export class TaskSet {
  private running = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.running.size;
  }

  /** Starts a task, first waiting for a free slot. */
  async add(task: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.running.size >= this.limit) await this.waitOne();
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        // Kept, so a failure is never lost when nobody happens to be waiting at that moment.
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Waits for one running task to finish. */
  async waitOne(): Promise<void> {
    if (this.running.size > 0) await Promise.race(this.running);
    this.throwIfFailed();
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
