// The demo as a story: each step's title and explanation, then that step's own report.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../../core/envelope.js';
import type { DemoData } from '../../core/demo.js';
import { renderVerdict } from './findings.js';

export function renderDemoTable(env: Envelope<DemoData>, chalk: ChalkInstance, renderStep: (step: Envelope) => string): string {
  const out: string[] = [];
  for (const step of env.steps) {
    out.push(chalk.bold.underline(step.title), step.explanation, '', chalk.dim(`$ ${step.command}`), renderStep(step.report));
  }
  out.push(env.ok ? chalk.green('Demo complete: cachedoctor found what was staged.') : renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}
