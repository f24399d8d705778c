// A small cache-aside product service for tests and the demo: reads through Redis, fills from a database
// connection (the primary, or a replica), and invalidates with DEL (and optionally a PUBLISH).
import { Redis } from 'ioredis';
import pg from 'pg';

export class ProductService {
  readonly redis: Redis;
  private db: pg.Client;

  private constructor(redisUrl: string, dbUrl: string) {
    this.redis = new Redis(redisUrl);
    this.db = new pg.Client({ connectionString: dbUrl });
  }

  static async start(redisUrl: string, readFromUrl: string): Promise<ProductService> {
    const s = new ProductService(redisUrl, readFromUrl);
    await s.db.connect();
    return s;
  }

  /** Cache-aside read: the cache, else the database (whichever this instance reads from), then fill. */
  async get(id: number): Promise<{ id: number; price: string; version: number }> {
    const cached = await this.redis.get(`product:${id}`);
    if (cached) return JSON.parse(cached);
    const { rows } = await this.db.query('SELECT id::int AS id, price::text AS price, version FROM products WHERE id = $1', [id]);
    await this.redis.set(`product:${id}`, JSON.stringify(rows[0]), 'EX', 300);
    return rows[0];
  }

  /** Write then invalidate; `broadcast` tells the other instances' in-process caches. */
  async updatePrice(primary: pg.Client, id: number, price: number, broadcast: boolean): Promise<void> {
    await primary.query('UPDATE products SET price = $1, version = version + 1 WHERE id = $2', [price, id]);
    await this.redis.del(`product:${id}`);
    if (broadcast) await this.redis.publish('invalidate', `product:${id}`);
  }

  async stop(): Promise<void> {
    this.redis.disconnect();
    await this.db.end();
  }
}
