// The findings block shared by every command's table output.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../../core/envelope.js';
import { countBySeverity, SEVERITIES } from '../../core/findings.js';
import { plural } from '../../core/plural.js';
import { severityLabel } from '../colour.js';

export function renderFindings(env: Envelope, chalk: ChalkInstance): string {
  if (env.findings.length === 0) return chalk.green('No findings.');
  const lines = [chalk.bold('Findings')];
  for (const f of env.findings) {
    lines.push(`  ${severityLabel(chalk, f.severity)} ${chalk.bold(f.kind)}: ${f.message}`);
    if (typeof f.fix === 'string') lines.push(`    ${chalk.dim('fix:')} ${f.fix}`);
  }
  return lines.join('\n');
}

/** The closing line: what the exit code means, in words. */
export function renderVerdict(env: Envelope, chalk: ChalkInstance): string {
  const c = countBySeverity(env.findings);
  // "critical" and "info" read as adjectives ("2 critical"); only "warning" takes a plural.
  const counts = SEVERITIES.filter((s) => c[s] > 0)
    .map((s) => (s === 'warning' ? plural(c[s], s) : `${c[s]} ${s}`))
    .join(', ');
  const partial = env.complete ? '' : ' (incomplete: the run was cut short)';
  // A run cut short proves less than "OK" says.
  if (env.ok && !env.complete) return chalk.yellow(`Nothing over the threshold in what was checked${counts ? ` (${counts})` : ''}${partial}`);
  if (env.ok) return chalk.green(`OK${counts ? ` (${counts})` : ''}`);
  return chalk.red.bold(`FAIL: ${counts}${partial}`) + chalk.dim(` (exit ${env.exitCode})`);
}
