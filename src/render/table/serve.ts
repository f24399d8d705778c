// serve as text, once it has stopped: how long it served, and how each part went.
import type { ChalkInstance } from 'chalk';
import type { ServeData } from '../../core/serve/serveData.js';
import type { Envelope } from '../../core/envelope.js';
import { type Cell, fitTable } from './fit.js';

export function renderServeTable(env: Envelope<ServeData>, chalk: ChalkInstance, width: number): string {
  const rows: Cell[][] = env.parts.map((p) =>
    p.off !== null
      ? [p.part, { span: chalk.dim(`not run: ${p.off}`) }]
      : [
          p.part,
          String(p.runs),
          p.errors > 0 ? chalk.yellow(String(p.errors)) : '0',
          p.up === null ? '-' : p.up ? 'up' : chalk.red('down'),
          p.lastError ?? '-',
        ],
  );
  const v = env.lastVerdict;
  const verdict =
    v === null
      ? chalk.dim('none yet (a part had not run)')
      : v.ok
        ? chalk.green('ok: no finding at or above --fail-on, every part up')
        : chalk.red(
            `not ok${v.exitCode === 3 ? ', a part down' : ''} (exit ${v.exitCode}): ${v.findings.critical} critical, ${v.findings.warning} warning, ${v.findings.info} info`,
          );
  const out = [
    `${chalk.bold('Served')}  ${env.url}/metrics for ${env.seconds} s, ${env.scrapes} scrape(s)`,
    `${chalk.bold('Last verdict')}  ${verdict}`,
    fitTable(['Part', 'Runs', 'Failed', 'Last', 'Last error'], rows, width, chalk),
  ];
  return `${out.join('\n')}\n`;
}
