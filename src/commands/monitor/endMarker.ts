// The last line cachedoctor writes to a --save capture: a MONITOR-shaped line from a client named "cachedoctor"
// saying when the watch ended. Other tools see an unknown command; cachedoctor --input reads the time from it.
import type { MonitorEvent } from '../../core/monitor/parseLine.js';

const CLIENT = 'cachedoctor';
const COMMAND = 'cachedoctor-watch-ended';

export function isWatchEnd(e: MonitorEvent): boolean {
  return e.client === CLIENT && e.args[0] === COMMAND;
}

/** The line for a watch that ended at `us` (microseconds since the epoch), with its newline. */
export function watchEndLine(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [0 ${CLIENT}] "${COMMAND}"\n`;
}
