// Makes sure no sandbox outlives its owner: teardown on exit and signals, and reaping of sandboxes whose owner was killed.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SANDBOX_PREFIX = 'cachedoctor-sandbox-';
const PIDS_FILE = 'pids.json';

interface Tracked {
  dir: string;
  pids: () => number[];
}

const live = new Set<Tracked>();
let hooked = false;

/** Registers a sandbox folder and the pids living in it; records them on disk for the reaper. */
export function track(entry: Tracked, handleSignals: boolean): () => void {
  live.add(entry);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const t of live) reapDetached(t.dir, t.pids());
    });
  }
  if (handleSignals) installSignalHandlers();
  return () => live.delete(entry);
}

export function recordPids(dir: string, pids: number[]): void {
  writeFileSync(join(dir, PIDS_FILE), JSON.stringify({ owner: process.pid, pids }));
}

let signalsInstalled = false;
function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      // The 'exit' hook tears everything down; exit with the conventional code for the signal.
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/**
 * Hands teardown to a detached shell that outlives us: quit the servers, wait for them, remove the folder.
 * Used at process exit, when there is no time left to wait asynchronously.
 */
function reapDetached(dir: string, pids: number[]): void {
  const list = pids.join(' ');
  const script = `for p in ${list}; do kill -QUIT $p 2>/dev/null; done; for i in $(seq 1 100); do alive=0; for p in ${list}; do kill -0 $p 2>/dev/null && alive=1; done; [ $alive = 0 ] && break; sleep 0.1; done; for p in ${list}; do kill -KILL $p 2>/dev/null; done; rm -rf "$1"`;
  try {
    spawn('sh', ['-c', script, 'reaper', dir], { detached: true, stdio: 'ignore' }).unref();
  } catch {
    // Nothing more can be done while exiting.
  }
}

/** Removes sandboxes left behind by owners that were killed (SIGKILL, a crash): their servers and folders. */
export function reapOrphans(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(SANDBOX_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    const file = join(dir, PIDS_FILE);
    if (!existsSync(file)) continue;
    let record: { owner: number; pids: number[] };
    try {
      record = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (isAlive(record.owner)) continue;
    // Only signal processes that really belong to this folder: pids get reused.
    const ours = record.pids.filter((pid) => isAlive(pid) && belongsTo(pid, dir));
    reapDetached(dir, ours);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Servers run with their working directory inside the sandbox folder (redis --dir, postgres -D). */
function belongsTo(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
  } catch {
    return false;
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
