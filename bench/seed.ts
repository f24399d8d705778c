// Loading the sandbox for benchmarks: N product rows on the primary and their cache entries in Redis.
import { spawn } from 'node:child_process';
import { findBinary } from '../src/sandbox/binaries.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

/** N rows (version 2) and N cache entries, one in a thousand stale (version 1), keys product:1..N. */
export async function loadProducts(sb: Sandbox, n: number): Promise<void> {
  await sb.primary!.sql(`CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version int NOT NULL);
    INSERT INTO products SELECT g, g % 997, 2 FROM generate_series(1, ${n}) g; ANALYZE products;`);
  await loadRedis(sb.redis!.port, n);
}

/** RESP for SET product:i {...} EX 3600, streamed to redis-cli --pipe (the fast way to load, see FACTS.md). */
function loadRedis(port: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const cli = spawn(findBinary('redis-cli'), ['-p', String(port), '--pipe'], { stdio: ['pipe', 'ignore', 'inherit'] });
    cli.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --pipe exited ${code}`))));
    const arg = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
    let chunk = '';
    for (let i = 1; i <= n; i += 1) {
      // One in a thousand entries is stale, so the compare has real work to report.
      const value = JSON.stringify({ id: i, price: i % 997, version: i % 1000 === 0 ? 1 : 2 });
      chunk += `*5\r\n${arg('SET')}${arg(`product:${i}`)}${arg(value)}${arg('EX')}${arg('3600')}`;
      if (chunk.length > 1 << 20) {
        cli.stdin.write(chunk);
        chunk = '';
      }
    }
    cli.stdin.end(chunk);
  });
}
