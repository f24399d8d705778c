// A few primary connections shared by a scan's batches: queries on one pg client run one at a time.
import type { PgConnection } from './connect.js';

export class PgPool {
  private free: PgConnection[];
  private waiting: ((c: PgConnection) => void)[] = [];

  constructor(readonly connections: readonly PgConnection[]) {
    this.free = [...connections];
  }

  get target(): string {
    return this.connections[0]!.target;
  }

  async use<T>(work: (c: PgConnection) => Promise<T>): Promise<T> {
    const c = this.free.pop() ?? (await new Promise<PgConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(c);
    } finally {
      const next = this.waiting.shift();
      if (next) next(c);
      else this.free.push(c);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
  }
}
