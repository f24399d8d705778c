// A replica connection for lag: re-opened on the next sample when it fails, its host resolved once.
import type { Source } from '../../config/resolve.js';
import type { ReplicaSnapshot } from '../../core/lag/replicationSnapshot.js';
import { InterruptedError, SourceError } from '../../errors.js';
import { connectPg, type PgConnection, pgTarget } from '../../sources/postgres/connect.js';
import { readReplica, unaskedReplica } from '../../sources/postgres/replication.js';
import { resolveHost } from '../../sources/resolveHost.js';

/** A replica connection that is re-opened on the next sample when it fails. */
export class ReplicaLink {
  private conn: PgConnection | null = null;
  private disposed = false;
  readonly target: string;
  readonly host: string;
  readonly port: number;
  /** The host's IP addresses, resolved once: matching and de-duplication need them even when the replica is down. */
  addresses: string[] = [];

  constructor(
    readonly source: Source,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    ({ target: this.target, host: this.host, port: this.port } = pgTarget(source.url, source.origin));
  }

  async resolve(): Promise<void> {
    this.addresses = await resolveHost(this.host, this.timeoutMs);
  }

  async read(): Promise<ReplicaSnapshot> {
    try {
      if (!this.conn) {
        const conn = await connectPg({ url: this.source.url, flag: this.source.origin, timeoutMs: this.timeoutMs });
        if (this.disposed) {
          await conn.close();
          throw new InterruptedError('interrupted');
        }
        this.conn = conn;
      }
      return await readReplica(this.conn, this.addresses, this.timeoutMs);
    } catch (err) {
      await this.close();
      // A connection we closed ourselves on Ctrl-C says nothing about the replica.
      if (!(err instanceof SourceError) || this.signal.aborted) throw err;
      return unaskedReplica(this.target, this.host, this.addresses, err);
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    await c?.close();
  }

  /** Closes for good: a connect that lands later is closed at once. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.close();
  }
}
