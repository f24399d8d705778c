// Runs the built CLI (bin/cachedoctor.js) as a subprocess, the way users and CI do.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/cachedoctor.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    onStart?: (kill: (sig: NodeJS.Signals) => void) => void;
    /** Called with everything on stderr so far, after each chunk. */
    onStderr?: (stderr: string, kill: (sig: NodeJS.Signals) => void) => void;
    closeStdoutAfterFirstChunk?: boolean;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      // Like `| head -1`: the reader goes away while the writer still has output.
      if (opts.closeStdoutAfterFirstChunk) child.stdout.destroy();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, (sig) => child.kill(sig));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
    opts.onStart?.((sig) => child.kill(sig));
  });
}

/** Parses stdout as exactly one JSON document (throws, failing the test, if there is anything else). */
export function parseJson<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch (err) {
    throw new Error(`stdout is not one JSON document: ${String(err)}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  }
}
