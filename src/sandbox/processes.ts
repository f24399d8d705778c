// Child processes of the sandbox: spawned with their output in a log file, run as `postgres` when we are root.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface RunAs {
  uid: number;
  gid: number;
  home: string;
}

let postgresUser: RunAs | null | undefined;

/** PostgreSQL refuses to run as root: when we are root, its binaries run as the `postgres` OS user. */
export function postgresRunAs(): RunAs | null {
  if (postgresUser !== undefined) return postgresUser;
  if (process.getuid?.() !== 0) {
    postgresUser = null;
    return postgresUser;
  }
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    postgresUser = { uid, gid, home: '/tmp' };
    return postgresUser;
  } catch {
    throw new Error('sandbox: running as root, and there is no `postgres` OS user to run PostgreSQL as (create one, or run as a normal user)');
  }
}

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<string>;
  hasExited(): boolean;
}

export function spawnManaged(name: string, cmd: string, args: string[], logFile: string, runAs: RunAs | null): Managed {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    stdio: ['ignore', fd, fd],
    // Its own process group: a Ctrl-C in the terminal reaches us, and we stop the servers in order.
    detached: true,
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid, env: { ...process.env, HOME: runAs.home } } : {}),
  });
  closeSync(fd);
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ?? String(code));
    });
    child.once('error', (err) => {
      done = true;
      resolve(`spawn error: ${err.message}`);
    });
  });
  return { name, child, logFile, exited, hasExited: () => done };
}

/** Sends `signal` and waits; escalates to SIGKILL after `graceMs`. */
export async function stopManaged(p: Managed, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (p.hasExited()) return;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** Runs a command to completion in its own process group; rejects with its output when it fails. */
export function run(cmd: string, args: string[], runAs: RunAs | null, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid, env: { ...process.env, HOME: runAs.home } } : {}),
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`sandbox: ${cmd.split('/').pop()} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`sandbox: ${cmd.split('/').pop()} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${out.trim()}`));
    });
  });
}

/** The last lines of a log file, for error messages when a server would not start. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `ready` until it returns true; fails fast with the log tail when the process exits first. */
export async function waitFor(ready: () => Promise<boolean>, proc: Managed, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`sandbox: ${what} exited (${await proc.exited}) before it was ready:\n${logTail(proc.logFile)}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sandbox: ${what} not ready after ${timeoutMs} ms:\n${logTail(proc.logFile)}`);
}
