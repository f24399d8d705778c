// Keeping a few I/O round trips in flight: a scan spends most of its time waiting on Redis and PostgreSQL.

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
