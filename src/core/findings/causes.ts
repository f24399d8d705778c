// The likely cause of each finding among the failure modes that make a cache-aside system serve stale data, and the
// fix that addresses it. The three of the case study (a write/invalidate race, invalidations that never reach
// in-process caches, fills from a lagging replica), plus a missing TTL, the safety net that bounds all three.
import type { Finding } from './findings.js';
import { FINDING_KINDS } from './kinds.js';

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

/** The likely cause of a finding, by its kind's rule in the registry (some decide from the finding's evidence). */
export function causeOf(f: Finding, ctx: CauseContext): CauseId | null {
  const rule = FINDING_KINDS[f.kind].cause;
  return rule === null || typeof rule === 'string' ? rule : rule.decide(f, ctx);
}
