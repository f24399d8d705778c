// No password reaches any output: every command, every format, --verbose, a saved capture, a config file, the
// environment, and the errors of a wrong password. Each run's stdout and stderr are searched for the secrets.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { PASSWORD_ROLE } from '../../src/sandbox/sandbox.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { startServe } from '../helpers/serve.js';

const PG_SECRET = 'S3cr3t-pg-Zq9';
const REDIS_SECRET = 'S3cr3t-redis-Kx7';
const WRONG = 'Wr0ng-pass-Yv4';
const SECRETS = [PG_SECRET, REDIS_SECRET, WRONG].flatMap((s) => [s, encodeURIComponent(s)]);
const sandbox = useSandbox();
const dir = mkdtempSync(join(tmpdir(), 'cd-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function assertNoSecret(label: string, run: CliRun, extra = ''): void {
  const all = `${run.stdout}\n${run.stderr}\n${extra}`;
  for (const s of SECRETS) assert.ok(!all.includes(s), `${label}: a password appears in the output:\n${all.slice(0, 2000)}`);
}

describe('no password in any output', () => {
  let pg = '';
  let replica = '';
  let redis = '';
  before(async () => {
    const sb = await sandbox.ready();
    await sb.primary!.sql(`CREATE ROLE sekrit LOGIN PASSWORD '${PG_SECRET}' IN ROLE ${PASSWORD_ROLE}, pg_monitor;
      CREATE TABLE items (id int PRIMARY KEY, version int NOT NULL); INSERT INTO items SELECT g, 1 FROM generate_series(1, 5) g; GRANT SELECT ON items TO sekrit;
      CREATE TABLE cachedoctor_canary (id text PRIMARY KEY, seq integer NOT NULL, written_at timestamptz NOT NULL DEFAULT now()); GRANT ALL ON cachedoctor_canary TO sekrit`);
    await sb.waitForCatchUp();
    const r = new Redis(sb.redisUrl);
    for (let id = 1; id <= 5; id += 1) await r.set(`item:${id}`, JSON.stringify({ version: id === 2 ? 0 : 1 }));
    await r.config('SET', 'requirepass', REDIS_SECRET);
    r.disconnect();
    pg = sb.primary!.urlFor('sekrit', PG_SECRET);
    replica = sb.standby!.urlFor('sekrit', PG_SECRET);
    redis = `redis://:${REDIS_SECRET}@127.0.0.1:${sb.redis!.port}`;
  });

  it('lag, scan, monitor (and its saved capture), report in every format, probe: with --verbose, in the URL, PGPASSWORD and a config file', async () => {
    const mapping = ['--key', 'item:{id}', '--table', 'items', '--grace', '50ms'];
    const capture = join(dir, 'capture.log');
    const config = join(dir, 'cachedoctor.config.json');
    writeFileSync(
      config,
      JSON.stringify({ redis: { url: redis }, postgres: { primary: pg, replicas: [replica] }, mappings: [{ name: 'item', key: 'item:{id}', table: 'items' }] }),
    );
    const runs: [string, string[], NodeJS.ProcessEnv?][] = [
      ['lag json', ['lag', '--pg', pg, '--replica', replica, '--json', '--verbose']],
      ['lag table', ['lag', '--pg', pg, '--replica', replica, '--verbose']],
      ['scan json', ['scan', '--redis', redis, '--pg', pg, ...mapping, '--json', '--verbose']],
      ['scan table', ['scan', '--redis', redis, '--pg', pg, '--replica', replica, '--replicas', ...mapping, '--verbose']],
      ['monitor', ['monitor', '--redis', redis, '--match', 'item:*', '--duration', '500ms', '--save', capture, '--json', '--verbose']],
      [
        'report json',
        ['report', '--redis', redis, '--pg', pg, '--replica', replica, ...mapping, '--monitor', '500ms', '--channel', 'inv', '--json', '--verbose'],
      ],
      ['report table', ['report', '--redis', redis, '--pg', pg, '--replica', replica, ...mapping, '--verbose']],
      ['report prometheus', ['report', '--redis', redis, '--pg', pg, '--replica', replica, ...mapping, '--format', 'prometheus']],
      ['report config file', ['report', '--config', config, '--json', '--verbose']],
      ['probe', ['probe', '--allow-write', '--pg', pg, '--replica', replica, '--count', '2', '--interval', '10ms', '--json', '--verbose']],
      [
        'PGPASSWORD',
        ['report', '--pg', pg.replace(`:${PG_SECRET}`, ''), '--replica', replica.replace(`:${PG_SECRET}`, ''), '--verbose'],
        { PGPASSWORD: PG_SECRET },
      ],
    ];
    // Traffic for the monitor to see, from a client that authenticates with the password too.
    const app = new Redis(redis);
    const traffic = setInterval(() => void app.get('item:1').catch(() => {}), 20);
    after(() => {
      clearInterval(traffic);
      app.disconnect();
    });
    for (const [label, argv, env] of runs) {
      const run = await runCli(argv, { env });
      assert.ok(run.code === 0 || run.code === 1, `${label}: exit ${run.code}: ${run.stderr}`);
      assertNoSecret(label, run, label === 'monitor' ? readFileSync(capture, 'latin1') : '');
    }
    // The capture saw commands, and the servers answered: these runs really used the passwords.
    assert.match(readFileSync(capture, 'latin1'), /"get" "item:1"[\s\S]*cachedoctor-watch-ended/);
  });

  it('errors from wrong passwords (PostgreSQL, Redis, MONITOR, report, probe) name no password', async () => {
    const sb = sandbox();
    const badPg = sb.primary!.urlFor('sekrit', WRONG);
    const badRedis = `redis://:${WRONG}@127.0.0.1:${sb.redis!.port}`;
    for (const [label, argv] of [
      ['lag', ['lag', '--pg', badPg, '--verbose']],
      ['scan', ['scan', '--redis', badRedis, '--pg', badPg, '--key', 'item:{id}', '--table', 'items', '--verbose', '--json']],
      ['monitor', ['monitor', '--redis', badRedis, '--match', 'item:*', '--duration', '1s', '--verbose']],
      ['report', ['report', '--redis', badRedis, '--pg', badPg, '--key', 'item:{id}', '--table', 'items', '--verbose', '--json']],
      ['probe', ['probe', '--allow-write', '--pg', badPg, '--replica', badPg, '--verbose']],
    ] as [string, string[]][]) {
      const run = await runCli(argv);
      assert.equal(run.code, 3, `${label}: ${run.stderr}`);
      assert.match(run.stderr, /authentication failed|password/i, label);
      assertNoSecret(label, run);
    }
    // Malformed URLs that carry a password: usage errors (exit 2) that do not quote the URL.
    for (const argv of [
      ['lag', '--pg', `postgres://sekrit:${WRONG}@127.0.0.1:99999/db`],
      ['lag', '--pg', `postgres://sekrit:${WRONG}@127.0.0.1:5432/db?sslmode=bogus`],
      ['lag', '--pg', `postgres://sekrit:${WRONG}@[::1:5432/db`],
      ['lag', '--pg', `postgres://x@127.0.0.1/db`, '--replica', WRONG],
      ['monitor', '--redis', `redis://:${WRONG}@127.0.0.1:6379/abc`, '--match', 'x:*', '--json'],
    ]) {
      const run = await runCli(argv);
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
      assertNoSecret(argv.join(' '), run);
    }
  });

  it('serve: wrong passwords, then right ones; its log, /readyz and /metrics name no password', async () => {
    const sb = sandbox();
    const mapping = ['--key', 'item:{id}', '--table', 'items', '--lag-interval', '200ms', '--scan-interval', '300ms', '--verbose'];
    /** Polls /readyz until `ok` holds of its status and body; returns what was read. */
    const readyUntil = async (url: string, ok: (status: number, body: string) => boolean): Promise<string> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const res = await fetch(`${url}/readyz`);
        const body = await res.text();
        if (ok(res.status, body)) return `${res.status} ${body}`;
        if (Date.now() > deadline) throw new Error(`/readyz never held: last ${res.status} ${body}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const badPg = sb.primary!.urlFor('sekrit', WRONG);
    const badRedis = `redis://:${WRONG}@127.0.0.1:${sb.redis!.port}`;
    const wrong = await startServe(['--redis', badRedis, '--pg', badPg, '--replica', sb.standby!.urlFor('sekrit', WRONG), '--no-follow', ...mapping]);
    const wrongReady = await readyUntil(wrong.url, (status, body) => status === 503 && /authentication failed|password/i.test(body));
    const wrongMetrics = await (await fetch(`${wrong.url}/metrics`)).text();
    const wrongRun = await wrong.stop();
    assert.equal(wrongRun.code, 0, wrongRun.stderr);
    assert.match(wrongRun.stderr, /authentication failed|password/i);
    assertNoSecret('serve, wrong passwords', wrongRun, `${wrongReady}\n${wrongMetrics}`);

    const right = await startServe(['--redis', redis, '--pg', pg, '--replica', replica, '--no-follow', ...mapping]);
    const rightReady = await readyUntil(right.url, (status) => status === 200);
    const rightMetrics = await (await fetch(`${right.url}/metrics`)).text();
    const rightRun = await right.stop();
    assert.equal(rightRun.code, 0, rightRun.stderr);
    // The right passwords really worked: scan and lag are up and the scan saw the entries.
    assert.match(rightMetrics, /^cachedoctor_part_up\{part="scan"\} 1$/m);
    assert.match(rightMetrics, /^cachedoctor_part_up\{part="lag"\} 1$/m);
    assertNoSecret('serve, right passwords', rightRun, `${rightReady}\n${rightMetrics}`);
  });
});
