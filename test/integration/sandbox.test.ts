// The sandbox itself: real servers that answer, and nothing left behind after teardown, a signal or a kill.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Sandbox } from '../../src/sandbox/sandbox.js';

const HOLDER = fileURLToPath(new URL('../helpers/holdSandbox.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], dir: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pids.every((p) => !alive(p)) && !existsSync(dir)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`left behind: pids ${pids.filter(alive).join(',')} dir ${existsSync(dir) ? dir : '(gone)'}`);
}

/** Starts a sandbox in a child process and resolves with its folder and pids once it is ready. */
function holdInChild(): Promise<{ child: ReturnType<typeof spawn>; dir: string; pids: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...JSON.parse(line) });
    });
    child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
}

describe('sandbox', () => {
  it('starts redis, a primary and a streaming standby that replicates writes, and tears all down', async () => {
    const sb = await Sandbox.start();
    const pids = sb.pids();
    try {
      assert.equal(pids.length, 3);
      await sb.primary!.sql('CREATE TABLE t (id int); INSERT INTO t VALUES (42)');
      await sb.waitForCatchUp();
      const [row] = await sb.standby!.sql<{ id: number }>('SELECT id FROM t');
      assert.equal(row?.id, 42);
      const [rec] = await sb.standby!.sql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      assert.equal(rec?.r, true);
    } finally {
      await sb.teardown();
    }
    await waitGone(pids, sb.dir, 5000);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`removes every server and folder when its process gets ${signal}`, async () => {
      const { child, dir, pids } = await holdInChild();
      child.kill(signal);
      await waitGone(pids, dir);
    });
  }

  it('reaps a sandbox whose owner was killed with SIGKILL the next time one starts', async () => {
    const { child, dir, pids } = await holdInChild();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(pids.some(alive), 'servers outlive a SIGKILLed owner');
    const next = await Sandbox.start({ redis: true, postgres: false });
    await next.teardown();
    await waitGone(pids, dir);
  });
});
