// The demo's steps and its one rule: it fails only when cachedoctor did not find what the demo staged.
import type { Envelope } from './envelope.js';
import { finding, type Finding } from './findings/findings.js';

export interface DemoStep {
  title: string;
  explanation: string;
  /** What this step must find: finding kinds, or kind@cause (exactly nothing, for a healthy step). */
  expected: string[];
  /** The cachedoctor command line that gives this report. */
  command: string;
  report: Envelope;
  /** The staged traffic's own failure, if it had one: then the report saw less than the demo meant to show. */
  trafficError?: string | null;
}

export interface DemoData {
  steps: DemoStep[];
}

export function missedExpectations(steps: readonly DemoStep[]): Finding[] {
  return steps.flatMap((s) => {
    const found = new Set(s.report.findings.flatMap((f) => [f.kind, `${f.kind}@${String(f.cause ?? '')}`]));
    const missing = s.expected.filter((k) => !found.has(k));
    const extra = s.expected.length === 0 ? [...new Set(s.report.findings.map((f) => f.kind))] : [];
    const out: Finding[] = [];
    if (missing.length > 0 || extra.length > 0) {
      out.push(
        finding(
          'demo-unexpected',
          `${s.title}: expected [${s.expected.join(', ')}]; missing [${missing.join(', ')}]${extra.length ? `; unexpected [${extra.join(', ')}]` : ''}`,
        ),
      );
    }
    if (s.trafficError) out.push(finding('demo-unexpected', `${s.title}: the staged traffic failed (${s.trafficError}): the report saw less than it should`));
    return out;
  });
}
