// Renderers are a registry: a format name maps to (envelope) => text; table output picks the command's own layout.
import type { ChalkInstance } from 'chalk';
import type { Envelope } from '../core/envelope.js';
import type { LagData } from '../core/lag/lagReport.js';
import type { Format } from './formats.js';
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
import { renderFollowTable } from './table/follow.js';
import type { FollowData } from '../core/follow/followData.js';
import type { MonitorData } from '../core/monitor/monitorReport.js';
import type { ScanData } from '../core/scan/scanReport.js';
import type { InitData } from '../core/discover/initData.js';
import { renderInitTable } from './table/init.js';
import { renderServeTable } from './table/serve.js';
import type { ServeData } from '../core/serve/serveData.js';

/** How the text will be shown: colours (or none), and the terminal's width in columns. */
export interface View {
  chalk: ChalkInstance;
  width: number;
}

type TableRenderer = (env: Envelope<never>, view: View) => string;

const TABLES: Record<string, TableRenderer> = {
  lag: (env, view) => renderLagTable(env as Envelope<LagData>, view.chalk, view.width),
  scan: (env, view) => renderScanTable(env as Envelope<ScanData>, view.chalk, view.width),
  monitor: (env, view) => renderMonitorTable(env as Envelope<MonitorData>, view.chalk, view.width),
  probe: (env, view) => renderProbeTable(env as Envelope<ProbeData>, view.chalk, view.width),
  follow: (env, view) => renderFollowTable(env as Envelope<FollowData>, view.chalk, view.width),
  init: (env, view) => renderInitTable(env as Envelope<InitData>, view.chalk, view.width),
  report: (env, view) => renderReportTable(env as Envelope<ReportData>, view.chalk, view.width),
  serve: (env, view) => renderServeTable(env as Envelope<ServeData>, view.chalk, view.width),
  demo: (env, view) => renderDemoTable(env as Envelope<DemoData>, view.chalk, (step) => render('table', step, view)),
};

export function render(format: Format, env: Envelope, view: View): string {
  if (format === 'json') return renderJson(env);
  if (format === 'prometheus') {
    if (env.command !== 'report') throw new Error(`no prometheus renderer for command ${env.command}`);
    return renderPrometheus(env as Envelope<ReportData>);
  }
  const table = TABLES[env.command];
  if (!table) throw new Error(`no table renderer for command ${env.command}`);
  return table(env as Envelope<never>, view);
}
