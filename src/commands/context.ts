// What every command receives from cli.ts besides its own typed options: resolved settings, the output, and a stop signal.
import type { Settings } from '../config/resolve.js';
import type { Output } from '../output.js';

export interface CommandContext {
  settings: Settings;
  out: Output;
  /** Aborted on Ctrl-C / SIGTERM: stop, close connections, return what was done. */
  signal: AbortSignal;
  now: () => Date;
}
