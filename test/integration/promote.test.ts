// A failover during lag --watch: the standby promoted to a primary of its own is reported as a finding (it is
// no longer a replica, and the primary lost it), not a crash. Its own sandbox: the pair does not survive this.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LagData } from '../../src/core/lag/lagReport.js';
import { runInProcess } from '../helpers/command.js';
import { useSandbox } from '../helpers/sandbox.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const sandbox = useSandbox({ redis: false });

describe('lag --watch across a failover', () => {
  it('the standby promoted mid-watch is reported (not-replica, and gone from the primary), exit 1, no crash', async () => {
    const sb = await sandbox.ready();
    const watching = runInProcess<LagData>(
      'lag',
      { pg: sb.primaryUrl, replica: [sb.standbyUrl], timeout: '2000ms' },
      { watch: true, interval: '200ms', duration: '3s' },
    );
    await new Promise((r) => setTimeout(r, 1000));
    await sb.promoteStandby();
    const { env } = await watching;
    assertMatchesSchema(JSON.parse(JSON.stringify(env)));
    assert.equal(env.exitCode, 1);
    assert.equal(env.complete, true);
    const kinds = new Set(env.findings.map((f) => f.kind));
    assert.ok(kinds.has('not-replica'), [...kinds].join(', '));
    assert.match(env.findings.find((f) => f.kind === 'not-replica')!.message, /not in recovery|not a replica|promoted/i);
    assert.ok((env.watch?.samples.length ?? 0) >= 8, `${env.watch?.samples.length} samples`);
  });
});
