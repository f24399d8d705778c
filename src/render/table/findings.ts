// The findings block shared by every command's table output.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../../core/envelope.js';
import { SEVERITIES } from '../../core/findings/findings.js';
import { EXIT } from '../../errors.js';
import { plural } from '../../core/plural.js';
import { severityLabel } from '../colour.js';
import { severityTotals } from '../../core/findings/totals.js';

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
  const c = severityTotals(env);
  // "critical" and "info" read as adjectives ("2 critical"); only "warning" takes a plural.
  const counts = SEVERITIES.filter((s) => c[s] > 0)
    .map((s) => (s === 'warning' ? plural(c[s], s) : `${c[s]} ${s}`))
    .join(', ');
  const exit = chalk.dim(` (exit ${env.exitCode})`);
  // A run cut short proves less than "OK" says, and does not pass.
  if (!env.complete && env.exitCode === EXIT.interrupted) {
    return chalk.yellow.bold(`INCOMPLETE: stopped before it finished; nothing over the threshold in what was checked${counts ? ` (${counts})` : ''}`) + exit;
  }
  if (env.ok) return chalk.green(`OK${counts ? ` (${counts})` : ''}`);
  const incomplete = env.complete ? '' : ` (incomplete: ${env.error?.message ?? 'it stopped before it finished'})`;
  return chalk.red.bold(`FAIL: ${counts || 'the run did not finish'}${incomplete}`) + exit;
}
