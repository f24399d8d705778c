// Runs a command in-process, as cli.ts would, and returns its envelope.
import { resolveSettings, type Flags } from '../../src/config/resolve.js';
import type { CommandRunner } from '../../src/commands/context.js';
import { type Envelope, toEnvelope } from '../../src/core/envelope.js';
import { Output } from '../../src/output.js';

export interface Captured {
  stdout: string;
  stderr: string;
}

export async function runInProcess<Data extends object>(
  runner: CommandRunner,
  flags: Flags,
  options: Record<string, unknown> = {},
  signal: AbortSignal = new AbortController().signal,
  /** A config file's content, as loadConfigFile would give it. */
  file: Parameters<typeof resolveSettings>[2] = { path: null, config: {} },
): Promise<{ env: Envelope<Data>; captured: Captured }> {
  const captured: Captured = { stdout: '', stderr: '' };
  const settings = resolveSettings(flags, {}, file);
  const out = new Output(settings.secrets, { out: { write: (t: string) => (captured.stdout += t) }, err: { write: (t: string) => (captured.stderr += t) } });
  const result = await runner({ settings, options, out, signal, now: () => new Date() });
  return { env: toEnvelope(result, 'test', new Date()) as Envelope<Data>, captured };
}
