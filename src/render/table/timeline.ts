// A key's events as evidence lines. monitor's: time since the first, what happened, which client, the version;
// follow's: the wall-clock time (UTC) and what happened (commit, a replica replaying it, the key touched, checks).
import type { ChalkInstance } from 'chalk';
import type { TimelineEntry } from '../../core/monitor/keyStates.js';

type FollowEntry = { at: string; event: string };

export function renderTimeline(timeline: unknown, chalk: ChalkInstance, indent: string): string[] {
  if (!Array.isArray(timeline) || timeline.length === 0) return [];
  if (typeof (timeline[0] as FollowEntry).event === 'string')
    return (timeline as FollowEntry[]).map((t) => chalk.dim(`${indent}${t.at.slice(11, 23)}  ${t.event}`));
  const events = timeline as TimelineEntry[];
  const t0 = events[0]!.atUs;
  return events.map((t) =>
    chalk.dim(`${indent}+${((t.atUs - t0) / 1000).toFixed(1).padStart(7)} ms  ${t.what.padEnd(10)} ${t.client}${t.version ? `  version ${t.version}` : ''}`),
  );
}
