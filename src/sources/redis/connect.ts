// Opens an ioredis connection that fails fast (no retry loop) within the timeout, with errors mapped to one line.
import { Cluster, Redis } from 'ioredis';
import { SourceError, type SourceFailure, UsageError } from '../../errors.js';
import { withDeadline } from '../../async.js';
import { assertParsableUrl } from '../url.js';
import { redisTlsOptions } from './tls.js';

export interface RedisConnectOptions {
  url: string;
  flag: string;
  timeoutMs: number;
  /** Over TLS, a host name the certificate may name instead of the node's address (a cluster seed's). */
  tlsName?: string;
}

export function assertRedisUrl(url: string, flag: string): void {
  if (!/^rediss?:\/\//i.test(url)) throw new UsageError(`${flag}: expected a redis:// or rediss:// URL`, 'e.g. redis://:password@host:6379/0');
  assertParsableUrl(url, flag);
  const db = new URL(url).pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,5}$/.test(db)) throw new UsageError(`${flag}: the database in the URL path must be a number (redis://host:6379/0)`);
}

/** host:port a connected client talks to, safe to print. */
export function clientTarget(redis: Redis): string {
  return `${redis.options.host ?? 'localhost'}:${redis.options.port ?? 6379}`;
}

/** host:port of a Redis URL, safe to print. */
export function redisTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || '6379'}`;
}

/** The URL of one node of a cluster: the seed URL's scheme and credentials, the node's address. */
export function nodeUrl(seedUrl: string, host: string, port: number): string {
  const u = new URL(seedUrl.split(',')[0]!.trim());
  u.hostname = host.includes(':') ? `[${host}]` : host;
  u.port = String(port);
  u.pathname = '';
  return u.toString();
}

export async function connectRedis(opts: RedisConnectOptions): Promise<Redis> {
  assertRedisUrl(opts.url, opts.flag);
  const target = redisTarget(opts.url);
  const u = new URL(opts.url);
  const redis = new Redis(opts.url, {
    ...(u.protocol === 'rediss:' ? { tls: redisTlsOptions(u.hostname.replace(/^\[|\]$/g, ''), opts.tlsName ?? null) } : {}),
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
    // ioredis reports a failed SELECT only as an event and carries on in database 0: make it an error.
    const db = Number(new URL(opts.url).pathname.replace(/^\//, '') || 0);
    if (db > 0) await redis.select(db);
    return redis;
  } catch (err) {
    redis.disconnect();
    throw redisSourceError(lastError ?? err, target, opts.flag, opts.timeoutMs, 'connect', /^rediss:/i.test(opts.url));
  }
}

/** `tls`: the URL was rediss://, so a silent server may be a port without TLS. */
export function redisSourceError(
  err: unknown,
  target: string,
  flag: string,
  timeoutMs: number,
  phase: 'connect' | 'query' = 'connect',
  tls = false,
): SourceError {
  const e = (err ?? {}) as { code?: string; message?: string; lastNodeError?: unknown };
  // A cluster that could not load its slots says only that; the last node's own error says why.
  if (e.lastNodeError) return redisSourceError(e.lastNodeError, target, flag, timeoutMs, phase, tls);
  const msg = e.message ?? String(err);
  const at = phase === 'connect' ? `cannot connect to Redis at ${target}` : `reading from Redis at ${target} failed`;
  const line = (cause: string, hint: string, category: SourceFailure = 'rejected') =>
    new SourceError(`${at}: ${cause}`, hint, { cause: err, reason: cause, category, server: 'redis' });
  if (e.code === 'ECONNREFUSED') return line('connection refused', `is the server running? check ${flag}`, 'unreachable');
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return line('host not found', `check the host name in ${flag}`, 'unreachable');
  if (e.code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) {
    // A plain Redis port waits for the end of a line that a TLS handshake never sends.
    const hint =
      tls && phase === 'connect'
        ? 'does this port serve TLS? rediss:// to a plain Redis port hangs like this: use redis://'
        : 'is the host reachable? raise --timeout if the network is slow';
    return line(`no answer within ${timeoutMs} ms`, hint, 'unreachable');
  }
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) return line('authentication failed', `check the user and password in ${flag}`);
  if (/NOAUTH/i.test(msg)) return line('the server requires a password', `put it in ${flag}: redis://:password@host:port`);
  if (/NOPERM/i.test(msg))
    return line(msg.split('\n')[0] ?? msg, 'the ACL user lacks a command cachedoctor needs: see "Least privilege" (docs/least-privilege.md)');
  if (/user executing the script can't run this command/i.test(msg)) {
    return line(
      'the ACL user may not run a command the read script calls',
      'grant +scan +pttl +getrange +strlen +type +hmget +hgetall: see "Least privilege" (docs/least-privilege.md)',
    );
  }
  if (/certificate|SSL|TLS|EPROTO/i.test(msg)) {
    const untrusted = /self.signed|unable to (get|verify)|issuer/i.test(msg);
    return line(
      `TLS: ${msg.split('\n')[0]}`,
      untrusted ? "trust the server's CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem" : 'check rediss:// and the server certificate',
    );
  }
  // The reply's first byte is not one of Redis' (an HTTP server's "H", a TLS alert): another server on this port.
  if (/^Protocol error, got/.test(msg))
    return line('it does not answer in the Redis protocol', `is ${flag} the port of another server (HTTP, PostgreSQL) or one that expects TLS (rediss://)?`);
  if (/DB index is out of range/i.test(msg)) return line('the database number in the URL does not exist on this server', `check the /N at the end of ${flag}`);
  if (/refresh slots cache|cluster support disabled/i.test(msg))
    return line('it does not answer as a Redis Cluster', `drop --redis-cluster if ${flag} is a single server`);
  if (/Connection is closed|ECONNRESET|EPIPE|Stream isn't writeable|connection lost/i.test(msg) || e.code === 'ECONNRESET') {
    return line(
      'the connection was lost',
      phase === 'connect' && !tls
        ? "is the server restarting, is the port another server's (PostgreSQL closes on Redis' first command), or does it expect TLS (rediss://)?"
        : 'is the server restarting, or did something kill our client?',
      'unreachable',
    );
  }
  return line(msg.split('\n')[0] ?? msg, `check ${flag}`);
}

