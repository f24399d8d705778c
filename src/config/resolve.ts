// Settings from defaults < config file < environment < flags, validated, with every secret collected for scrubbing.
import { secretsInUrl } from '../core/redact.js';
import { UsageError } from '../errors.js';
import { GLOBAL } from '../options/catalog.js';
import { optionValue } from '../options/spec.js';
import type { ConfigFile } from './schema.js';

/** A server address and where it came from ("--pg", "DATABASE_URL", "config postgres.primary"), named in errors. */
export interface Source {
  url: string;
  origin: string;
}

/** The PostgreSQL primary: a URL, or null to use libpq's PG* environment variables. */
export interface PgTarget {
  url: string | null;
  origin: string;
}

/** What every command shares: where the servers are, how long to wait for them, how to print. */
export interface Settings {
  redis: { url: string | null; origin: string; cluster: boolean };
  primary: PgTarget | null;
  replicas: Source[];
  timeoutMs: number;
  color: boolean;
  verbose: boolean;
  secrets: string[];
}

/** The global flags as commander parsed them. */
export interface Flags {
  redis?: string;
  pg?: string;
  replica?: string[];
  color?: boolean;
  timeout?: string;
  verbose?: boolean;
  redisCluster?: boolean;
}

const LIBPQ_TARGET_VARS = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER'];

/** The config file's name as errors give it. */
export function configName(path: string | null): string {
  return path ? `config file ${path}` : 'config file';
}

export function resolveSettings(flags: Flags, env: NodeJS.ProcessEnv, file: { path: string | null; config: ConfigFile }): Settings {
  const c = file.config;
  const envReplicas = env.CACHEDOCTOR_REPLICA_URLS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const name = configName(file.path);
  const primary = pick<string>([flags.pg, '--pg'], [nonEmpty(env.DATABASE_URL), 'DATABASE_URL'], [c.postgres?.primary, `${name}: postgres.primary`]);
  const redis = pick<string>([flags.redis, '--redis'], [nonEmpty(env.REDIS_URL), 'REDIS_URL'], [c.redis?.url, `${name}: redis.url`]);
  const replicaList = pick<string[]>(
    [flags.replica && flags.replica.length > 0 ? flags.replica : undefined, '--replica'],
    [envReplicas, 'CACHEDOCTOR_REPLICA_URLS'],
    [c.postgres?.replicas, `${name}: postgres.replicas`],
  );
  const usesLibpqEnv = LIBPQ_TARGET_VARS.some((v) => nonEmpty(env[v]) !== undefined);
  checkLibpqPort(env);
  return {
    redis: { url: redis?.value ?? null, origin: redis?.origin ?? '--redis', cluster: flags.redisCluster === true || (c.redis?.cluster ?? false) },
    primary: primary ? { url: primary.value, origin: primary.origin } : usesLibpqEnv ? { url: null, origin: 'the PG* environment variables' } : null,
    // The same URL twice is one replica.
    replicas: [...new Set(replicaList?.value ?? [])].map((url) => ({ url, origin: replicaList?.origin ?? '--replica' })),
    timeoutMs: optionValue(GLOBAL.timeout, flags.timeout, { config: c, configName: name }),
    color: flags.color !== false && nonEmpty(env.NO_COLOR) === undefined,
    verbose: flags.verbose === true,
    secrets: collectSecrets(
      [
        flags.redis,
        flags.pg,
        ...(flags.replica ?? []),
        env.REDIS_URL,
        env.DATABASE_URL,
        ...(envReplicas ?? []),
        c.redis?.url,
        c.postgres?.primary,
        ...(c.postgres?.replicas ?? []),
      ],
      env,
    ),
  };
}

/** The first value that is set, with the name of where it came from. */
function pick<T>(...candidates: [T | undefined | null, string][]): { value: T; origin: string } | undefined {
  for (const [value, origin] of candidates) if (value !== undefined && value !== null) return { value, origin };
  return undefined;
}

/** node-postgres turns a bad PGPORT into a confusing connect error; say it plainly instead. */
function checkLibpqPort(env: NodeJS.ProcessEnv): void {
  const port = nonEmpty(env.PGPORT);
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) > 0 && Number(port) < 65536)) {
    throw new UsageError(`PGPORT: expected a port number, got "${port}"`);
  }
}

/** Passwords from every URL anyone gave us, plus PGPASSWORD: all are masked in every line we print. */
export function collectSecrets(urls: readonly (string | undefined)[], env: NodeJS.ProcessEnv): string[] {
  const found = urls.flatMap((u) => (u ? secretsInUrl(u) : []));
  for (const name of ['PGPASSWORD', 'REDISCLI_AUTH']) {
    const v = nonEmpty(env[name]);
    if (v) found.push(v);
  }
  return [...new Set(found)];
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v : undefined;
}
