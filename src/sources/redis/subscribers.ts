// PUBSUB NUMSUB of a channel over every node: a cluster relays PUBLISH to every node, replicas too, and each node
// counts only the subscribers connected to it.
import { type RedisNodes, redisSourceError } from './connect.js';

export async function channelSubscribers(redis: RedisNodes, channel: string, ctx: { target: string; flag: string; timeoutMs: number }): Promise<number> {
  let subscribers = 0;
  try {
    for (const node of redis.all) subscribers += ((await node.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1];
  } catch (err) {
    throw redisSourceError(err, ctx.target, ctx.flag, ctx.timeoutMs, 'query');
  }
  return subscribers;
}
