// Faults during an incident: a server that accepts and never answers makes every command give up within --timeout
// (exit 3); the primary stopped mid-scan gives the partial report; SIGTERM and SIGINT at any point close every
// connection (no MONITOR left on the server), remove probe's canary row, and still print the report.
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { sql } from '../helpers/pg.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox();
let silent: Server;
let silentPort = 0;
const sockets: Socket[] = [];
before(async () => {
  silent = createServer((s) => sockets.push(s.on('error', () => {})));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
});
after(() => {
  for (const s of sockets) s.destroy();
  silent.close();
});

async function monitorsOn(redisUrl: string): Promise<number> {
  const r = new Redis(redisUrl);
  try {
    return String(await r.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((l) => / cmd=monitor/.test(l)).length;
  } finally {
    r.disconnect();
  }
}

describe('faults', () => {
  it('a server that accepts and never answers: every command gives up within about one --timeout, exit 3, one line', async () => {
    const sb = await sandbox.ready();
    const deadPg = `postgres://app@127.0.0.1:${silentPort}/app`;
    const deadRedis = `redis://127.0.0.1:${silentPort}`;
    const map = ['--key', 'p:{id}', '--table', 'p'];
    const cases: [string[], number][] = [
      [['scan', '--redis', deadRedis, '--pg', sb.primaryUrl, ...map], 1],
      [['scan', '--redis', sb.redisUrl, '--pg', deadPg, ...map], 1],
      [['monitor', '--redis', deadRedis, '--match', 'p:*'], 1],
      [['probe', '--allow-write', '--pg', deadPg, '--replica', sb.standbyUrl], 1],
      // report asks lag, scan and the subscriber count side by side, and does not wait again for the Redis the
      // scan could not reach before its MONITOR window: about one timeout in all (it took one per part, 4 s here).
      [['report', '--redis', deadRedis, '--pg', deadPg, '--replica', deadPg, ...map, '--channel', 'inv', '--monitor', '5s'], 1],
    ];
    for (const [argv, parts] of cases) {
      const run = await runCli([...argv, '--timeout', '1000ms']);
      assert.equal(run.code, 3, `${argv.join(' ')}: ${run.stderr}`);
      assert.ok(run.ms < parts * 1000 + 2500, `${argv[0]} took ${run.ms} ms`);
      assert.match(run.stderr.trim().split('\n').at(-1)!, /^cachedoctor: .*(no answer within 1000 ms|nothing could be checked)/);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });

  it('the wrong server on the port (HTTP for Redis, PostgreSQL for Redis, Redis for PostgreSQL): exit 3, a line that says so', async () => {
    const sb = await sandbox.ready();
    const http = createHttpServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const httpPort = (http.address() as { port: number }).port;
    const map = ['--key', 'p:{id}', '--table', 'p'];
    try {
      for (const [argv, line] of [
        [
          ['scan', '--redis', `redis://127.0.0.1:${httpPort}`, '--pg', sb.primaryUrl, ...map],
          /it does not answer in the Redis protocol \(is --redis the port of another server/,
        ],
        [
          ['scan', '--redis', `redis://127.0.0.1:${sb.primary!.port}`, '--pg', sb.primaryUrl, ...map],
          /the connection was lost \(.*PostgreSQL closes on Redis' first command/,
        ],
        [['lag', '--pg', `postgres://app@127.0.0.1:${sb.redis!.port}/app`], /no answer within 1000 ms \(.*Redis never answers PostgreSQL's handshake/],
      ] as const) {
        const run = await runCli([...argv, '--timeout', '1000ms']);
        assert.equal(run.code, 3, `${argv.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr.trim().split('\n').at(-1)!, line);
        assert.doesNotMatch(run.stderr, /Please report this|\n\s+at /);
      }
    } finally {
      http.close();
    }
  });

  it('SIGTERM during report --monitor: the report so far prints, and no MONITOR is left on the server', async () => {
    const sb = await sandbox.ready();
    await sql(sb.primaryUrl, 'CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, version int NOT NULL)');
    const run = await runCli(['report', '--redis', sb.redisUrl, '--pg', sb.primaryUrl, '--key', 't:{id}', '--table', 't', '--monitor', '30s', '--json'], {
      onStart: (kill) => setTimeout(() => kill('SIGTERM'), 2500),
    });
    assert.ok(run.ms < 10_000, `${run.ms} ms`);
    const doc = parseJson<{ complete: boolean; summary: { parts: Record<string, string> } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.complete, false);
    assert.equal(doc.summary.parts.lag, 'ok');
    assert.equal(doc.summary.parts.monitor, 'partial');
    assert.equal(await monitorsOn(sb.redisUrl), 0);
  });

  it('Ctrl-C during probe: the timed writes print, and the canary row is gone', async () => {
    const sb = await sandbox.ready();
    const run = await runCli(['probe', '--allow-write', '--pg', sb.primaryUrl, '--replica', sb.standbyUrl, '--count', '500', '--interval', '10ms', '--json'], {
      onStart: (kill) => setTimeout(() => kill('SIGINT'), 2000),
    });
    const doc = parseJson<{ complete: boolean; count: number }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.complete, false);
    assert.ok(doc.count > 0 && doc.count < 500, `${doc.count} writes`);
    assert.deepEqual(await sql(sb.primaryUrl, 'SELECT count(*)::int AS n FROM cachedoctor_canary'), [{ n: 0 }]);
  });

  it('the primary stopped mid-scan: exit 3 and the partial report (last: it stops the primary)', async () => {
    const sb = await sandbox.ready();
    await sql(sb.primaryUrl, 'CREATE TABLE p (id int PRIMARY KEY, version int NOT NULL); INSERT INTO p SELECT g, 1 FROM generate_series(1, 2000) g');
    const r = new Redis(sb.redisUrl);
    const pipe = r.pipeline();
    for (let id = 1; id <= 2000; id += 1) pipe.set(`p:${id}`, JSON.stringify({ version: 1 }), 'EX', 600);
    await pipe.exec();
    r.disconnect();
    const run = await runCli(
      [
        'scan',
        '--redis',
        sb.redisUrl,
        '--pg',
        sb.primaryUrl,
        '--key',
        'p:{id}',
        '--table',
        'p',
        '--all',
        '--rate',
        '300',
        '--grace',
        '0',
        '--json',
        '--timeout',
        '1500ms',
      ],
      {
        onStart: () => setTimeout(() => void sb.primary!.stop(), 2000),
      },
    );
    assert.equal(run.code, 3, run.stderr);
    const doc = parseJson<{ complete: boolean; error: { kind: string }; summary: { sampled: number } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.complete, false);
    assert.equal(doc.error.kind, 'source');
    assert.ok(doc.summary.sampled > 0 && doc.summary.sampled < 2000, `${doc.summary.sampled} sampled`);
    assert.match(run.stderr.trim().split('\n').at(-1)!, /^cachedoctor: .*PostgreSQL at 127\.0\.0\.1:\d+/);
  });
});
