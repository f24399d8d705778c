// Renderers are a registry: a format name maps to (envelope) => text; table output picks the command's own layout.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../core/envelope.js';
import type { LagData } from '../core/lag/lagReport.js';
import { renderJson } from './json.js';
import { renderPrometheus } from './prometheus.js';
import { renderReportTable } from './table/report.js';
import { renderProbeTable } from './table/probe.js';
import type { ProbeData } from '../core/probe.js';
import type { ReportData } from '../core/report/reportResult.js';
import type { DemoData } from '../core/demo.js';
import { renderDemoTable } from './table/demo.js';
import { renderLagTable } from './table/lag.js';
import { renderScanTable } from './table/scan.js';
import { renderMonitorTable } from './table/monitor.js';
import type { MonitorData } from '../core/monitor/monitorReport.js';
import type { ScanData } from '../core/scan/scanReport.js';

export const FORMATS = ['table', 'json', 'prometheus'] as const;
export type Format = (typeof FORMATS)[number];

type TableRenderer = (env: Envelope<never>, chalk: ChalkInstance) => string;

const TABLES: Record<string, TableRenderer> = {
  lag: (env, chalk) => renderLagTable(env as Envelope<LagData>, chalk),
  scan: (env, chalk) => renderScanTable(env as Envelope<ScanData>, chalk),
  monitor: (env, chalk) => renderMonitorTable(env as Envelope<MonitorData>, chalk),
  probe: (env, chalk) => renderProbeTable(env as Envelope<ProbeData>, chalk),
  report: (env, chalk) => renderReportTable(env as Envelope<ReportData>, chalk),
  demo: (env, chalk) => renderDemoTable(env as Envelope<DemoData>, chalk, (step) => render('table', step, chalk)),
};

export function render(format: Format, env: Envelope, chalk: ChalkInstance): string {
  if (format === 'json') return renderJson(env);
  if (format === 'prometheus') {
    if (env.command !== 'report') throw new Error(`no prometheus renderer for command ${env.command}`);
    return renderPrometheus(env as Envelope<ReportData>);
  }
  const table = TABLES[env.command];
  if (!table) throw new Error(`no table renderer for command ${env.command}`);
  return table(env as Envelope<never>, chalk);
}
