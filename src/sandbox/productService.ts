// A small cache-aside product service, for the demo and the tests: reads through an optional in-process cache and
// Redis, fills from the database it reads from (the primary, or a replica), and invalidates with DEL, and with a
// PUBLISH on `invalidate` when it broadcasts. Each instance has its own connections, so MONITOR tells them apart.
import { Redis } from 'ioredis';
import pg from 'pg';

export interface ProductRow {
  id: number;
  price: string;
  version: number;
}

export interface ProductServiceOptions {
  /** Keep rows in an in-process Map as well (the hidden local cache of the case study). */
  localCache?: boolean;
  /** Listen on the invalidation channel and drop local copies (the fix for hidden local caches). */
  subscribe?: boolean;
}

export const INVALIDATION_CHANNEL = 'invalidate';
/** The TTL every fill sets. */
export const FILL_TTL_SECONDS = 300;

export class ProductService {
  readonly redis: Redis;
  private db: pg.Client;
  private subscriber: Redis | null = null;
  private local: Map<number, ProductRow> | null;

  private constructor(redisUrl: string, dbUrl: string, opts: ProductServiceOptions) {
    this.redis = new Redis(redisUrl);
    this.db = new pg.Client({ connectionString: dbUrl });
    this.local = opts.localCache ? new Map() : null;
  }

  static async start(redisUrl: string, readFromUrl: string, opts: ProductServiceOptions = {}): Promise<ProductService> {
    const s = new ProductService(redisUrl, readFromUrl, opts);
    await s.db.connect();
    if (opts.subscribe) {
      s.subscriber = new Redis(redisUrl);
      await s.subscriber.subscribe(INVALIDATION_CHANNEL);
      s.subscriber.on('message', (_channel: string, key: string) => s.local?.delete(Number(key.split(':')[1])));
    }
    return s;
  }

  /** The row as the database this instance reads from has it (no cache). */
  async load(id: number): Promise<ProductRow> {
    const { rows } = await this.db.query<ProductRow>('SELECT id::int AS id, price::text AS price, version FROM products WHERE id = $1', [id]);
    return rows[0]!;
  }

  /** Writes a row into Redis as a fill (what a cache miss does after loading it). */
  async fill(row: ProductRow): Promise<void> {
    await this.redis.set(`product:${row.id}`, JSON.stringify(row), 'EX', FILL_TTL_SECONDS);
  }

  /** Cache-aside read: the in-process copy, else Redis, else the database (whichever it reads from), then fill. */
  async get(id: number): Promise<ProductRow> {
    const mine = this.local?.get(id);
    if (mine) return mine;
    const cached = await this.redis.get(`product:${id}`);
    const row = cached ? (JSON.parse(cached) as ProductRow) : await this.load(id);
    if (!cached) await this.fill(row);
    this.local?.set(id, row);
    return row;
  }

  /** Write on the primary, then invalidate Redis (and this instance's copy); `broadcast` tells the other instances. */
  async updatePrice(primary: pg.Client, id: number, price: number, broadcast: boolean): Promise<void> {
    await primary.query('UPDATE products SET price = $1, version = version + 1, updated_at = now() WHERE id = $2', [price, id]);
    this.local?.delete(id);
    await this.redis.del(`product:${id}`);
    if (broadcast) await this.redis.publish(INVALIDATION_CHANNEL, `product:${id}`);
  }

  async stop(): Promise<void> {
    this.redis.disconnect();
    this.subscriber?.disconnect();
    await this.db.end();
  }
}
