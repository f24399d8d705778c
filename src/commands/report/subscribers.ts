// The report's subscribers part: how many instances listen on the invalidation channel (every node of a cluster).
import type { CommandResult } from '../../core/envelope.js';
import type { SubscribersData } from '../../core/report/reportResult.js';
import { subscriberFindings } from '../../core/subscribers.js';
import { connectRedisNodes, redisTarget } from '../../sources/redis/connect.js';
import { channelSubscribers } from '../../sources/redis/subscribers.js';
import type { CommandContext } from '../context.js';

/** Subscribers of the invalidation channel (PUBSUB NUMSUB and SHARDNUMSUB over every node). */
export async function countSubscribers(ctx: CommandContext, channel: string, expected: number | null): Promise<CommandResult<SubscribersData>> {
  const { settings: s } = ctx;
  const redis = await connectRedisNodes({ url: s.redis.url!, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster });
  let subscribers: number;
  try {
    subscribers = await channelSubscribers(redis, channel, {
      target: s.redis.url!.split(',').map(redisTarget).join(', '),
      flag: s.redis.origin,
      timeoutMs: s.timeoutMs,
    });
  } finally {
    redis.close();
  }
  const findings = subscriberFindings(channel, subscribers, expected, true);
  return { command: 'subscribers', fails: false, complete: true, findings, summary: { subscribers }, data: { channel, subscribers, expected } };
}
