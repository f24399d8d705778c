// The mappings of a command run with none (no config mappings, no --key/--table): found as init finds them, and
// only the high-confidence ones used, said in one line. A wrong mapping is worse than none.
import { DISCOVER, type GivenMappings, resolveMappings } from '../config/mappings.js';
import { atLeast } from '../core/discover/initData.js';
import type { ProposedMapping } from '../core/discover/propose.js';
import type { CommandResult } from '../core/envelope.js';
import { plural } from '../core/plural.js';
import type { Mapping } from '../core/scan/mapping.js';
import { InterruptedError, UsageError } from '../errors.js';
import { DISCOVERING } from '../options/catalog.js';
import { connectPg } from '../sources/postgres/connect.js';
import { connectRedisNodes } from '../sources/redis/connect.js';
import type { CommandContext } from './context.js';
import { discover } from './init/discover.js';

export interface Discovered {
  mappings: Mapping[];
  /** The discovered mappings as a config file has them (null: they were given). */
  discovered: ProposedMapping[] | null;
}

/** Who discovers (named in its lines), how it reads Redis (the command's own pacing and value-size guard). */
export interface DiscoverFor {
  command: string;
  rate: number | null;
  maxValueBytes: number;
  /** What else the command takes instead of mappings, for the line that says what to pass. */
  orPass?: string;
}

/** A command run on its mappings, given or else discovered first; the discovered ones are in its JSON. */
export async function withMappings<D extends object>(
  ctx: CommandContext,
  given: GivenMappings,
  how: DiscoverFor,
  run: (mappings: Mapping[]) => Promise<CommandResult<D>>,
): Promise<CommandResult<D>> {
  const found = await mappingsFor(ctx, given, how);
  const result = await run(found.mappings);
  return found.discovered ? { ...result, discovered: found.discovered } : result;
}

/**
 * The mappings given, or else discovered. With none found confident enough: a usage error that says what to pass
 * (the command has nothing to check, exit 2).
 */
export async function mappingsFor(ctx: CommandContext, given: GivenMappings, how: DiscoverFor): Promise<Discovered> {
  if (given !== DISCOVER) return { mappings: given, discovered: null };
  const found = await discoverMappings(ctx, how);
  if (ctx.signal.aborted) throw new InterruptedError(`${how.command}: interrupted while discovering the mappings`);
  if (found.mappings.length === 0)
    throw new UsageError(`${how.command}: ${NONE_FOUND}`, `\`cachedoctor init\` shows what it proposes and why; ${whatToPass(how)} (init --write makes one)`);
  return found;
}

export const NONE_FOUND = 'no mappings given, and none found with high confidence';

const whatToPass = (how: DiscoverFor) => `pass --key 'product:{id}' --table products${how.orPass ? `, ${how.orPass}` : ''}, or a config file with mappings`;

/** Discovers the mappings (none found: an empty list) and says in one line what it found. */
export async function discoverMappings(ctx: CommandContext, how: DiscoverFor): Promise<Discovered> {
  const { settings: s, signal, out } = ctx;
  const { command } = how;
  if (s.redis.url === null || s.primary === null) {
    throw new UsageError(`${command}: no mappings given, and finding them needs both --redis and --pg`, whatToPass(how));
  }
  out.progress(`${command}: no mappings given; discovering them as init does ...`, true);
  const redis = await connectRedisNodes({ url: s.redis.url, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster });
  let configs: ProposedMapping[];
  try {
    const db = await connectPg({ url: s.primary.url, flag: s.primary.origin, timeoutMs: s.timeoutMs });
    try {
      const found = await discover(redis, db, {
        sample: DISCOVERING.sample.default,
        rate: how.rate,
        maxValueBytes: how.maxValueBytes,
        cluster: s.redis.cluster,
        redisFlag: s.redis.origin,
        timeoutMs: s.timeoutMs,
        signal,
        progress: (t) => out.progress(`${command}: discovering mappings: ${t}`),
      });
      configs = atLeast(found.proposals, 'high').map((p) => p.mapping!);
    } finally {
      await db.close();
    }
  } finally {
    redis.close();
  }
  out.endProgress();
  if (configs.length === 0) return { mappings: [], discovered: [] };
  out.note(
    `cachedoctor: ${command}: no mappings given; discovered ${plural(configs.length, 'mapping')} with high confidence: ${configs.map((c) => `${c.key} -> ${c.table}`).join(', ')} (init --write saves them)`,
  );
  return { mappings: resolveMappings(configs, {}, 'discovered'), discovered: configs };
}
