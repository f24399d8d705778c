// Least privilege, as the README documents it: a PostgreSQL role with pg_monitor and SELECT on the mapped tables,
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// and a Redis ACL user with only the commands each command sends, are enough; with less, the error or finding
// names what is missing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseJson, runCli } from '../helpers/cli.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox();

/** The ACL rules the README gives, by command (keep the two in step). */
const CONNECT = '+ping +info +select +client|setname';
const SCAN = '+eval_ro +scan +pttl +getrange +strlen +type +hmget +hgetall';
const MONITOR = '+monitor +client|id +client|list +pubsub|numsub +pubsub|shardnumsub +echo';

describe('least privilege', () => {
  let pgUrl = (_user: string) => '';
  let redisUrl = (_user: string) => '';
  before(async () => {
    const sb = await sandbox.ready();
    await sb.primary!.sql(`CREATE TABLE items (id int PRIMARY KEY, version int NOT NULL); INSERT INTO items SELECT g, 1 FROM generate_series(1, 20) g;
      CREATE TABLE secrets (id int PRIMARY KEY, version int NOT NULL);
      CREATE ROLE cd_min LOGIN IN ROLE pg_monitor; GRANT SELECT ON items TO cd_min;
      CREATE ROLE cd_nomon LOGIN; GRANT SELECT ON items TO cd_nomon`);
    await sb.waitForCatchUp();
    const r = new Redis(sb.redisUrl);
    for (let id = 1; id <= 20; id += 1) await r.set(`item:${id}`, JSON.stringify({ version: 1 }), 'EX', 600);
    await r.call('ACL', 'SETUSER', 'cd_report', 'on', '>cd-report-pw', '~*', 'resetchannels', '-@all', ...`${CONNECT} ${SCAN} ${MONITOR}`.split(' '));
    await r.call('ACL', 'SETUSER', 'cd_noeval', 'on', '>cd-noeval-pw', '~*', 'resetchannels', '-@all', ...`${CONNECT} +scan +pttl`.split(' '));
    await r.call(
      'ACL',
      'SETUSER',
      'cd_nopttl',
      'on',
      '>cd-nopttl-pw',
      '~*',
      'resetchannels',
      '-@all',
      ...`${CONNECT} +eval_ro +scan +getrange +strlen +type`.split(' '),
    );
    await r.call(
      'ACL',
      'SETUSER',
      'cd_nogetrange',
      'on',
      '>cd-nogetrange-pw',
      '~*',
      'resetchannels',
      '-@all',
      ...`${CONNECT} +eval_ro +scan +pttl +strlen +type +hmget +hgetall`.split(' '),
    );
    await r.call('ACL', 'SETUSER', 'cd_nomonitor', 'on', '>cd-nomonitor-pw', '~*', 'resetchannels', '-@all', ...`${CONNECT} ${SCAN}`.split(' '));
    const noPubsub = MONITOR.replace(/ \+pubsub\|\S+/g, '');
    await r.call('ACL', 'SETUSER', 'cd_nopubsub', 'on', '>cd-nopubsub-pw', '~*', 'resetchannels', '-@all', ...`${CONNECT} ${noPubsub}`.split(' '));
    const noInfo = CONNECT.replace('+info ', '');
    await r.call('ACL', 'SETUSER', 'cd_noinfo', 'on', '>cd-noinfo-pw', '~*', 'resetchannels', '-@all', ...`${noInfo} ${SCAN} ${MONITOR}`.split(' '));
    r.disconnect();
    pgUrl = (user) => sb.primary!.urlFor(user);
    redisUrl = (user) => `redis://${user}:${user.replace('_', '-')}-pw@127.0.0.1:${sb.redis!.port}`;
  });

  /** report with every part, as the Redis user `user` and the least PostgreSQL role. */
  const reportArgs = (sb: Sandbox, user: string, ...more: string[]) =>
    ['report', '--redis', redisUrl(user), '--pg', pgUrl('cd_min'), '--replica', sb.standby!.urlFor('cd_min'), '--key', 'item:{id}', '--table', 'items'].concat([
      '--channel',
      'inv',
      '--grace',
      '0s',
      '--json',
      ...more,
    ]);

  it('report with scan, subscribers and a MONITOR window works with exactly the documented grants', async () => {
    const sb = sandbox();
    const run = await runCli(reportArgs(sb, 'cd_report', '--monitor', '1s'));
    const doc = parseJson<{ summary: { parts: Record<string, string> }; findings: { kind: string; severity: string }[] }>(run);
    assert.deepEqual(doc.summary.parts, { lag: 'ok', scan: 'ok', subscribers: 'ok', monitor: 'ok', follow: 'skipped' });
    assert.deepEqual(
      doc.findings.filter((f) => f.severity !== 'info' && f.kind !== 'no-traffic').map((f) => f.kind),
      [],
    );
    assert.equal(run.code, 0, run.stderr);
  });

  it('a Redis user without +info still works, and is told once (not once per connection), in plain words', async () => {
    const sb = sandbox();
    const run = await runCli(reportArgs(sb, 'cd_noinfo', '--monitor', '500ms'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.match(/the Redis user cannot run INFO/g)?.length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /enableReadyCheck/);
  });

  it('less than that is named: no pg_monitor, no SELECT on the table, no EVAL_RO, no MONITOR', async () => {
    const noMonitorRole = await runCli(['lag', '--pg', pgUrl('cd_nomon'), '--json']);
    const lag = parseJson<{ findings: { kind: string; fix?: string }[] }>(noMonitorRole);
    assert.equal(lag.findings.find((f) => f.kind === 'insufficient-privilege')?.fix, 'GRANT pg_monitor TO cd_nomon;');

    const noSelect = await runCli(['scan', '--redis', redisUrl('cd_report'), '--pg', pgUrl('cd_min'), '--key', 'item:{id}', '--table', 'secrets']);
    assert.equal(noSelect.code, 3, noSelect.stderr);
    assert.match(noSelect.stderr, /role cd_min cannot read secrets \(GRANT SELECT ON "secrets" TO "cd_min";\)/);

    const noEval = await runCli(['scan', '--redis', redisUrl('cd_noeval'), '--pg', pgUrl('cd_min'), '--key', 'item:{id}', '--table', 'items']);
    assert.equal(noEval.code, 3, noEval.stderr);
    assert.match(noEval.stderr.trim(), /no permissions to run the 'eval_ro' command.*Least privilege/);

    // A command the read script calls: Redis does not name it, cachedoctor names the set.
    const noPttl = await runCli(['scan', '--redis', redisUrl('cd_nopttl'), '--pg', pgUrl('cd_min'), '--key', 'item:{id}', '--table', 'items']);
    assert.match(noPttl.stderr.trim(), /may not run a command the read script calls \(grant \+scan \+pttl \+getrange/);

    // Without GETRANGE the values cannot be read: an error, not every entry "undecodable" (which hid stale ones).
    const noGetrange = await runCli(['scan', '--redis', redisUrl('cd_nogetrange'), '--pg', pgUrl('cd_min'), '--key', 'item:{id}', '--table', 'items']);
    assert.equal(noGetrange.code, 3, noGetrange.stdout);
    assert.match(noGetrange.stderr.trim(), /may not run a command the read script calls/);

    const noMonitor = await runCli(['monitor', '--redis', redisUrl('cd_nomonitor'), '--match', 'item:*', '--duration', '1s']);
    assert.equal(noMonitor.code, 3, noMonitor.stderr);
    assert.match(noMonitor.stderr.trim(), /no permissions to run the '(monitor|client\|id)' command/);

    // Without PUBSUB, monitor --channel still watches: the count is asked only for --expect-subscribers, and when
    // that fails the --save file it opened is not left behind.
    const dir = mkdtempSync(join(tmpdir(), 'cd-priv-'));
    try {
      const watch = ['monitor', '--redis', redisUrl('cd_nopubsub'), '--match', 'item:*', '--duration', '300ms', '--channel', 'inv'];
      const noCount = await runCli([...watch, '--save', join(dir, 'a.log')]);
      assert.notEqual(noCount.code, 3, noCount.stderr);
      assert.equal(existsSync(join(dir, 'a.log')), true);
      const counted = await runCli([...watch, '--expect-subscribers', '1', '--save', join(dir, 'b.log')]);
      assert.equal(counted.code, 3, counted.stderr);
      assert.match(counted.stderr, /pubsub/i);
      assert.equal(existsSync(join(dir, 'b.log')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
