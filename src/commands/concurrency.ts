// Keeping a few I/O round trips in flight: a scan spends most of its time waiting on Redis and PostgreSQL.

/** Pulls up to `ahead` items from `source` before they are asked for. */
export async function* prefetch<T>(source: AsyncIterable<T>, ahead: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (queue.length < ahead) queue.push(it.next());
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

/** Runs at most `limit` tasks at once; the first failure is thrown from wait()/drain(). */
export class TaskSet {
  private running = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.running.size;
  }

  /** Starts a task, first waiting for a free slot. */
  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await this.waitOne();
    const p: Promise<void> = task().finally(() => this.running.delete(p));
    // Failures surface through waitOne/drain; this handler only stops an unobserved one from crashing the process.
    p.catch(() => {});
    this.running.add(p);
  }

  /** Waits for one running task to finish. */
  async waitOne(): Promise<void> {
    if (this.running.size > 0) await Promise.race(this.running);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
  }
}
