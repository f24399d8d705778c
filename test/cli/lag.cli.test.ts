// The built CLI as users and CI run it: exit codes, one JSON document on stdout, one-line errors, no secrets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PASSWORD_ROLE } from '../../src/sandbox/sandbox.js';
import { BIN, parseJson, runCli } from '../helpers/cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ redis: false });
const SECRET = 'Sup3r-Secret-Pw';

function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('cachedoctor CLI basics', () => {
  it('--help lists every command with an example and the exit codes', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    for (const [name, words] of [
      ['scan', 'sample Redis keys'],
      ['lag', 'replication lag per replica'],
      ['demo', 'start a throwaway'],
    ]) {
      assert.match(run.stdout, new RegExp(`^\\s+${name}( \\[options\\])?\\s+${words}`, 'm'), name);
      assert.match(run.stdout, new RegExp(`^\\s+cachedoctor ${name}\\b`, 'm'), `example for ${name}`);
    }
    assert.match(run.stdout, /3\s+a data source \(Redis, PostgreSQL\) could not be reached/);
  });
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const run = await runCli(['--version']);
    assert.equal(run.stdout.trim(), pkg.version);
  });
  it('no command prints help on stderr and exits 2; an unknown option exits 2 in one line', async () => {
    const bare = await runCli([]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /Usage: cachedoctor/);
    const unknown = await runCli(['lag', '--frobnicate']);
    assert.equal(unknown.code, 2);
    assertOneLineError(unknown.stderr, /^cachedoctor: unknown option '--frobnicate' \(see --help\)$/);
  });
  it('lag with nothing to check is a usage error (exit 2) that says what to pass', async () => {
    const run = await runCli(['lag']);
    assert.equal(run.code, 2);
    assertOneLineError(run.stderr, /nothing to check.*--pg/);
  });
  it('a bad config file exits 2 and names the field, in JSON too', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cd-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'cachedoctor.config.json'),
      JSON.stringify({
        mappings: [
          { name: 'a', key: 'a:{id}', table: 'a' },
          { name: 'b', key: 'b:{id}', table: 'b' },
          { name: 'c', key: 'c:{id}', table: 7 },
        ],
      }),
    );
    const run = await runCli(['lag', '--json'], { cwd: dir });
    assert.equal(run.code, 2);
    assertOneLineError(run.stderr, /mappings\[2\]\.table: expected a string/);
    const doc = parseJson<{ error: { kind: string } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.error.kind, 'config');
  });
  it('bad flag values exit 2, naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['lag', '--pg', 'postgres://x/y', '--timeout', 'soon'], /^cachedoctor: --timeout: expected a duration/],
      [['lag', '--pg', 'mysql://x/y'], /^cachedoctor: --pg: expected a postgres:\/\/ or postgresql:\/\/ URL/],
      [['lag', '--pg', 'postgres://x:99999/y'], /^cachedoctor: --pg: the port is not a number from 1 to 65535$/],
      [['lag', '--pg', 'postgres://x/y', '--fail-on', 'sometimes'], /^cachedoctor: --fail-on: expected critical, warning or info/],
      [
        ['lag', '--pg', 'postgres://a/y', '--pg', 'postgres://b/y'],
        /^cachedoctor: option '--pg <url>' argument 'postgres:\/\/b\/y' is invalid\. given more than once/,
      ],
      [['lagg'], /^cachedoctor: unknown command 'lagg' \(Did you mean lag\?\) \(see --help\)$/],
    ];
    for (const [args, pattern] of cases) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assertOneLineError(run.stderr, pattern);
    }
  });
  it('names the environment variable or config field a bad value came from', async () => {
    const fromEnv = await runCli(['lag'], { env: { DATABASE_URL: 'garbage' } });
    assert.equal(fromEnv.code, 2);
    assertOneLineError(fromEnv.stderr, /^cachedoctor: DATABASE_URL: expected a postgres:\/\//);
    const port = await runCli(['lag'], { env: { PGHOST: '127.0.0.1', PGPORT: 'abc' } });
    assert.equal(port.code, 2);
    assertOneLineError(port.stderr, /^cachedoctor: PGPORT: expected a port number, got "abc"$/);
  });
  it('stops quietly when the reader of its output goes away (| head)', async () => {
    const run = await runCli(['--help'], { closeStdoutAfterFirstChunk: true });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /EPIPE|Error/);
  });
});

