// When cache keys are touched, without MONITOR: CLIENT TRACKING in broadcast mode for the mappings' key prefixes,
// redirected to a connection subscribed to __redis__:invalidate. Redis then names every key of those prefixes that is
// written, deleted or expires (never reads), at about the cost of one more message per write. No configuration
// change on the server. And, with --channel, the application's own invalidation broadcasts.
import type { Redis } from 'ioredis';
import { keysNamedIn } from '../../core/monitor/broadcastKeys.js';
import { connectRedis, redisSourceError } from './connect.js';

export interface TrackingOptions {
  url: string;
  /** Over TLS, the name the certificate gives (a cluster seed's), when the URL names a node by address. */
  tlsName?: string;
  flag: string;
  timeoutMs: number;
  prefixes: readonly string[];
  /** The application's invalidation channel, also listened to. */
  channel: string | null;
  onTouched(keys: string[]): void;
  /** FLUSHALL or FLUSHDB: every key touched, which no key list can say. */
  onFlushed(): void;
  onBroadcast(keys: string[]): void;
  /** The connection was lost: no more touches will come. */
  onLost(err: Error): void;
  /** Something to tell the user once (the channel heard by SUBSCRIBE, the ACL refusing PSUBSCRIBE of it). */
  onNote?(line: string): void;
}

export class TrackingFeed {
  private constructor(
    private readonly sub: Redis,
    private readonly cmd: Redis,
  ) {}

  static async open(opts: TrackingOptions): Promise<TrackingFeed> {
    const conn = { url: opts.url, flag: opts.flag, timeoutMs: opts.timeoutMs, tlsName: opts.tlsName };
    const sub = await connectRedis(conn);
    let cmd: Redis | null = null;
    try {
      cmd = await connectRedis(conn);
      const subId = String(await sub.call('CLIENT', 'ID'));
      // Invalidations may arrive before the SUBSCRIBE reply: listen first.
      sub.on('messageBuffer', (channel: Buffer, message: Buffer | Buffer[] | null) => {
        const name = channel.toString();
        if (name === '__redis__:invalidate') {
          // A null message is FLUSHALL / FLUSHDB.
          if (message === null) opts.onFlushed();
          else opts.onTouched((Array.isArray(message) ? message : [message]).map((k) => k.toString('utf8')));
        }
      });
      // The invalidation channel is heard through a pattern that matches only it: PSUBSCRIBE is counted by PUBSUB
      // NUMPAT, not NUMSUB, so follow (and serve) never count themselves as an instance that listens on it.
      // (ioredis gives the pattern as a string, the channel and message as buffers.)
      sub.on('pmessageBuffer', (_pattern: string | Buffer, channel: Buffer, message: Buffer) => {
        if (channel.toString() === opts.channel) opts.onBroadcast(keysNamedIn(message.toString('utf8')));
      });
      await sub.subscribe('__redis__:invalidate');
      if (opts.channel) await listenOn(sub, opts.channel, opts);
      await cmd.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', subId, 'BCAST', ...opts.prefixes.flatMap((p) => ['PREFIX', p]), 'NOLOOP');
      const lost = (why: string) => () => opts.onLost(new Error(why));
      sub.once('end', lost('the connection that receives key invalidations was closed'));
      cmd.once('end', lost('the tracking connection was closed'));
      return new TrackingFeed(sub, cmd);
    } catch (err) {
      sub.disconnect();
      cmd?.disconnect();
      throw redisSourceError(err, `${sub.options.host}:${sub.options.port}`, opts.flag, opts.timeoutMs, 'query');
    }
  }

  close(): void {
    this.sub.removeAllListeners('end');
    this.cmd.removeAllListeners('end');
    this.sub.disconnect();
    this.cmd.disconnect();
  }
}

/** Hears `channel` by PSUBSCRIBE; where the ACL refuses that (it compares a pattern with its &rules literally, so
 * `&invalidate:*` or a channel with glob characters refuses it), by SUBSCRIBE, and says that NUMSUB then counts us. */
async function listenOn(sub: Redis, channel: string, opts: TrackingOptions): Promise<void> {
  try {
    await sub.psubscribe(exactPattern(channel));
  } catch (err) {
    if (!/NOPERM/i.test((err as Error)?.message ?? '')) throw err;
    sub.on('messageBuffer', (ch: Buffer, message: Buffer | Buffer[] | null) => {
      if (ch.toString() === channel && message !== null && !Array.isArray(message)) opts.onBroadcast(keysNamedIn(message.toString('utf8')));
    });
    await sub.subscribe(channel);
    opts.onNote?.(
      `the ACL does not allow PSUBSCRIBE of ${channel}, so ${channel} is heard by SUBSCRIBE: PUBSUB NUMSUB ${channel} counts cachedoctor too while it follows (grant +psubscribe and the exact &pattern: docs/least-privilege.md)`,
    );
  }
}

/** A glob pattern that matches `channel` and nothing else (Redis' glob escapes with a backslash). */
export function exactPattern(channel: string): string {
  return channel.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}
