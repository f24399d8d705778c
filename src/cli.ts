// The command-line entry: builds the command table, runs one command, renders it, and is the ONLY place that sets the exit code.
import { format } from 'node:util';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMMANDS, type CommandSpec } from './commands/index.js';
import { loadConfigFile } from './config/loadFile.js';
import { collectSecrets, configName, type Flags, resolveSettings } from './config/resolve.js';
import { type Envelope, toEnvelope } from './core/envelope.js';
import { CachedoctorError, EXIT, UsageError } from './errors.js';
import { GLOBAL } from './options/catalog.js';
import { describe } from './options/help.js';
import type { OptionSet } from './options/spec.js';
import { Output } from './output.js';
import { makeChalk } from './render/colour.js';
import { FORMATS, type Format } from './render/formats.js';
import { render } from './render/render.js';
import { VERSION } from './version.js';

const EXIT_HELP = `
Exit codes:
  0    healthy: no finding at or above the failing severity
  1    findings over the threshold
  2    usage or configuration error
  3    a data source (Redis, PostgreSQL) could not be reached or queried
  70   internal error (a bug: please report it with --verbose output)
  130  interrupted (Ctrl-C or SIGTERM): what was checked is printed, but an incomplete run never passes`;

/** Exit code for errors that are bugs, not the user's or the servers' fault (EX_SOFTWARE). */
const EXIT_INTERNAL = 70;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Secrets known before any parsing (URLs in argv and the environment) are masked from the very first line.
  const out = new Output(collectSecrets([...argv, env.REDIS_URL, env.DATABASE_URL, ...(env.CACHEDOCTOR_REPLICA_URLS?.split(',') ?? [])], env));
  // Libraries that print on their own (ioredis warns with console.warn) go through the same one-line, scrubbed
  // path, each distinct line once (every connection would repeat it), in cachedoctor's words where we know them.
  const said = new Set<string>();
  const libraryNote = (...args: unknown[]) => {
    const line = libraryLine(format(...args));
    if (said.has(line)) return;
    said.add(line);
    out.note(`cachedoctor: ${line}`);
  };
  const { warn, error } = console;
  console.warn = libraryNote;
  console.error = libraryNote;
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      out.note(`cachedoctor: ${sig} again, exiting now`);
      process.exit(EXIT.interrupted);
    }
    controller.abort();
    // Said only if stopping takes a moment (a --watch report to print): a quick stop needs no commentary.
    setTimeout(() => out.note(`cachedoctor: ${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping (press again to quit at once)`), 500).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `cachedoctor ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });

  let json = argv.includes('--json') || argv.includes('--format=json') || argv[argv.indexOf('--format') + 1] === 'json';
  let verbose = argv.includes('--verbose');
  let exitCode: number = EXIT.healthy;
  try {
    const program = buildProgram(out, async (spec, command) => {
      const flags = command.optsWithGlobals() as Flags & { config?: string; json?: boolean; format?: unknown };
      const format = formatOf(flags);
      json = format === 'json';
      verbose = flags.verbose === true;
      const file = loadConfigFile(flags.config, process.cwd());
      const settings = resolveSettings(flags, env, file);
      out.addSecrets(settings.secrets);
      // Every option typed and checked before anything connects: a bad value is exit 2, with nothing touched.
      const opts = spec.parse({ flags: command.opts(), config: file.config, configName: configName(file.path) });
      out.progressOn = !json && process.stderr.isTTY === true && command.opts().quiet !== true;
      out.progressWidth = process.stderr.columns || 80;
      out.verbose = settings.verbose;
      const run = await spec.load();
      const result = await run({ settings, out, signal: controller.signal, now: () => new Date() }, opts);
      const envelope = toEnvelope(result, VERSION, new Date(), controller.signal.aborted);
      const useColour = settings.color && !json && process.stdout.isTTY === true;
      out.result(render(format, out.scrubValue(envelope), { chalk: makeChalk(useColour), width: terminalWidth() }));
      // A source lost mid-way: the partial report is out; the one-line reason goes to stderr as for any error.
      if (envelope.error) out.note(`cachedoctor: ${envelope.error.message}`);
      exitCode = envelope.exitCode;
    });
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      exitCode = EXIT.usage;
    } else {
      await program.parseAsync(argv);
    }
  } catch (err) {
    exitCode = reportError(err, out, { json, verbose, argv });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    console.warn = warn;
    console.error = error;
  }
  process.exitCode = exitCode;
  // Everything we opened is closed. Once the output has reached the reader (a pipe takes 64 KiB at a time:
  // `--json | jq` must get all of it), exit: library housekeeping (redis-parser shrinks its buffer pool on a
  // 50 ms interval for a second or more) must not keep an on-call engineer's terminal waiting.
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(exitCode);
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else {
      stream.once('drain', () => resolve());
      // A reader that went away (EPIPE) never drains; the error handler exits.
      stream.once('error', () => resolve());
    }
  });
}

/** --format (report), with --json as its short form; checked before anything connects. */
function formatOf(flags: { json?: boolean; format?: unknown }): Format {
  if (flags.format === undefined) return flags.json === true ? 'json' : 'table';
  const format = String(flags.format);
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected ${FORMATS.join(', ')}, got "${format}"`);
  if (flags.json === true && format !== 'json') throw new UsageError(`--json and --format ${format} do not go together`);
  return format as Format;
}

