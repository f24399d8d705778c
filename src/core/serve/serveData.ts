// What serve returns when it stops (SIGTERM): where it served, for how long, and how each part went.
import type { ServedPart, ServeVerdict } from './servedReport.js';

export interface ServeData {
  url: string;
  seconds: number;
  scrapes: number;
  /** What /metrics said of the whole when it stopped (report_ok, report_exit_code, findings); null: no verdict yet. */
  lastVerdict: ServeVerdict | null;
  parts: { part: ServedPart; off: string | null; runs: number; errors: number; up: boolean | null; lastError: string | null }[];
}
