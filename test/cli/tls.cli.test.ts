// TLS, as an on-call engineer meets it: rediss:// and sslmode=verify-full work when the server's CA is trusted,
// and every certificate or protocol mismatch is one line that says what to do.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox({ tls: true });

describe('TLS', () => {
  before(async () => {
    const sb = await sandbox.ready();
    await sb.primary!.sql('CREATE TABLE t (id int PRIMARY KEY, version int NOT NULL); INSERT INTO t SELECT g, 1 FROM generate_series(1, 5) g');
    const r = new Redis(sb.redisUrl);
    for (let id = 1; id <= 5; id += 1) await r.set(`t:${id}`, JSON.stringify({ version: 1 }), 'EX', 600);
    r.disconnect();
  });

  it('scan, monitor and report over rediss:// and sslmode=verify-full, with the CA trusted', async () => {
    const sb = sandbox();
    const ca = sb.certs!.ca;
    const pg = `${sb.primaryUrl}?sslmode=verify-full&sslrootcert=${ca}`;
    const env = { NODE_EXTRA_CA_CERTS: ca };
    const scan = await runCli(['scan', '--redis', sb.redisTlsUrl, '--pg', pg, '--key', 't:{id}', '--table', 't', '--json'], { env });
    assert.equal(scan.code, 0, scan.stderr);
    assert.equal(parseJson<{ summary: { fresh: number } }>(scan).summary.fresh, 5);
    const report = await runCli(['report', '--redis', sb.redisTlsUrl, '--pg', pg, '--key', 't:{id}', '--table', 't', '--monitor', '500ms', '--json'], { env });
    const doc = parseJson<{ summary: { parts: Record<string, string> } }>(report);
    assert.deepEqual(doc.summary.parts, { lag: 'ok', scan: 'ok', subscribers: 'skipped', monitor: 'ok', follow: 'skipped' });
  });

  it('certificate and protocol problems are one line with the way out', async () => {
    const sb = sandbox();
    const map = ['--key', 't:{id}', '--table', 't', '--timeout', '1500ms'];
    const plainPort = sb.redis!.port;
    const cases: [string[], RegExp][] = [
      [
        ['scan', '--redis', sb.redisTlsUrl, '--pg', sb.primaryUrl, ...map],
        /TLS: self-signed certificate in certificate chain \(trust the server's CA: NODE_EXTRA_CA_CERTS=/,
      ],
      [
        ['monitor', '--redis', sb.redisTlsUrl, '--match', 't:*', '--timeout', '1500ms'],
        /TLS: self-signed certificate in certificate chain \(trust the server's CA/,
      ],
      [['lag', '--pg', `${sb.primaryUrl}?sslmode=verify-full`], /TLS: unable to verify the first certificate \(name the server's CA: sslrootcert=/],
      [
        ['scan', '--redis', `rediss://localhost:${plainPort}`, '--pg', sb.primaryUrl, ...map],
        /no answer within 1500 ms \(does this port serve TLS\? .*use redis:\/\/\)/,
      ],
      [
        ['scan', '--redis', `redis://localhost:${sb.redisTlsPort}`, '--pg', sb.primaryUrl, ...map],
        /the connection was lost \(.*or does it expect TLS \(rediss:\/\/\)\?\)/,
      ],
    ];
    for (const [argv, pattern] of cases) {
      const run = await runCli(argv);
      assert.equal(run.code, 3, `${argv.join(' ')}: ${run.stderr}`);
      const lines = run.stderr
        .trim()
        .split('\n')
        .filter((l) => !/MONITOR costs/.test(l));
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, pattern);
    }
    // PGSSLROOTCERT names the CA, as for psql: with sslmode in the URL or in PGSSLMODE.
    for (const [url, env] of [
      [`${sb.primaryUrl}?sslmode=verify-full`, { PGSSLROOTCERT: sb.certs!.ca }],
      [sb.primaryUrl, { PGSSLROOTCERT: sb.certs!.ca, PGSSLMODE: 'verify-full' }],
    ] as [string, Record<string, string>][]) {
      const run = await runCli(['lag', '--pg', url, '--json'], { env });
      assert.notEqual(run.code, 3, `${url} ${JSON.stringify(env)}: ${run.stderr}`);
    }
    const missingCa = await runCli(['lag', '--pg', sb.primaryUrl], { env: { PGSSLROOTCERT: '/nonexistent/ca.pem', PGSSLMODE: 'verify-full' } });
    assert.equal(missingCa.code, 2);
    assert.match(missingCa.stderr, /PGSSLROOTCERT: cannot read \/nonexistent\/ca\.pem/);
    // sslmode=require encrypts without verifying, as psql does.
    const require = await runCli(['lag', '--pg', `${sb.primaryUrl}?sslmode=require`, '--json']);
    assert.notEqual(require.code, 3, require.stderr);
  });
});
