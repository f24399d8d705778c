// What a Redis command does to cache keys, for correlation: reads, fills, invalidations, expiries, publishes.
import type { MonitorEvent } from './parseLine.js';

export type Action =
  | { kind: 'read'; key: string }
  /** `value` for strings; `fields` for hashes (field -> value); `ttl` when the same command sets an expiry. */
  | { kind: 'fill'; key: string; value: string | null; fields: Map<string, string> | null; ttl: boolean }
  | { kind: 'invalidate'; key: string }
  | { kind: 'expire'; key: string }
  | { kind: 'publish'; channel: string; message: string };

const TTL_OPTIONS = new Set(['ex', 'px', 'exat', 'pxat', 'keepttl']);

/**
 * The actions of one command (arguments are binary strings; keys stay as sent). Unknown commands: none.
 * `cmd` is the command in lower case, when the caller has it already.
 */
export function actionsOf(e: MonitorEvent, cmd = e.args[0]!.toLowerCase()): Action[] {
  const a = e.args.slice(1);
  switch (cmd) {
    case 'get':
    case 'hget':
    case 'hgetall':
    case 'hmget':
    case 'getex':
      return a[0] === undefined ? [] : [{ kind: 'read', key: a[0] }];
    case 'mget':
      return a.map((key) => ({ kind: 'read', key }));
    case 'set': {
      if (a.length < 2) return [];
      const opts = a.slice(2).map((o) => o.toLowerCase());
      return [{ kind: 'fill', key: a[0]!, value: a[1]!, fields: null, ttl: opts.some((o) => TTL_OPTIONS.has(o)) }];
    }
    case 'setex':
    case 'psetex':
      return a.length < 3 ? [] : [{ kind: 'fill', key: a[0]!, value: a[2]!, fields: null, ttl: true }];
    case 'setnx':
      return a.length < 2 ? [] : [{ kind: 'fill', key: a[0]!, value: a[1]!, fields: null, ttl: false }];
    case 'mset':
    case 'msetnx': {
      const out: Action[] = [];
      for (let i = 0; i + 1 < a.length; i += 2) out.push({ kind: 'fill', key: a[i]!, value: a[i + 1]!, fields: null, ttl: false });
      return out;
    }
    case 'hset':
    case 'hmset': {
      if (a.length < 3) return [];
      const fields = new Map<string, string>();
      for (let i = 1; i + 1 < a.length; i += 2) fields.set(a[i]!, a[i + 1]!);
      return [{ kind: 'fill', key: a[0]!, value: null, fields, ttl: false }];
    }
    case 'del':
    case 'unlink':
      return a.map((key) => ({ kind: 'invalidate', key }));
    case 'getdel':
      return a[0] === undefined
        ? []
        : [
            { kind: 'read', key: a[0] },
            { kind: 'invalidate', key: a[0] },
          ];
    case 'expire':
    case 'pexpire':
    case 'expireat':
    case 'pexpireat': {
      if (a.length < 2) return [];
      // A time in the past deletes the key: an invalidation, not an expiry.
      const n = Number(a[1]);
      const deletes = cmd.endsWith('at') ? n * (cmd === 'expireat' ? 1000 : 1) <= e.timeUs / 1000 : n <= 0;
      return [{ kind: deletes ? 'invalidate' : 'expire', key: a[0]! }];
    }
    case 'publish':
    case 'spublish':
      return a.length < 2 ? [] : [{ kind: 'publish', channel: a[0]!, message: a[1]! }];
    default:
      return [];
  }
}
