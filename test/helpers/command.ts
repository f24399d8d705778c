// Runs a command in-process, as cli.ts would (the same typed parse, then run), and returns its envelope.
import { COMMANDS } from '../../src/commands/index.js';
import { configName, type Flags, resolveSettings } from '../../src/config/resolve.js';
import { type Envelope, toEnvelope } from '../../src/core/envelope.js';
import { Output } from '../../src/output.js';

export interface Captured {
  stdout: string;
  stderr: string;
}

export async function runInProcess<Data extends object>(
  name: string,
  flags: Flags,
  options: Record<string, unknown> = {},
  signal: AbortSignal = new AbortController().signal,
  /** A config file's content, as loadConfigFile would give it. */
  file: Parameters<typeof resolveSettings>[2] = { path: null, config: {} },
): Promise<{ env: Envelope<Data>; captured: Captured }> {
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new Error(`no command ${name}`);
  const captured: Captured = { stdout: '', stderr: '' };
  const settings = resolveSettings(flags, {}, file);
  const out = new Output(settings.secrets, {
    out: { write: (t: string) => (captured.stdout += t) },
    err: { write: (t: string) => (captured.stderr += t) },
  });
  const opts = spec.parse({ flags: options, config: file.config, configName: configName(file.path) });
  const result = await (await spec.load())({ settings, out, signal, now: () => new Date() }, opts);
  return { env: toEnvelope(result, 'test', new Date(), signal.aborted) as Envelope<Data>, captured };
}
