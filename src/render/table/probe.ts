// probe as text: per replica, how long committed writes took to show there, and the window that follows.
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Envelope } from '../../core/envelope.js';
import type { ProbeData } from '../../core/probe.js';
import { renderFindings, renderVerdict } from './findings.js';

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

export function renderProbeTable(env: Envelope<ProbeData>, chalk: ChalkInstance): string {
  const out: string[] = [
    `${chalk.bold('Read-your-writes probe')}  ${env.count} write(s) to ${env.table}, ${env.intervalMs} ms apart, replicas polled every ${env.pollMs} ms`,
  ];
  const table = new Table({
    head: ['Replica', 'Writes seen', 'p50', 'p95', 'max', 'Not visible'],
    style: { head: chalk.level > 0 ? ['bold'] : [], border: chalk.level > 0 ? ['grey'] : [] },
  });
  for (const r of env.replicas) {
    if (r.error !== null) table.push([r.replica, { colSpan: 5, content: chalk.red(r.error) }]);
    else
      table.push([
        r.replica,
        String(r.samplesMs.filter((x) => x !== null).length),
        r.spread ? ms(r.spread.median) : '-',
        r.spread ? ms(r.spread.p95) : '-',
        r.spread ? ms(r.spread.max) : '-',
        r.timeouts ? chalk.red(`${r.timeouts} (waited ${env.maxWaitMs / 1000} s)`) : '0',
      ]);
  }
  out.push(table.toString(), '', renderFindings(env, chalk), '', `${chalk.bold('Advice')}: ${env.advice}`, '', renderVerdict(env, chalk));
  return `${out.join('\n')}\n`;
}
