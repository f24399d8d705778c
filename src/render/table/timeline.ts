// A key's last events as evidence lines: time since the first, what happened, which client, the version.
import type { ChalkInstance } from 'chalk';
import type { TimelineEntry } from '../../core/monitor/keyStates.js';

export function renderTimeline(timeline: unknown, chalk: ChalkInstance, indent: string): string[] {
  if (!Array.isArray(timeline) || timeline.length === 0) return [];
  const events = timeline as TimelineEntry[];
  const t0 = events[0]!.atUs;
  return events.map((t) =>
    chalk.dim(`${indent}+${((t.atUs - t0) / 1000).toFixed(1).padStart(7)} ms  ${t.what.padEnd(10)} ${t.client}${t.version ? `  version ${t.version}` : ''}`),
  );
}
