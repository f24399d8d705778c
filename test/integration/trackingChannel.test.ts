// follow hears the invalidation channel by PSUBSCRIBE of a pattern that matches only it, on a real Redis: a channel
// full of glob characters is heard exactly (not its look-alikes), PUBSUB NUMSUB does not count cachedoctor; and where
// the ACL refuses PSUBSCRIBE, it is heard by SUBSCRIBE and follow says that NUMSUB then counts it.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { exactPattern, TrackingFeed } from '../../src/sources/redis/tracking.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox({ postgres: false });
const GLOBBY = 'inv*al?[id]\\ate';

async function feed(url: string, channel: string) {
  const heard: string[][] = [];
  const notes: string[] = [];
  const f = await TrackingFeed.open({
    url,
    flag: '--redis',
    timeoutMs: 3000,
    prefixes: ['item:'],
    channel,
    onTouched: () => {},
    onFlushed: () => {},
    onBroadcast: (keys) => heard.push(keys),
    onLost: () => {},
    onNote: (line) => notes.push(line),
  });
  return { f, heard, notes };
}

/** Publishes until the feed heard `n` broadcasts (delivery is asynchronous), or a second has passed. */
async function heardAfter(pub: Redis, channel: string, message: string, heard: string[][], n: number): Promise<void> {
  await pub.publish(channel, message);
  for (let i = 0; i < 50 && heard.length < n; i += 1) await new Promise((r) => setTimeout(r, 20));
}

describe('the invalidation channel, as follow hears it', () => {
  const clients: Redis[] = [];
  after(() => {
    for (const c of clients) c.disconnect();
  });

  it('exactPattern escapes every glob character', () => {
    assert.equal(exactPattern('invalidate'), 'invalidate');
    assert.equal(exactPattern(GLOBBY), 'inv\\*al\\?\\[id\\]\\\\ate');
  });

  it('a channel of glob characters is heard, its look-alikes are not, and NUMSUB does not count cachedoctor', async () => {
    const sb = await sandbox.ready();
    const pub = new Redis(sb.redisUrl);
    clients.push(pub);
    const { f, heard, notes } = await feed(sb.redisUrl, GLOBBY);
    try {
      // Matched by the unescaped pattern, but another channel.
      await heardAfter(pub, 'invXXalYiate', 'item:1', heard, 1);
      await heardAfter(pub, 'invaladate', 'item:2', heard, 1);
      await heardAfter(pub, GLOBBY, 'item:3', heard, 1);
      assert.deepEqual(heard, [['item:3']]);
      assert.deepEqual(await pub.call('PUBSUB', 'NUMSUB', GLOBBY), [GLOBBY, 0]);
      assert.deepEqual(notes, []);
    } finally {
      f.close();
    }
  });

  it('an ACL that refuses PSUBSCRIBE: heard by SUBSCRIBE, and said once that NUMSUB counts cachedoctor', async () => {
    const sb = sandbox();
    const admin = new Redis(sb.redisUrl);
    clients.push(admin);
    await admin.call('ACL', 'SETUSER', 'cd_nopsub', 'on', '>cd-nopsub-pw', '~*', 'allchannels', '+@all', '-psubscribe');
    const url = `redis://cd_nopsub:cd-nopsub-pw@127.0.0.1:${sb.redis!.port}`;
    const { f, heard, notes } = await feed(url, 'invalidate');
    try {
      await heardAfter(admin, 'invalidate', 'item:7', heard, 1);
      assert.deepEqual(heard, [['item:7']]);
      assert.deepEqual(await admin.call('PUBSUB', 'NUMSUB', 'invalidate'), ['invalidate', 1]);
      assert.equal(notes.length, 1);
      assert.match(
        notes[0]!,
        /the ACL does not allow PSUBSCRIBE of invalidate, so invalidate is heard by SUBSCRIBE: PUBSUB NUMSUB invalidate counts cachedoctor too/,
      );
    } finally {
      f.close();
    }
  });
});
