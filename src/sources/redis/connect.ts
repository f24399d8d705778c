// Opens an ioredis connection that fails fast (no retry loop) within the timeout, with errors mapped to one line.
import { Redis } from 'ioredis';
import { SourceError, type SourceFailure, UsageError } from '../../errors.js';
import { withDeadline } from '../deadline.js';
import { assertParsableUrl } from '../url.js';

export interface RedisConnectOptions {
  url: string;
  flag: string;
  timeoutMs: number;
}

export function assertRedisUrl(url: string, flag: string): void {
  if (!/^rediss?:\/\//i.test(url)) throw new UsageError(`${flag}: expected a redis:// or rediss:// URL`, 'e.g. redis://:password@host:6379/0');
  assertParsableUrl(url, flag);
}

/** host:port of a Redis URL, safe to print. */
export function redisTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || '6379'}`;
}

export async function connectRedis(opts: RedisConnectOptions): Promise<Redis> {
  assertRedisUrl(opts.url, opts.flag);
  const target = redisTarget(opts.url);
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    connectTimeout: opts.timeoutMs,
    commandTimeout: opts.timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: true,
    connectionName: 'cachedoctor',
  });
  let lastError: unknown;
  redis.on('error', (err: unknown) => {
    lastError = err;
  });
  try {
    await withDeadline(redis.connect(), opts.timeoutMs + 250);
    return redis;
  } catch (err) {
    redis.disconnect();
    throw redisSourceError(lastError ?? err, target, opts.flag, opts.timeoutMs);
  }
}

export function redisSourceError(err: unknown, target: string, flag: string, timeoutMs: number): SourceError {
  const e = (err ?? {}) as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  const at = `cannot connect to Redis at ${target}`;
  const line = (cause: string, hint: string, category: SourceFailure = 'rejected') =>
    new SourceError(`${at}: ${cause}`, hint, { cause: err, reason: cause, category });
  if (e.code === 'ECONNREFUSED') return line('connection refused', `is the server running? check ${flag}`, 'unreachable');
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return line('host not found', `check the host name in ${flag}`, 'unreachable');
  if (e.code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) return line(`no answer within ${timeoutMs} ms`, 'is the host reachable? raise --timeout if the network is slow', 'unreachable');
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) return line('authentication failed', `check the user and password in ${flag}`);
  if (/NOAUTH/i.test(msg)) return line('the server requires a password', `put it in ${flag}: redis://:password@host:port`);
  if (/NOPERM/i.test(msg)) return line(msg.split('\n')[0] ?? msg, 'the ACL user lacks a command cachedoctor needs: see "Least privilege" in the README');
  if (/certificate|SSL|TLS|EPROTO/i.test(msg)) return line(`TLS: ${msg.split('\n')[0]}`, 'check rediss:// and the server certificate');
  return line(msg.split('\n')[0] ?? msg, `check ${flag}`);
}
