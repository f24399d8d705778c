// The likely cause of each finding among the failure modes that make a cache-aside system serve stale data, and the
// fix that addresses it. The three of the case study (a write/invalidate race, invalidations that never reach
// in-process caches, fills from a lagging replica), plus a missing TTL, the safety net that bounds all three.
import type { Finding } from '../findings.js';

export type CauseId = 'write-invalidate-race' | 'local-cache' | 'replica-lag' | 'no-ttl';

export interface Cause {
  id: CauseId;
  title: string;
  fix: string;
}

/** What the rest of the report knows when a finding is explained. */
export interface CauseContext {
  /** Some replica is behind or not replaying (the lag part found it). */
  replicaBehind: boolean;
  /** Route-to-primary window from the lag part, in seconds, when one is safe. */
  windowSeconds: number | null;
  channel: string | null;
  /** Some replica streams from the primary but was not asked itself (no --replica): replica lag cannot be ruled out. */
  replicasUnchecked: boolean;
}

export function cause(id: CauseId, ctx: CauseContext): Cause {
  switch (id) {
    case 'write-invalidate-race':
      return {
        id,
        title: ctx.replicasUnchecked ? 'write/invalidate race (or replica lag: a replica was not asked; pass --replica)' : 'write/invalidate race',
        fix: 'make fills conditional: write the cache only when its version is older than the one being written (compare-and-set on the version, e.g. a Lua script), and delete the key after the commit, not before',
      };
    case 'local-cache':
      return {
        id,
        title: 'invalidation not broadcast to in-process caches',
        fix: `publish every invalidation on a pub/sub channel${ctx.channel ? ` (${ctx.channel})` : ''} that every instance subscribes to, and drop the in-process copy on each message; PUBSUB NUMSUB should equal the number of instances`,
      };
    case 'replica-lag':
      return {
        id,
        title: 'cache filled from a lagging replica',
        fix:
          ctx.windowSeconds !== null
            ? `after a write, route cache-miss reads of that row to the primary for at least ${ctx.windowSeconds} s (the measured lag window; cachedoctor probe measures it exactly), or fill the cache only from the primary`
            : 'fill the cache only from the primary while a replica is behind or not replaying (cachedoctor lag shows when it has caught up)',
      };
    case 'no-ttl':
      return { id, title: 'no TTL safety net', fix: 'set a TTL on every fill (SET ... EX), so an entry a missed invalidation left wrong heals by itself' };
  }
}

/** The likely cause of a finding from one part of the report, or null when it is not about stale data. */
export function causeOf(part: string, f: Finding, ctx: CauseContext): CauseId | null {
  switch (`${part}/${f.kind}`) {
    case 'lag/replica-lag':
    case 'lag/replay-paused':
    case 'lag/replica-disconnected':
      return 'replica-lag';
    case 'scan/stale':
    case 'scan/orphan':
      // The scan read every replica: one still serving the cached version is where the fill came from.
      return f.laggingReplica ? 'replica-lag' : 'write-invalidate-race';
    case 'monitor/stale-fill':
      // A fill carrying an older version came from an old read: a lagging replica if one is behind, else a race.
      return ctx.replicaBehind ? 'replica-lag' : 'write-invalidate-race';
    case 'monitor/concurrent-fill':
      return 'write-invalidate-race';
    case 'monitor/missing-broadcast':
    case 'monitor/missing-subscribers':
    case 'subscribers/missing-subscribers':
      return 'local-cache';
    case 'scan/no-ttl':
    case 'monitor/fill-without-ttl':
      return 'no-ttl';
    default:
      return null;
  }
}
