// `cachedoctor init`: proposes the mappings from what Redis and the catalog hold, so the first run needs two URLs;
// with --write, saves the confident ones as a config file every other command reads.
import { accessSync, constants, existsSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { atLeast, type InitData } from '../../core/discover/initData.js';
import type { CommandResult } from '../../core/envelope.js';
import { UsageError } from '../../errors.js';
import { connectPg } from '../../sources/postgres/connect.js';
import { connectRedisNodes } from '../../sources/redis/connect.js';
import type { CommandContext } from '../context.js';
import { discover } from './discover.js';
import type { InitOptions } from './options.js';

export { parse } from './options.js';

export async function run(ctx: CommandContext, opts: InitOptions): Promise<CommandResult<InitData>> {
  const { settings: s, signal, out } = ctx;
  if (s.redis.url === null) throw new UsageError('init needs Redis: pass --redis or set REDIS_URL');
  if (s.primary === null) throw new UsageError('init needs the PostgreSQL primary: pass --pg or set DATABASE_URL');
  // Before any work: a file that would be refused at the end is refused now.
  if (opts.write !== null) {
    if (existsSync(opts.write) && !opts.force)
      throw new UsageError(`--write: ${opts.write} already exists`, 'pass --force to replace it, or write to another file');
    try {
      accessSync(dirname(resolve(opts.write)), constants.W_OK);
    } catch {
      throw new UsageError(`--write: cannot write to the folder of ${opts.write} (missing, or not writable)`);
    }
  }

  const redis = await connectRedisNodes({ url: s.redis.url, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster });
  try {
    const db = await connectPg({ url: s.primary.url, flag: s.primary.origin, timeoutMs: s.timeoutMs });
    try {
      const found = await discover(redis, db, {
        ...opts,
        cluster: s.redis.cluster,
        redisFlag: s.redis.origin,
        timeoutMs: s.timeoutMs,
        signal,
        progress: (t) => out.progress(`init: ${t}`),
      });
      const chosen = atLeast(found.proposals, opts.minConfidence);
      let written: InitData['written'] = null;
      if (opts.write !== null && chosen.length > 0 && !signal.aborted) {
        writeConfig(opts.write, opts.force, configFile(s, chosen));
        written = { path: opts.write, mappings: chosen.map((p) => p.mapping!.name) };
      }
      const nothing = opts.write !== null && chosen.length === 0;
      return {
        command: 'init',
        summary: {
          keysSampled: found.sampled.keys,
          templates: found.proposals.length + found.unmapped.length,
          proposals: found.proposals.length,
          highConfidence: atLeast(found.proposals, 'high').length,
          unmapped: found.unmapped.length,
          written: written?.path ?? null,
        },
        findings: [],
        // --write asked for a config file and got none: a pipeline that goes on to scan should stop here.
        fails: nothing,
        complete: !signal.aborted,
        data: { ...found, write: opts.write === null ? null : { path: opts.write, minConfidence: opts.minConfidence }, written },
      };
    } finally {
      await db.close();
    }
  } finally {
    redis.close();
  }
}

/** The config file: the servers without their passwords (those stay in the environment), and the mappings. */
function configFile(s: CommandContext['settings'], chosen: ReturnType<typeof atLeast>): object {
  const bare = (url: string) =>
    url
      .split(',')
      .map((u) => {
        try {
          const parsed = new URL(u.trim());
          parsed.password = '';
          return parsed.toString();
        } catch {
          return u.trim();
        }
      })
      .join(',');
  return {
    redis: { url: bare(s.redis.url!), ...(s.redis.cluster ? { cluster: true } : {}) },
    ...(s.primary?.url
      ? { postgres: { primary: bare(s.primary.url), ...(s.replicas.length > 0 ? { replicas: s.replicas.map((r) => bare(r.url)) } : {}) } }
      : {}),
    mappings: chosen.map((p) => p.mapping),
  };
}

/** Written whole or not at all: to a temporary file beside it, then renamed; without --force never over a file. */
function writeConfig(path: string, force: boolean, doc: object): void {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  try {
    if (!force) writeFileSync(path, text, { flag: 'wx' });
    else {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`--write: ${path} already exists`, 'pass --force to replace it');
    throw new UsageError(`--write: cannot write ${path} (${code ?? (err as Error).message})`);
  }
}
