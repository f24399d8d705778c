// Colour is decided once: --no-color, NO_COLOR and a non-terminal stdout all turn it off.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Severity } from '../core/findings/findings.js';

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

export function severityLabel(chalk: ChalkInstance, severity: Severity): string {
  const text = severity.toUpperCase();
  if (severity === 'critical') return chalk.red.bold(text);
  if (severity === 'warning') return chalk.yellow(text);
  return chalk.cyan(text);
}
