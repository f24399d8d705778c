// What the renderers count: findings by severity, from the command's totals where it keeps them.
import type { Envelope } from '../envelope.js';
import { countBySeverity, SEVERITIES, type Severity } from './findings.js';

/** Findings by severity, listed or not: the command's own totals when it counts them (it lists --max-listed per kind). */
export function severityTotals(env: Envelope): Record<Severity, number> {
  const s = env.summary;
  if (SEVERITIES.every((k) => typeof s[k] === 'number')) return { critical: s.critical as number, warning: s.warning as number, info: s.info as number };
  return countBySeverity(env.findings);
}
