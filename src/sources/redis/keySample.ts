// A sample of the keyspace's key names (no values): SCAN on every master, within --sample and --rate. Keys that are
// not UTF-8 text are counted, not templated (a template is text).
import type { Redis } from 'ioredis';
import { sleep } from '../../async.js';
import { clientTarget, redisSourceError, type RedisNodes } from './connect.js';

export interface KeySample {
  keys: string[];
  /** Keys that are not valid UTF-8. */
  binary: number;
  /** DBSIZE summed over the masters: how much of the keyspace the sample is. */
  keyspace: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SCAN_COUNT = 1000;

export async function sampleKeys(
  nodes: RedisNodes,
  opts: { sample: number; rate: number | null; flag: string; timeoutMs: number; signal: AbortSignal; progress: (read: number) => void },
): Promise<KeySample> {
  const out: KeySample = { keys: [], binary: 0, keyspace: 0 };
  const started = Date.now();
  let read = 0;
  const masters = nodes.nodes;
  // Each master gives its share, so a cluster's sample covers every master.
  const share = Math.ceil(opts.sample / masters.length);
  const count = opts.rate === null ? SCAN_COUNT : Math.max(1, Math.min(SCAN_COUNT, Math.floor(opts.rate / 10)));
  for (const redis of masters) {
    out.keyspace += Number(await call(redis, opts, () => redis.call('DBSIZE')));
    let cursor = '0';
    let taken = 0;
    do {
      if (opts.signal.aborted) return out;
      const [next, keys] = (await call(redis, opts, () => redis.callBuffer('SCAN', cursor, 'COUNT', String(count)))) as [Buffer, Buffer[]];
      cursor = next.toString();
      for (const k of keys) {
        if (taken >= share) break;
        taken += 1;
        try {
          out.keys.push(utf8.decode(k));
        } catch {
          out.binary += 1;
        }
      }
      read += keys.length;
      opts.progress(read);
      if (opts.rate !== null) {
        const due = started + (read / opts.rate) * 1000;
        if (due > Date.now()) await sleep(due - Date.now(), opts.signal);
      }
    } while (cursor !== '0' && taken < share);
  }
  return out;
}

async function call<T>(redis: Redis, opts: { flag: string; timeoutMs: number }, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw redisSourceError(err, clientTarget(redis), opts.flag, opts.timeoutMs, 'query');
  }
}