/** The Redis servers a scan reads: the one server, or every master of a cluster. */
export interface RedisNodes {
  /** The masters (the one server when not a cluster). */
  nodes: Redis[];
  /** Every node, replicas too (PUBSUB counts subscribers per node). */
  all: Redis[];
  /** A connection to another node of the cluster (host:port), e.g. a replica promoted since; closed with the rest. */
  open(target: string): Promise<Redis>;
  close(): void;
}

/**
 * A plain server, or with `cluster` a Redis Cluster reached through seed URLs (comma-separated): the masters it
 * reports after the slots are loaded. Fails fast like connectRedis.
 */
export async function connectRedisNodes(opts: RedisConnectOptions & { cluster: boolean }): Promise<RedisNodes> {
  if (!opts.cluster) {
    const redis = await connectRedis(opts);
    return {
      nodes: [redis],
      all: [redis],
      open: () => Promise.reject(new UsageError('not a cluster: there is no other node to open')),
      close: () => redis.disconnect(),
    };
  }
  const seeds = opts.url
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const s of seeds) assertRedisUrl(s, opts.flag);
  const first = new URL(seeds[0]!);
  const target = seeds.map(redisTarget).join(', ');
  const cluster = new Cluster(
    seeds.map((s) => ({ host: new URL(s).hostname, port: Number(new URL(s).port || 6379) })),
    {
      lazyConnect: true,
      clusterRetryStrategy: () => null,
      // A cluster with a master down reports cluster_state:fail; its other masters may still serve their slots
      // (cluster-require-full-coverage no), and the scan reports the down one: do not refuse to connect.
      enableReadyCheck: false,
      enableOfflineQueue: true,
      slotsRefreshTimeout: opts.timeoutMs,
      // Node names as the cluster announces them: a host name stays a name (for its certificate), not an address.
      dnsLookup: (address, callback) => callback(null, address),
      redisOptions: {
        username: decodeURIComponent(first.username) || undefined,
        password: decodeURIComponent(first.password) || undefined,
        tls: first.protocol === 'rediss:' ? redisTlsOptions(null, first.hostname) : undefined,
        connectTimeout: opts.timeoutMs,
        commandTimeout: opts.timeoutMs,
        maxRetriesPerRequest: 0,
        connectionName: 'cachedoctor',
      },
    },
  );
  let lastError: unknown;
  const started = Date.now();
  cluster.on('error', (err: unknown) => (lastError = err));
  cluster.on('node error', (err: unknown) => (lastError = err));
  try {
    await withDeadline(cluster.connect(), opts.timeoutMs + 250);
    const nodes = cluster.nodes('master');
    if (nodes.length === 0) throw new Error('the cluster reports no masters');
    // One connection per node, shared by every mapping that needs it.
    const opened = new Map<string, Promise<Redis>>();
    return {
      nodes,
      all: cluster.nodes('all'),
      open: (target) => {
        let redis = opened.get(target);
        if (!redis) {
          const i = target.lastIndexOf(':');
          redis = connectRedis({ ...opts, url: nodeUrl(seeds[0]!, target.slice(0, i), Number(target.slice(i + 1))), tlsName: first.hostname });
          // A failed connect is not kept: a later mapping may try again.
          redis.catch(() => opened.delete(target));
          opened.set(target, redis);
        }
        return redis;
      },
      close: () => {
        for (const r of opened.values())
          void r.then(
            (c) => c.disconnect(),
            () => {},
          );
        cluster.disconnect();
      },
    };
  } catch (err) {
    cluster.disconnect();
    // The cluster client says only that no node gave it the slots; a plain connection to the first seed says why
    // (refused, wrong password, ...) when that is the reason, in the time that is left.
    const left = opts.timeoutMs - (Date.now() - started);
    const plain =
      left < 100
        ? null
        : await connectRedis({ ...opts, url: seeds[0]!, timeoutMs: left }).then(
            (r) => {
              r.disconnect();
              return null;
            },
            (e: unknown) => e,
          );
    throw plain ?? redisSourceError(lastError ?? err, target, opts.flag, opts.timeoutMs, 'connect', /^rediss:/i.test(seeds[0]!));
  }
}
