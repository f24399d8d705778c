// lag's options, typed: thresholds, --watch and its timing, --fail-on.
import type { LagThresholds } from '../../core/lag/lagFindings.js';
import type { Severity } from '../../core/findings/findings.js';
import { UsageError } from '../../errors.js';
import { FAIL_ON, INTERVAL, LAG_LIMITS, QUIET, WATCH, WATCH_DURATION, WATCH_DURATION_MS } from '../../options/catalog.js';
import { given, parseOptions, type RawOptions } from '../../options/spec.js';

export const LAG_OPTIONS = { ...LAG_LIMITS, watch: WATCH, interval: INTERVAL, duration: WATCH_DURATION, failOn: FAIL_ON, quiet: QUIET } as const;

export interface LagOptions {
  thresholds: LagThresholds;
  watch: boolean;
  intervalMs: number;
  durationMs: number;
  failOn: Severity;
}

export function parse(raw: RawOptions): LagOptions {
  const o = parseOptions(LAG_OPTIONS, raw);
  if (!o.watch && (given(raw, 'interval') || given(raw, 'duration'))) throw new UsageError('--interval and --duration only apply with --watch');
  return {
    thresholds: { maxLagSeconds: o.maxLagSeconds, maxLagBytes: o.maxLagBytes, expectReplicas: o.expectReplicas },
    watch: o.watch,
    intervalMs: o.interval,
    durationMs: o.duration ?? WATCH_DURATION_MS,
    failOn: o.failOn,
  };
}
