// What serve returns when it stops (SIGTERM): where it served, for how long, and how each part went.
import type { ServedPart } from './servedReport.js';

export interface ServeData {
  url: string;
  seconds: number;
  scrapes: number;
  parts: { part: ServedPart; off: string | null; runs: number; errors: number; up: boolean | null; lastError: string | null }[];
}
