import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile, parseConfigText } from '../../src/config/loadFile.js';
import { parse as parseLag } from '../../src/commands/lag/options.js';
import { parse as parseScan } from '../../src/commands/scan/options.js';
import { configName, resolveSettings } from '../../src/config/resolve.js';
import { conninfoValue, receiverApplicationName } from '../../src/core/lag/conninfo.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const FULL = {
  redis: { url: 'redis://:filepass@cache:6379/0', cluster: false },
  postgres: { primary: 'postgres://app:pgfile@db1/app', replicas: ['postgres://app:pgfile@db2/app'] },
  mappings: [
    {
      name: 'product',
      key: 'product:{id}',
      table: 'public.products',
      columns: { id: 'id' },
      encoding: 'json',
      version: { field: 'version', column: 'version', kind: 'counter' },
      updatedAt: { field: 'updated_at', column: 'updated_at' },
      compare: ['price'],
    },
  ],
  thresholds: { maxLagSeconds: 2, maxLagBytes: '1MiB', expectReplicas: 1, maxStale: 0, maxStaleRatio: 0.001 },
};

function problem(value: unknown): string {
  try {
    parseConfigText(JSON.stringify(value), 'cfg.json');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  return 'no error';
}

describe('config validation', () => {
  it('accepts the full documented example', () => {
    assert.deepEqual(parseConfigText(JSON.stringify(FULL), 'cfg.json'), FULL);
  });
  it('names the path of a wrong field', () => {
    const bad = { mappings: [FULL.mappings[0], { ...FULL.mappings[0], name: 'b' }, { ...FULL.mappings[0], name: 'c', table: 42 }] };
    assert.equal(problem(bad), 'cfg.json: mappings[2].table: expected a string, got 42');
  });
  it('names every problem in one line, not only the first', () => {
    const bad = { redis: { url: 42, clustr: true }, mappings: [{ key: 'k:{id}', table: 't', encoding: 'xml' }], thresholds: { maxStaleRatio: 2 } };
    assert.equal(
      problem(bad),
      'cfg.json: 5 problems: redis.clustr: unknown field (expected one of: url, cluster); redis.url: expected a string, got 42; mappings[0].name: required; ' +
        'mappings[0].encoding: expected one of "json", "hash", got "xml"; thresholds.maxStaleRatio: must be at most 1, got 2',
    );
    const many = { mappings: Array.from({ length: 12 }, () => ({ key: 'k:{id}', table: 't' })) };
    assert.match(problem(many), /^cfg\.json: 12 problems: mappings\[0\]\.name: required; .*mappings\[9\]\.name: required; and 2 more$/);
  });
  it('never shows a password in a wrong value, however long the URL', () => {
    const message = problem({ postgres: { replicas: 'postgres://app:correct-horse-battery-staple@db/app' } });
    assert.equal(message, 'cfg.json: postgres.replicas: expected an array, got "postgres://app:***@db/app"');
    assert.doesNotMatch(problem({ postgres: { replicas: `postgres://app:${'x'.repeat(60)}@db/app` } }), /xxxxxx/);
  });
  it('lists what only the value parsers and the mapping names can tell, with the rest (not one run per problem)', () => {
    const bad = {
      mappings: [
        { name: 'p', key: 'p:{id}', table: 't', ttl: '5' },
        { name: 'p', key: 'q:{id}', table: 't' },
      ],
      thresholds: { maxLagSeconds: 'five', maxLagBytes: 'lots' },
      timeout: '0s',
    };
    assert.equal(
      problem(bad),
      'cfg.json: 5 problems: mappings[0].ttl: "5" has no unit (write 5s or 5ms); mappings[1].name: "p" is used twice; ' +
        'thresholds.maxLagSeconds: expected a number of seconds or a duration such as "1500ms", got "five"; ' +
        'thresholds.maxLagBytes: expected a byte count or a size such as "16MiB", got "lots"; timeout: must be more than 0, got "0s" (e.g. 5s or 500ms)',
    );
  });
  it('rejects unknown fields, wrong enums, missing required fields and bad numbers', () => {
    assert.match(problem({ redis: { url: 'redis://x', clustr: true } }), /^cfg\.json: redis\.clustr: unknown field/);
    assert.match(problem({ mappings: [{ ...FULL.mappings[0], encoding: 'xml' }] }), /mappings\[0\]\.encoding: expected one of "json", "hash", got "xml"/);
    assert.match(problem({ mappings: [{ key: 'k:{id}', table: 't' }] }), /mappings\[0\]\.name: required/);
    assert.match(problem({ thresholds: { maxStaleRatio: 2 } }), /thresholds\.maxStaleRatio: must be at most 1/);
    assert.match(problem({ thresholds: { expectReplicas: 1.5 } }), /thresholds\.expectReplicas: expected a whole number/);
    assert.match(problem([1, 2]), /\(top level\): expected an object/);
  });
  it('reports the line and column of a JSON syntax error', () => {
    assert.throws(() => parseConfigText('{\n  "redis": {\n    "url": "x",\n  }\n}', 'cfg.json'), /cfg\.json: invalid JSON at line 4, column 3: /);
    assert.throws(() => parseConfigText('', 'cfg.json'), /invalid JSON.*empty/);
    assert.throws(() => parseConfigText('nul', 'cfg.json'), /invalid JSON at the end of the file/);
    assert.throws(() => parseConfigText('{"a":1,}', 'cfg.json'), /invalid JSON at line 1, column 8: Expected double-quoted property name$/);
    assert.throws(
      () => parseConfigText('} "password": "hunter22"', 'cfg.json'),
      (e: unknown) => e instanceof ConfigError && /invalid JSON: Unexpected token/.test(e.message) && !e.message.includes('hunter22'),
    );
    const quoted = '{"postgres":{"replicas":["postgres://u:secretpw@h/db",oops]}}';
    assert.throws(
      () => parseConfigText(quoted, 'cfg.json'),
      (e: unknown) => e instanceof ConfigError && /^cfg\.json: invalid JSON: Unexpected token 'o'$/.test(e.message) && !e.message.includes('secretpw'),
    );
  });
  it('reads ./cachedoctor.config.json only when present, and fails clearly for a missing --config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cd-cfg-'));
    try {
      assert.deepEqual(loadConfigFile(undefined, dir), { path: null, config: {} });
      writeFileSync(join(dir, 'cachedoctor.config.json'), JSON.stringify({ thresholds: { maxLagSeconds: 1 } }));
      assert.equal(loadConfigFile(undefined, dir).config.thresholds?.maxLagSeconds, 1);
      assert.throws(
        () => loadConfigFile(join(dir, 'nope.json'), dir),
        (e: unknown) => e instanceof ConfigError && /nope\.json: not found/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings precedence: defaults < config file < environment < flags', () => {
  const file = { path: 'cfg.json', config: parseConfigText(JSON.stringify(FULL), 'cfg.json') };
  it('uses defaults with nothing given', () => {
    const s = resolveSettings({}, {}, { path: null, config: {} });
    assert.equal(s.timeoutMs, 5000);
    const lag = parseLag({ flags: {}, config: {}, configName: 'config file' });
    assert.equal(lag.thresholds.maxLagSeconds, 5);
    assert.equal(lag.thresholds.maxLagBytes, 16 * 1024 * 1024);
    assert.equal(s.primary, null);
    assert.deepEqual(s.replicas, []);
  });
  it('lets the environment override the file and flags override both', () => {
    const env = { DATABASE_URL: 'postgres://envdb/app', CACHEDOCTOR_REPLICA_URLS: 'postgres://r1/app, postgres://r2/app', REDIS_URL: 'redis://envcache' };
    const fromEnv = resolveSettings({}, env, file);
    assert.equal(fromEnv.primary?.url, 'postgres://envdb/app');
    assert.deepEqual(fromEnv.replicas, [
      { url: 'postgres://r1/app', origin: 'CACHEDOCTOR_REPLICA_URLS' },
      { url: 'postgres://r2/app', origin: 'CACHEDOCTOR_REPLICA_URLS' },
    ]);
    assert.equal(fromEnv.primary?.origin, 'DATABASE_URL');
    assert.equal(resolveSettings({}, {}, file).primary?.origin, 'config file cfg.json: postgres.primary');
    assert.equal(fromEnv.redis.url, 'redis://envcache');
    const fromFlags = resolveSettings({ pg: 'postgres://flagdb/app', replica: ['postgres://r9/app'], timeout: '2s' }, env, file);
    assert.equal(fromFlags.primary?.url, 'postgres://flagdb/app');
    assert.deepEqual(fromFlags.replicas, [{ url: 'postgres://r9/app', origin: '--replica' }]);
    assert.equal(fromFlags.timeoutMs, 2000);
  });
  it('takes thresholds from the config file, and flags over it', () => {
    const raw = (flags: Record<string, unknown>) => ({ flags, config: file.config, configName: configName(file.path) });
    assert.equal(parseLag(raw({})).thresholds.maxLagBytes, 1024 * 1024);
    assert.equal(parseLag(raw({})).thresholds.maxLagSeconds, 2);
    assert.equal(parseLag(raw({ maxLagSeconds: '0.5' })).thresholds.maxLagSeconds, 0.5);
    assert.equal(parseScan(raw({})).maxStaleRatio, 0.001);
    assert.equal(parseScan(raw({ maxStale: '3' })).maxStale, 3);
  });
  it('falls back to libpq PG* variables for the primary', () => {
    assert.equal(resolveSettings({}, { PGHOST: 'db' }, { path: null, config: {} }).primary?.url, null);
    assert.throws(
      () => resolveSettings({}, { PGHOST: 'db', PGPORT: 'abc' }, { path: null, config: {} }),
      /^UsageError: PGPORT: expected a port number, got "abc"/,
    );
  });
  it('asks a replica given twice once', () => {
    assert.equal(resolveSettings({ replica: ['postgres://r/app', 'postgres://r/app'] }, {}, { path: null, config: {} }).replicas.length, 1);
  });
  it('collects every password it has seen, even overridden ones, for scrubbing', () => {
    const s = resolveSettings({ pg: 'postgres://u:flagpw@h/db' }, { PGPASSWORD: 'envpw' }, file);
    for (const secret of ['flagpw', 'envpw', 'filepass', 'pgfile']) assert.ok(s.secrets.includes(secret), secret);
  });
  it('rejects bad flag values with a usage error naming the flag', () => {
    assert.throws(
      () => resolveSettings({ timeout: 'soon' }, {}, { path: null, config: {} }),
      (e: unknown) => e instanceof UsageError && /^--timeout:/.test(e.message),
    );
    const none = { config: {}, configName: 'config file' };
    assert.throws(() => parseLag({ flags: { maxLagBytes: 'lots' }, ...none }), /^UsageError: --max-lag-bytes: expected a size/);
    assert.throws(() => parseLag({ flags: { expectReplicas: '-1' }, ...none }), /^UsageError: --expect-replicas: expected a whole number/);
  });
  it('reads durations in the config file with a unit, and seconds where the field says so', () => {
    const cfg = (c: object) => ({ path: 'cfg.json', config: parseConfigText(JSON.stringify(c), 'cfg.json') });
    const lagOf = (c: object) => parseLag({ flags: {}, config: cfg(c).config, configName: 'config file cfg.json' });
    assert.equal(resolveSettings({}, {}, cfg({ timeout: '2s' })).timeoutMs, 2000);
    assert.equal(lagOf({ thresholds: { maxLagSeconds: '1500ms' } }).thresholds.maxLagSeconds, 1.5);
    assert.equal(lagOf({ thresholds: { maxLagSeconds: 2 } }).thresholds.maxLagSeconds, 2);
    // Read when the file is: every problem of the file in one message.
    assert.throws(
      () => cfg({ timeout: 'soon' }),
      (e: unknown) => e instanceof ConfigError && /cfg\.json: timeout: expected a duration/.test(e.message),
    );
    // A bare number has no unit: refused with the way out, as on the command line.
    assert.throws(
      () => cfg({ timeout: 750 }),
      (e: unknown) => e instanceof ConfigError && e.message === 'cfg.json: timeout: expected a duration with a unit, such as "5s" or "500ms", got 750',
    );
    assert.throws(
      () => cfg({ timeout: '750' }),
      (e: unknown) => e instanceof ConfigError && e.message === 'cfg.json: timeout: "750" has no unit (write 750s or 750ms)',
    );
  });
  it('rejects a bad size in the config file as a config error naming the field', () => {
    assert.throws(
      () => parseConfigText(JSON.stringify({ thresholds: { maxLagBytes: '12 parsecs' } }), 'cfg.json'),
      (e: unknown) => e instanceof ConfigError && /^cfg\.json: thresholds\.maxLagBytes: expected a byte count or a size/.test(e.message),
    );
  });
  it('turns colour off for --no-color and NO_COLOR', () => {
    assert.equal(resolveSettings({ color: false }, {}, { path: null, config: {} }).color, false);
    assert.equal(resolveSettings({}, { NO_COLOR: '1' }, { path: null, config: {} }).color, false);
    assert.equal(resolveSettings({}, {}, { path: null, config: {} }).color, true);
  });
});

describe('conninfo', () => {
  it('reads plain and quoted values, and the fallback application name', () => {
    const ci = "user=postgres password=******** host=10.0.0.1 port=5432 fallback_application_name=standby1 options='-c x=1'";
    assert.equal(conninfoValue(ci, 'host'), '10.0.0.1');
    assert.equal(conninfoValue(ci, 'options'), '-c x=1');
    assert.equal(receiverApplicationName(ci), 'standby1');
    assert.equal(receiverApplicationName(`application_name=mine ${ci}`), 'mine');
    assert.equal(receiverApplicationName(null), null);
  });
});
