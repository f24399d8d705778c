// The likely cause of each finding among the failure modes that make a cache-aside system serve stale data, and the
// fix that addresses it. The three of the case study (a write/invalidate race, invalidations that never reach
// in-process caches, fills from a lagging replica), a write that never invalidated at all, and a missing TTL, the
// safety net that bounds them all. Where the evidence does not decide, a finding has more than one possible cause.
import type { Finding } from './findings.js';
import { FINDING_KINDS } from './kinds.js';

export type CauseId = 'not-invalidated' | 'write-invalidate-race' | 'local-cache' | 'replica-lag' | 'no-ttl';

export const CAUSE_IDS: readonly CauseId[] = ['not-invalidated', 'write-invalidate-race', 'local-cache', 'replica-lag', 'no-ttl'];

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
  /** The lag part ran and measured every replica (none unreachable, none with its lag hidden): replicaBehind is
   * known, not guessed. */
  lagChecked: boolean;
  /** The lag part ran and the primary has no replicas: no fill can have read a lagging one. */
  noReplicas: boolean;
}

export function cause(id: CauseId, ctx: CauseContext): Cause {
  switch (id) {
    case 'not-invalidated':
      return {
        id,
        title: 'write not invalidated',
        fix: 'delete the cache key after every commit that changes the row, in every code path that writes it (bulk updates, admin tools, migrations and deletes too), or invalidate from the database change stream',
      };
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

/**
 * The possible causes of a finding, most likely first, by its kind's rule in the registry (some decide from the
 * finding's evidence): none when it is not about stale data, one when the evidence decides, more when it does not.
 */
export function causesOf(f: Finding, ctx: CauseContext): readonly CauseId[] {
  const rule = FINDING_KINDS[f.kind].cause;
  if (rule === null) return [];
  return typeof rule === 'string' ? [rule] : rule.decide(f, ctx);
}

/** Several possible causes as one: "A, or B", and each one's fix. */
export function causesTitle(ids: readonly CauseId[], ctx: CauseContext): { title: string; fix: string } | null {
  const causes = ids.map((id) => cause(id, ctx));
  if (causes.length === 0) return null;
  if (causes.length === 1) return { title: causes[0]!.title, fix: causes[0]!.fix };
  return {
    title: `${causes.map((c) => c.title).join(', or ')} (the evidence does not decide)`,
    fix: causes.map((c) => `if ${c.title}: ${c.fix}`).join('; '),
  };
}
