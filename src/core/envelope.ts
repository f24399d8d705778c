// The JSON envelope all commands share; its schema lives in src/report/envelope.schema.json.
import { EXIT } from '../errors.js';
import { type Finding, type Severity, bySeverity, failsAt } from './findings.js';

/** What a command returns: its findings, a summary, and its own fields. Rendering and exit codes come later. */
export interface CommandResult<Data extends object = object> {
  command: string;
  summary: Record<string, unknown>;
  findings: Finding[];
  /** The lowest severity that makes the run fail (exit 1). */
  failOn: Severity;
  /** False when the run was cut short (Ctrl-C, a source lost mid-way): the report covers what was done. */
  complete: boolean;
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
} & Data;

export function exitCodeOf(findings: readonly Finding[], failOn: Severity): number {
  return findings.some((f) => failsAt(f, failOn)) ? EXIT.findings : EXIT.healthy;
}

export function toEnvelope<Data extends object>(result: CommandResult<Data>, version: string, now: Date): Envelope<Data> {
  const exitCode = exitCodeOf(result.findings, result.failOn);
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
    ...result.data,
  };
}
