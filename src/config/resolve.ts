// Settings from defaults < config file < environment < flags, validated, with every secret collected for scrubbing.
import { ConfigError, UsageError } from '../errors.js';
import { secretsInUrl } from '../core/redact.js';
import { SEVERITIES, type Severity } from '../core/findings.js';
import { parseBytes, parseDuration } from '../core/units.js';
import type { ConfigFile, MappingConfig } from './schema.js';

export const DEFAULTS = {
  timeoutMs: 5000,
  maxLagSeconds: 5,
  maxLagBytes: 16 * 1024 * 1024,
  maxStale: 0,
} as const;

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

export interface Settings {
  configPath: string | null;
  redis: { url: string | null; origin: string; cluster: boolean };
  primary: PgTarget | null;
  replicas: Source[];
  mappings: MappingConfig[];
  thresholds: {
    maxLagSeconds: number;
    maxLagBytes: number;
    expectReplicas: number | null;
    maxStale: number;
    maxStaleRatio: number | null;
  };
  timeoutMs: number;
  json: boolean;
  color: boolean;
  verbose: boolean;
  secrets: string[];
}

/** Raw values as commander parsed them (all optional strings/booleans). */
export interface Flags {
  redis?: string;
  pg?: string;
  replica?: string[];
  json?: boolean;
  color?: boolean;
  timeout?: string;
  verbose?: boolean;
  maxLagSeconds?: string;
  maxLagBytes?: string;
  expectReplicas?: string;
  maxStale?: string;
  maxStaleRatio?: string;
  redisCluster?: boolean;
}

const LIBPQ_TARGET_VARS = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER'];

export function resolveSettings(flags: Flags, env: NodeJS.ProcessEnv, file: { path: string | null; config: ConfigFile }): Settings {
  const c = file.config;
  const envReplicas = env.CACHEDOCTOR_REPLICA_URLS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const configName = file.path ? `config file ${file.path}` : 'config file';
  const primary = pick<string>([flags.pg, '--pg'], [nonEmpty(env.DATABASE_URL), 'DATABASE_URL'], [c.postgres?.primary, `${configName}: postgres.primary`]);
  const redis = pick<string>([flags.redis, '--redis'], [nonEmpty(env.REDIS_URL), 'REDIS_URL'], [c.redis?.url, `${configName}: redis.url`]);
  const replicaList = pick<string[]>(
    [flags.replica && flags.replica.length > 0 ? flags.replica : undefined, '--replica'],
    [envReplicas, 'CACHEDOCTOR_REPLICA_URLS'],
    [c.postgres?.replicas, `${configName}: postgres.replicas`],
  );
  const usesLibpqEnv = LIBPQ_TARGET_VARS.some((v) => nonEmpty(env[v]) !== undefined);
  checkLibpqPort(env);
  const fileMaxLagBytes = c.thresholds?.maxLagBytes;

  const settings: Settings = {
    configPath: file.path,
    redis: { url: redis?.value ?? null, origin: redis?.origin ?? '--redis', cluster: flags.redisCluster === true || (c.redis?.cluster ?? false) },
    primary: primary ? { url: primary.value, origin: primary.origin } : usesLibpqEnv ? { url: null, origin: 'the PG* environment variables' } : null,
    // The same URL twice is one replica.
    replicas: [...new Set(replicaList?.value ?? [])].map((url) => ({ url, origin: replicaList?.origin ?? '--replica' })),
    mappings: c.mappings ?? [],
    thresholds: {
      maxLagSeconds:
        flags.maxLagSeconds !== undefined
          ? seconds('--max-lag-seconds', flags.maxLagSeconds)
          : c.thresholds?.maxLagSeconds !== undefined
            ? fileDuration(file.path, 'thresholds.maxLagSeconds', c.thresholds.maxLagSeconds, 's') / 1000
            : DEFAULTS.maxLagSeconds,
      maxLagBytes:
        flags.maxLagBytes !== undefined
          ? bytes('--max-lag-bytes', flags.maxLagBytes)
          : fileMaxLagBytes !== undefined
            ? fileBytes(file.path, 'thresholds.maxLagBytes', fileMaxLagBytes)
            : DEFAULTS.maxLagBytes,
      expectReplicas: flags.expectReplicas !== undefined ? count('--expect-replicas', flags.expectReplicas) : (c.thresholds?.expectReplicas ?? null),
      maxStale: flags.maxStale !== undefined ? count('--max-stale', flags.maxStale) : (c.thresholds?.maxStale ?? DEFAULTS.maxStale),
      maxStaleRatio: flags.maxStaleRatio !== undefined ? ratio('--max-stale-ratio', flags.maxStaleRatio) : (c.thresholds?.maxStaleRatio ?? null),
    },
    timeoutMs:
      flags.timeout !== undefined
        ? durationMs('--timeout', flags.timeout, 'ms')
        : c.timeout !== undefined
          ? fileDuration(file.path, 'timeout', c.timeout, 'ms')
          : DEFAULTS.timeoutMs,
    json: flags.json === true,
    color: flags.color !== false && nonEmpty(env.NO_COLOR) === undefined,
    verbose: flags.verbose === true,
    secrets: [],
  };
  settings.secrets = collectSecrets(
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
  );
  return settings;
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

export function durationMs(option: string, text: string, bareUnit: 'ms' | 's'): number {
  const ms = parseDuration(text, bareUnit);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`${option}: expected a duration such as ${bareUnit === 'ms' ? '5000 or 5s' : '1s or 500ms'}, got "${text}"`);
  return ms;
}

/** Seconds, bare ("1.5") or with a unit ("1500ms", "2s"). */
function seconds(option: string, text: string): number {
  const ms = parseDuration(text, 's');
  if (ms === undefined) throw new UsageError(`${option}: expected a number of seconds such as 5 or 1.5s, got "${text}"`);
  return ms / 1000;
}

export function bytes(option: string, text: string): number {
  const n = parseBytes(text);
  if (n === undefined) throw new UsageError(`${option}: expected a size such as 16MiB or 1048576, got "${text}"`);
  return n;
}

/** A number in the field's own unit, or a duration string such as "5s"; in milliseconds. */
function fileDuration(path: string | null, field: string, value: number | string, bareUnit: 'ms' | 's'): number {
  const ms = parseDuration(String(value), bareUnit);
  if (ms === undefined || (field === 'timeout' && ms <= 0))
    throw new ConfigError(`${path ? `config file ${path}` : 'config'}: ${field}: expected a duration such as "5s", got "${value}"`);
  return ms;
}

function fileBytes(path: string | null, field: string, value: number | string): number {
  const n = typeof value === 'number' ? value : parseBytes(value);
  if (n === undefined)
    throw new ConfigError(`${path ? `config file ${path}` : 'config'}: ${field}: expected a size such as "16MiB" or 1048576, got "${value}"`);
  return n;
}

function ratio(option: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${option}: expected a ratio from 0 to 1 such as 0.001, got "${text}"`);
  return n;
}

/** --fail-on: the lowest severity that exits 1. */
export function failOn(text: unknown, fallback: Severity): Severity {
  const value = text === undefined ? fallback : String(text);
  if (!SEVERITIES.includes(value as Severity)) throw new UsageError(`--fail-on: expected critical, warning or info, got "${value}"`);
  return value as Severity;
}

export function count(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${option}: expected a whole number, got "${text}"`);
  return n;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v : undefined;
}