describe('cachedoctor lag (subprocess)', () => {
  let silent: Server;
  let silentPort = 0;
  before(async () => {
    // Accepts connections and never answers: the timeout must still hold.
    silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(() => silent.close());

  it('prints one schema-valid JSON document and exits 0 on a healthy pair', async () => {
    const sb = sandbox();
    await sb.waitForCatchUp();
    const run = await runCli(['lag', '--pg', sb.primaryUrl, '--replica', sb.standbyUrl, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = parseJson<{ ok: boolean; command: string; replicas: { name: string; lagBytes: number }[] }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.ok, true);
    assert.equal(doc.command, 'lag');
    assert.equal(doc.replicas[0]?.name, `127.0.0.1:${sandbox().standby!.port}`);
    assert.equal(run.stderr, '');
  });

  it('prints a table by default', async () => {
    const sb = sandbox();
    const run = await runCli(['lag', '--pg', sb.primaryUrl, '--replica', sb.standbyUrl]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Replica\s+│ State/);
    assert.match(run.stdout, /127\.0\.0\.1:\d+\s+│ streaming \/ async/);
    assert.match(run.stdout, /^OK/m);
    assert.ok(!run.stdout.includes('\u001b['), 'no colour codes when not a terminal');
    // At 80 columns ($COLUMNS), the same rows stacked, nothing wider.
    const narrow = await runCli(['lag', '--pg', sb.primaryUrl, '--replica', sb.standbyUrl], { env: { COLUMNS: '80' } });
    assert.equal(narrow.code, 0);
    assert.match(narrow.stdout, /^127\.0\.0\.1:\d+ standby1\n {2}State: streaming \/ async {3}Lag: /m);
    const widest = Math.max(
      ...narrow.stdout
        .split('\n')
        .filter((l) => /^[┌│└├]/.test(l) || l.startsWith('  '))
        .map((l) => l.length),
    );
    assert.ok(widest <= 80, `${widest} columns`);
  });

  it('exits 3 within the timeout for an unreachable primary, without printing the password', async () => {
    const sb = sandbox();
    const url = `postgres://app:${SECRET}@127.0.0.1:${sb.primary!.port + 7}/app`;
    const run = await runCli(['lag', '--pg', url, '--timeout', '2000ms', '--json']);
    assert.equal(run.code, 3);
    assertOneLineError(run.stderr, /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+: connection refused \(is the server running\? check --pg\)/);
    assert.ok(!run.stdout.includes(SECRET) && !run.stderr.includes(SECRET));
    const doc = parseJson<{ exitCode: number; error: { kind: string } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.error.kind, 'source');
  });

  it('exits 3 within the timeout for a server that accepts and never answers', async () => {
    const run = await runCli(['lag', '--pg', `postgres://app:${SECRET}@127.0.0.1:${silentPort}/app`, '--timeout', '1000ms']);
    assert.equal(run.code, 3);
    assertOneLineError(run.stderr, /no answer within 1000 ms/);
    assert.ok(run.ms < 4000, `took ${run.ms} ms`);
    assert.ok(!run.stderr.includes(SECRET));
  });

  it('exits 3 on a wrong password and never prints it, from the URL or PGPASSWORD', async () => {
    const sb = sandbox();
    await sb.primary!.sql(`DROP ROLE IF EXISTS pwuser; CREATE ROLE pwuser LOGIN PASSWORD 'right-one' IN ROLE ${PASSWORD_ROLE}`);
    const inUrl = await runCli(['lag', '--pg', sb.primary!.urlFor('pwuser', SECRET)]);
    assert.equal(inUrl.code, 3);
    assertOneLineError(inUrl.stderr, /password authentication failed for user "pwuser" \(check the user and password in --pg or PGPASSWORD\)/);
    const inEnv = await runCli(['lag', '--pg', sb.primary!.urlFor('pwuser'), '--verbose'], { env: { PGPASSWORD: SECRET } });
    assert.equal(inEnv.code, 3);
    for (const run of [inUrl, inEnv]) assert.ok(!`${run.stdout}${run.stderr}`.includes(SECRET));
    const right = await runCli(['lag', '--pg', sb.primary!.urlFor('pwuser', 'right-one'), '--json']);
    assert.notEqual(right.code, 3, right.stderr);
  });

  it('keeps JSON valid and unscathed when the password is short enough to collide with ordinary text', async () => {
    const sb = sandbox();
    const run = await runCli(['lag', '--pg', sb.primary!.urlFor('postgres', '0'), '--replica', sb.standby!.urlFor('postgres', 's'), '--json']);
    const doc = parseJson<{ exitCode: number; version: string; summary: Record<string, unknown> }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.exitCode, 0);
    assert.ok('replicas' in doc.summary);
  });

  it('a mistyped --replica port on the standby host is just unreachable (exit 3), with a hint, never matched with the real standby', async () => {
    const sb = sandbox();
    const typo = sb.standbyUrl.replace(`:${sb.standby!.port}/`, `:${sb.standby!.port + 50}/`);
    const run = await runCli(['lag', '--pg', sb.primaryUrl, '--replica', typo, '--json', '--timeout', '2s']);
    assert.equal(run.code, 3, run.stderr);
    const doc = parseJson<{ findings: { kind: string; message: string; fix: string }[]; replicas: { name: string; onPrimary: boolean }[] }>(run);
    assertMatchesSchema(doc);
    const failed = doc.findings.find((f) => f.kind === 'source-failed')!;
    assert.match(
      failed.message,
      /^cannot reach replica 127\.0\.0\.1:\d+: connection refused: its lag is unknown; the primary sees standby1 streaming from the same address$/,
    );
    assert.match(failed.fix, /check the port in --replica/);
    // The real standby is its own entry, seen from the primary only.
    assert.deepEqual(
      doc.replicas.map((r) => [r.name, r.onPrimary]),
      [
        ['standby1', true],
        [`127.0.0.1:${sb.standby!.port + 50}`, false],
      ],
    );
  });

  it('--watch on a terminal shows the window as it goes: a line rewritten per sample, with a sparkline per replica', async () => {
    const sb = sandbox();
    // script(1) gives the command a terminal; what it prints there comes back on stdout.
    const cmd = `${process.execPath} ${BIN} lag --pg '${sb.primaryUrl}' --replica '${sb.standbyUrl}' --watch --interval 200ms --duration 1200ms`;
    const tty = execFileSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1', COLUMNS: '100' } });
    const updates = tty.split('\r\u001b[K').filter((l) => l.startsWith('lag --watch'));
    assert.ok(updates.length >= 3, `${updates.length} updates: ${JSON.stringify(tty.slice(0, 400))}`);
    assert.match(updates.at(-1)!, /^lag --watch \d+ s of 1 s: 127\.0\.0\.1:\d+ [\d.]+ s [▁▂▃▄▅▆▇█·]+/);
    // And --quiet turns it off.
    const quiet = execFileSync('script', ['-qec', `${cmd} --quiet`, '/dev/null'], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } });
    assert.doesNotMatch(quiet, /lag --watch \d+ s of/);
  });

  it('reports a replica that refuses our password as source-failed (exit 3: a source could not be queried), not as a replication problem', async () => {
    const sb = sandbox();
    await sb.primary!.sql(`DROP ROLE IF EXISTS pwmon; CREATE ROLE pwmon LOGIN PASSWORD 'right-one' IN ROLE ${PASSWORD_ROLE}, pg_monitor`);
    await sb.waitForCatchUp();
    // The standby copied the primary's pg_hba.conf, so it wants the password too.
    const run = await runCli(['lag', '--pg', sb.primaryUrl, '--replica', sb.standby!.urlFor('pwmon', SECRET), '--json']);
    assert.equal(run.code, 3, run.stderr);
    const doc = parseJson<{ findings: { kind: string; message: string; fix: string }[] }>(run);
    assertMatchesSchema(doc);
    assert.deepEqual(
      doc.findings.map((f) => f.kind),
      ['source-failed'],
    );
    assert.match(doc.findings[0]!.message, /password authentication failed/);
    assert.ok(!run.stdout.includes(SECRET) && !run.stderr.includes(SECRET));
  });

  it('treats sslmode as libpq does: require fails in one line, prefer falls back to plain, nonsense is a usage error', async () => {
    const sb = sandbox();
    const require = await runCli(['lag', '--pg', `${sb.primaryUrl}?sslmode=require`]);
    assert.equal(require.code, 3);
    assertOneLineError(require.stderr, /the server does not offer TLS \(use sslmode=prefer \(TLS when offered\) or sslmode=disable/);
    const prefer = await runCli(['lag', '--pg', `${sb.primaryUrl}?sslmode=prefer`, '--json']);
    assert.equal(prefer.code, 0, prefer.stderr);
    const fromEnv = await runCli(['lag', '--pg', sb.primaryUrl, '--json'], { env: { PGSSLMODE: 'prefer' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const bogus = await runCli(['lag', '--pg', sb.primaryUrl], { env: { PGSSLMODE: 'bogus' } });
    assert.equal(bogus.code, 2);
    assertOneLineError(bogus.stderr, /^cachedoctor: PGSSLMODE: sslmode "bogus" is not one of/);
    const noCa = await runCli(['lag', '--pg', `${sb.primaryUrl}?sslmode=verify-ca`]);
    assert.equal(noCa.code, 2);
    assertOneLineError(noCa.stderr, /^cachedoctor: --pg: .*sslrootcert/);
  });

  it('connects through a Unix socket URL with an empty host, as psql does', async () => {
    const sb = sandbox();
    const run = await runCli(['lag', '--pg', `postgres://postgres@/postgres?host=${sb.primary!.socketDir}&port=${sb.primary!.port}`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(parseJson<{ primary: { target: string } }>(run).primary.target, /^socket /);
  });

  it('does not echo a misread URL, which could hold the password', async () => {
    const run = await runCli(['lag', '--pg', 'postgres://z:Pw0rd123@[bad/db']);
    assert.equal(run.code, 2);
    assertOneLineError(run.stderr, /^cachedoctor: --pg: not a valid URL/);
    assert.ok(!run.stderr.includes('Pw0rd123') && !run.stderr.includes('[bad'));
  });

  it('reads the primary from DATABASE_URL and replicas from CACHEDOCTOR_REPLICA_URLS', async () => {
    const sb = sandbox();
    const run = await runCli(['lag', '--json'], { env: { DATABASE_URL: sb.primaryUrl, CACHEDOCTOR_REPLICA_URLS: sb.standbyUrl } });
    const doc = parseJson<{ replicas: { target: string | null }[] }>(run);
    assert.equal(doc.replicas[0]?.target, `127.0.0.1:${sb.standby!.port}`);
  });

  it('Ctrl-C during --watch stops early, still prints what was sampled, and does not pass (exit 130)', async () => {
    const sb = sandbox();
    const run = await runCli(['lag', '--pg', sb.primaryUrl, '--replica', sb.standbyUrl, '--watch', '--interval', '200ms', '--duration', '60s', '--json'], {
      onStart: (kill) => setTimeout(() => kill('SIGINT'), 1500),
    });
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
    // An interrupted run never passes a CI check, even when what it sampled was healthy.
    assert.equal(run.code, 130, run.stderr);
    const doc = parseJson<{ complete: boolean; ok: boolean; watch: { samples: unknown[] } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.complete, false);
    assert.equal(doc.ok, false);
    assert.ok(doc.watch.samples.length >= 2, `${doc.watch.samples.length} samples`);
  });
});
