// The JSON envelope all commands share; its schema lives in src/schema/envelope.schema.json.
import { EXIT } from '../errors.js';
import type { ProposedMapping } from './discover/propose.js';
import { bySeverity, type Finding, failsAt, type Severity } from './findings/findings.js';
import type { FindingKind } from './findings/kinds.js';

/** What a command returns: its findings, a summary, and its own fields. Rendering and exit codes come later. */
export interface CommandResult<Data extends object = object> {
  command: string;
  summary: Record<string, unknown>;
  findings: Finding[];
  /** Findings over the command's threshold: exit 1. Each command decides (lag: a severity; scan: stale counts). */
  fails: boolean;
  /** False when the run was cut short (Ctrl-C, a source lost mid-way): the report covers what was done. */
  complete: boolean;
  /** Every finding counted by kind, listed or not (a command that caps its list counts them here); absent: the list is complete. */
  counts?: Partial<Record<FindingKind, number>>;
  /** A source lost mid-way: the partial report still prints, and the exit code says 3. */
  sourceFailure?: { message: string; server?: 'redis' | 'postgres' | null };
  /** Run with no mapping given: the mappings it discovered (high confidence only), as a config file has them. */
  discovered?: ProposedMapping[];
  data: Data;
}

export type Envelope<Data extends object = object> = {
  tool: 'cachedoctor';
  version: string;
  command: string;
  generatedAt: string;
  ok: boolean;
  exitCode: number;
  complete: boolean;
  summary: Record<string, unknown>;
  findings: Finding[];
  /** Present when the command could not finish or could not run (see the schema). */
  error?: { kind: string; message: string };
  discovered?: ProposedMapping[];
} & Data;

/** The usual rule: any finding at or above `failOn`. */
export function anyAtOrAbove(findings: readonly Finding[], failOn: Severity): boolean {
  return findings.some((f) => failsAt(f, failOn));
}

/**
 * The exit code: a source lost (3), else findings over the threshold (1), else a run that did not finish: 130 when
 * Ctrl-C or SIGTERM stopped it, 1 when it stopped itself (a guard, said in a finding). An incomplete run never passes.
 */
export function exitCodeOf(result: CommandResult, interrupted: boolean): number {
  if (result.sourceFailure) return EXIT.source;
  if (result.fails) return EXIT.findings;
  if (!result.complete) return interrupted ? EXIT.interrupted : EXIT.findings;
  return EXIT.healthy;
}

export function toEnvelope<Data extends object>(result: CommandResult<Data>, version: string, now: Date, interrupted = false): Envelope<Data> {
  const exitCode = exitCodeOf(result, interrupted);
  return {
    tool: 'cachedoctor',
    version,
    command: result.command,
    generatedAt: now.toISOString(),
    ok: exitCode === EXIT.healthy,
    exitCode,
    complete: result.complete,
    summary: result.summary,
    findings: [...result.findings].sort(bySeverity),
    ...(result.sourceFailure ? { error: { kind: 'source', message: result.sourceFailure.message } } : {}),
    ...(result.discovered ? { discovered: result.discovered } : {}),
    ...result.data,
  };
}
