// Runs `cachedoctor serve` as a subprocess on a free port, for tests that scrape it and then stop it.
import { type CliRun, runCli } from './cli.js';

export interface Serving {
  url: string;
  stderr: () => string;
  stop: (sig?: NodeJS.Signals) => Promise<CliRun & { stopMs: number }>;
}

/** Starts serve on a free port; resolves once it says where it listens. */
export function startServe(args: string[]): Promise<Serving> {
  return new Promise((resolve, reject) => {
    let kill: ((sig: NodeJS.Signals) => void) | null = null;
    let text = '';
    let stopAt = 0;
    let told = false;
    const done = runCli(['serve', '--listen', '127.0.0.1:0', ...args], {
      onStart: (k) => {
        kill = k;
      },
      onStderr: (s) => {
        text = s;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(s);
        if (m && !told) {
          told = true;
          resolve({
            url: m[1]!,
            stderr: () => text,
            stop: async (sig = 'SIGTERM') => {
              stopAt = Date.now();
              kill!(sig);
              const run = await done;
              return { ...run, stopMs: Date.now() - stopAt };
            },
          });
        }
      },
    });
    void done.then((run) => {
      if (!told) reject(new Error(`serve ended before listening (exit ${run.code}):\n${run.stderr}`));
    });
  });
}
