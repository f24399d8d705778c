// Loading the sandbox for benchmarks: N product rows on the primary and their cache entries in Redis.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { findBinary } from '../src/sandbox/binaries.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

/** N rows (version 2) and N cache entries, one in a thousand stale (version 1), keys product:1..N. */
export async function loadProducts(sb: Sandbox, n: number): Promise<void> {
  await loadRows(sb, n);
  await loadRedis(sb.redis!.port, n);
}

/** Rows 1..N of products on the primary, version 2. */
export async function loadRows(sb: Sandbox, n: number): Promise<void> {
  await sb.primary!.sql(`CREATE TABLE products (id bigint PRIMARY KEY, price numeric NOT NULL, version int NOT NULL);
    INSERT INTO products SELECT g, g % 997, 2 FROM generate_series(1, ${n}) g; ANALYZE products;`);
}

/** RESP for SET product:i {...} EX 3600, streamed to redis-cli --pipe (the fast way to load, see FACTS.md). */
export async function loadRedis(port: number, n: number): Promise<void> {
  await pipeCommands(
    port,
    (function* () {
      for (let i = 1; i <= n; i += 1) {
        // One in a thousand entries is stale, so the compare has real work to report.
        const value = JSON.stringify({ id: i, price: i % 997, version: i % 1000 === 0 ? 1 : 2 });
        yield ['SET', `product:${i}`, value, 'EX', '3600'];
      }
    })(),
  );
}

/** Commands streamed to redis-cli --pipe as RESP, a megabyte at a time. */
export async function pipeCommands(port: number, commands: Iterable<string[]>): Promise<void> {
  const cli = spawn(findBinary('redis-cli'), ['-p', String(port), '--pipe'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = once(cli, 'exit');
  const arg = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  let chunk = '';
  for (const c of commands) {
    chunk += `*${c.length}\r\n${c.map(arg).join('')}`;
    if (chunk.length > 1 << 20) {
      if (!cli.stdin.write(chunk)) await once(cli.stdin, 'drain');
      chunk = '';
    }
  }
  cli.stdin.end(chunk);
  const [code] = await exited;
  if (code !== 0) throw new Error(`redis-cli --pipe exited ${code}`);
}
