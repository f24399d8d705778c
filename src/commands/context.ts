// What every command receives from cli.ts: resolved settings, its own raw options, the output, and a stop signal.
import type { Settings } from '../config/resolve.js';
import type { CommandResult } from '../core/envelope.js';
import type { Output } from '../output.js';

export interface CommandContext {
  settings: Settings;
  /** The command's own options as commander parsed them. */
  options: Record<string, unknown>;
  out: Output;
  /** Aborted on Ctrl-C / SIGTERM: stop, close connections, return what was done. */
  signal: AbortSignal;
  now: () => Date;
}

export type CommandRunner = (ctx: CommandContext) => Promise<CommandResult>;
