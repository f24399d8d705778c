// The subscribers of the invalidation channel, over every node: PUBSUB NUMSUB for SUBSCRIBE and PUBSUB SHARDNUMSUB
// for SSUBSCRIBE (sharded pub/sub, Redis 7). A cluster relays PUBLISH to every node, replicas too, and each node
// counts only the subscribers connected to it; SPUBLISH reaches the shard that owns the channel, whose nodes count theirs.
import { type RedisNodes, redisSourceError } from './connect.js';

export async function channelSubscribers(redis: RedisNodes, channel: string, ctx: { target: string; flag: string; timeoutMs: number }): Promise<number> {
  let subscribers = 0;
  try {
    for (const node of redis.all) {
      subscribers += ((await node.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1];
      subscribers += await shardSubscribers(node, channel);
    }
  } catch (err) {
    throw redisSourceError(err, ctx.target, ctx.flag, ctx.timeoutMs, 'query');
  }
  return subscribers;
}

/** SSUBSCRIBE subscribers on one node; 0 before Redis 7, which has no sharded pub/sub. */
async function shardSubscribers(node: RedisNodes['all'][number], channel: string): Promise<number> {
  try {
    return ((await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1];
  } catch (err) {
    if (/unknown subcommand|unknown command/i.test((err as Error).message)) return 0;
    throw err;
  }
}
