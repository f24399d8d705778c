// When a part of serve runs again: at its interval after a good run; after a failed one soon (a blip heals in
// seconds), then twice as late each time, never later than the interval itself.

/** The first retry after a failure. */
export const FIRST_RETRY_MS = 1000;

/** How long to wait before the next run, after `failures` failed runs in a row (0: the last run was good). */
export function nextRunInMs(intervalMs: number, failures: number, firstRetryMs = FIRST_RETRY_MS): number {
  if (failures <= 0) return intervalMs;
  return Math.min(intervalMs, firstRetryMs * 2 ** Math.min(failures - 1, 30));
}
