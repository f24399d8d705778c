// The report in Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector: one
// gauge family per metric (core/report/metricFamilies.ts), HELP and TYPE first, label values escaped (\\ \" \n).
// Written here, not by prom-client: a renderer is synchronous, and a textfile needs nothing of a registry.
import type { Envelope } from '../core/envelope.js';
import { REPORT_FAMILIES, reportSamples } from '../core/report/metricFamilies.js';
import type { ReportData } from '../core/report/reportResult.js';

export function renderPrometheus(env: Envelope<ReportData>): string {
  const samples = reportSamples(env);
  const lines: string[] = [];
  for (const f of REPORT_FAMILIES) {
    const list = samples.get(f.name)!;
    if (list.length === 0) continue;
    const name = `cachedoctor_${f.name}`;
    lines.push(`# HELP ${name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} gauge`);
    for (const s of list) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}
