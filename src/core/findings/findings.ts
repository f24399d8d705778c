// The finding shape every command reports, and the rule that turns findings into an exit code.
import { FINDING_KINDS, type FindingKind } from './kinds.js';
export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  message: string;
  fix?: string;
  [field: string]: unknown;
}

/** A finding of `kind`, with its one severity and (unless it brings a more specific one) its usual fix. */
export function finding(kind: FindingKind, message: string, fields: Readonly<Record<string, unknown>> = {}): Finding {
  const spec = FINDING_KINDS[kind];
  const fix = typeof fields.fix === 'string' ? fields.fix : spec.fix;
  return { kind, severity: spec.severity, message, ...fields, ...(fix ? { fix } : {}) };
}

const RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** True when a finding is at or above the level that fails the run. */
export function failsAt(finding: Finding, failOn: Severity): boolean {
  return RANK[finding.severity] >= RANK[failOn];
}

/** Most severe first; stable within a severity. */
export function bySeverity(a: Finding, b: Finding): number {
  return RANK[b.severity] - RANK[a.severity];
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/** Findings counted by kind (listed or not) as counts by severity: each kind has one severity. */
export function severitiesOfCounts(counts: Partial<Record<FindingKind, number>>): Record<Severity, number> {
  const out: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const [kind, n] of Object.entries(counts) as [FindingKind, number][]) out[FINDING_KINDS[kind].severity] += n;
  return out;
}

/** Findings counted by kind. */
export function countByKind(findings: readonly Finding[]): Partial<Record<FindingKind, number>> {
  const out: Partial<Record<FindingKind, number>> = {};
  for (const f of findings) out[f.kind] = (out[f.kind] ?? 0) + 1;
  return out;
}

/** Two counts by kind, added. */
export function addCounts(a: Partial<Record<FindingKind, number>>, b: Partial<Record<FindingKind, number>>): Partial<Record<FindingKind, number>> {
  const out = { ...a };
  for (const [kind, n] of Object.entries(b) as [FindingKind, number][]) out[kind] = (out[kind] ?? 0) + n;
  return out;
}

/** True when some kind counted is at or above the level that fails the run (listed or not). */
export function countsFailAt(counts: Partial<Record<FindingKind, number>>, failOn: Severity): boolean {
  return (Object.entries(counts) as [FindingKind, number][]).some(([kind, n]) => n > 0 && RANK[FINDING_KINDS[kind].severity] >= RANK[failOn]);
}
