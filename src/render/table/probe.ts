// probe as text: per replica, how long committed writes took to show there, and the window that follows.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../../core/envelope.js';
import type { ProbeData } from '../../core/probe.js';
import { type Cell, fitTable } from './fit.js';
import { renderFindings, renderVerdict } from './findings.js';

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

export function renderProbeTable(env: Envelope<ProbeData>, chalk: ChalkInstance, width: number): string {
  const out: string[] = [
    `${chalk.bold('Read-your-writes probe')}  ${env.count} write(s) to ${env.table}, ${env.intervalMs} ms apart, replicas polled every ${env.pollMs} ms`,
  ];
  const rows: Cell[][] = env.replicas.map((r) =>
    r.error !== null
      ? [r.replica, { span: chalk.red(r.error) }]
      : [
          r.replica,
          String(r.samplesMs.filter((x) => x !== null).length),
          r.spread ? ms(r.spread.median) : '-',
          r.spread ? ms(r.spread.p95) : '-',
          r.spread ? ms(r.spread.max) : '-',
          r.timeouts ? chalk.red(`${r.timeouts} (waited ${env.maxWaitMs / 1000} s)`) : '0',
        ],
  );
  const table = fitTable(['Replica', 'Writes seen', 'p50', 'p95', 'max', 'Not visible'], rows, width, chalk);
  out.push(table, '', renderFindings(env, chalk), '', `${chalk.bold('Advice')}: ${env.advice}`, '', renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}