type Action = (spec: CommandSpec, command: Command) => Promise<void>;

function buildProgram(out: Output, action: Action): Command {
  const program = new Command('cachedoctor')
    .description('Find why a Redis + PostgreSQL cache-aside system serves stale data.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText('after', `\nExamples:\n${COMMANDS.flatMap((c) => c.examples.slice(0, 1).map((e) => `  ${e}`)).join('\n')}\n${EXIT_HELP}`)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.result(s),
      writeErr: (s) => out.note(s.trimEnd()),
      outputError: (s, write) =>
        write(
          `cachedoctor: ${s
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')} (see --help)`,
        ),
    });
  addOptions(program, GLOBAL);
  for (const spec of COMMANDS) {
    const cmd = program
      .command(spec.name)
      .summary(spec.summary)
      .description(spec.summary)
      .addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n${spec.exitCodes ?? EXIT_HELP}`)
      .exitOverride()
      .configureOutput(program.configureOutput())
      .action(async (_opts: unknown, command: Command) => action(spec, command));
    addOptions(cmd, spec.options);
  }
  return program;
}

function addOptions(command: Command, set: OptionSet): void {
  for (const spec of Object.values(set)) {
    const option = new Option(spec.flags, describe(spec));
    if (spec.repeatable) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    else if (option.required) {
      // The same option twice is almost always a paste mistake; silently taking the last one hides it.
      option.argParser((value: string, previous: string | undefined) => {
        if (previous !== undefined) throw new InvalidArgumentError('given more than once');
        return value;
      });
    }
    command.addOption(option);
  }
}

/** One line on stderr (and an error envelope on stdout with --json); a stack only with --verbose. */
function reportError(err: unknown, out: Output, mode: { json: boolean; verbose: boolean; argv: string[] }): number {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed them.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.healthy;
    if (mode.json)
      out.result(
        JSON.stringify(out.scrubValue(errorEnvelope(mode.argv, EXIT.usage, 'usage', err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '))), null, 2),
      );
    return EXIT.usage;
  }
  const known = err instanceof CachedoctorError;
  const exitCode = known ? err.exitCode : EXIT_INTERNAL;
  const line = known ? err.line : `unexpected error: ${(err as Error)?.message ?? String(err)} (a bug: please report it; --verbose shows the stack)`;
  out.note(`cachedoctor: ${line}`);
  if (mode.verbose) {
    // Known errors already say what happened; show what the driver said underneath. Bugs get their stack.
    if (known) for (const cause of causes(err)) out.note(`  caused by: ${cause}`);
    else if (err instanceof Error && err.stack) out.note(err.stack);
  }
  if (mode.json) out.result(JSON.stringify(out.scrubValue(errorEnvelope(mode.argv, exitCode, known ? err.kind : 'internal', line)), null, 2));
  return exitCode;
}

/** The messages of an error's cause chain, innermost last. */
function causes(err: unknown): string[] {
  const out: string[] = [];
  for (let c = (err as Error).cause; c !== undefined && c !== null && out.length < 5; c = (c as Error).cause) {
    const e = c as Error & { code?: string };
    out.push(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(c)}`);
  }
  return out;
}

function errorEnvelope(argv: string[], exitCode: number, kind: string, message: string): Envelope<{ error: { kind: string; message: string } }> {
  return {
    tool: 'cachedoctor',
    version: VERSION,
    command: argv.slice(2).find((a) => COMMANDS.some((c) => c.name === a)) ?? '',
    generatedAt: new Date().toISOString(),
    ok: false,
    exitCode,
    complete: false,
    summary: {},
    findings: [],
    error: { kind, message },
  };
}

/** A library's warning as one line; ioredis' skipped ready check (a user without +info) in words that say what to do. */
export function libraryLine(text: string): string {
  const line = text.replace(/^\[WARN\] /, '').replace(/\s*\n\s*/g, ' ');
  if (/Skipping the ready check because INFO command fails/.test(line)) {
    return 'the Redis user cannot run INFO, so connections skip their ready check (a server still loading its data may answer LOADING); grant +info to silence this';
  }
  return line;
}

/** Columns to fit output to: $COLUMNS when set (as ls and git honour it), else the terminal's, else 160 (a pipe or a
 * CI log, which is read in a wide viewer). */
function terminalWidth(): number {
  const fromEnv = Number(process.env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv >= 40) return fromEnv;
  return process.stdout.columns || 160;
}
