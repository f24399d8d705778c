// The finding shape every command reports, and the rule that turns findings into an exit code.
export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

export interface Finding {
  kind: string;
  severity: Severity;
  message: string;
  [field: string]: unknown;
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
