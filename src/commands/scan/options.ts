// scan's options, typed: the mappings, how much to read, the grace re-check, and the thresholds that fail it.
import { randomInt } from 'node:crypto';
import { type GivenMappings, mappingsFromOptions } from '../../config/mappings.js';
import type { Seed } from '../../core/scan/sampleStart.js';
import { UsageError } from '../../errors.js';
import { MAPPING, QUIET, REPLICAS, SCANNING } from '../../options/catalog.js';
import { given, parseOptions, type RawOptions } from '../../options/spec.js';

export const SCAN_OPTIONS = { ...MAPPING, ...SCANNING, replicas: REPLICAS, quiet: QUIET } as const;

export interface ScanOptions {
  /** 'discover': none given, found when scan runs. */
  mappings: GivenMappings;
  /** Keys per mapping, or null for --all. */
  sample: number | null;
  rate: number | null;
  maxValueBytes: number;
  graceMs: number;
  /** Read stale rows on every --replica to name the one that still serves them. */
  replicas: boolean;
  maxStale: number;
  maxStaleRatio: number | null;
  /** Findings listed per kind (all are counted). */
  maxListed: number;
  /** Where a sample starts (random unless --seed); null with --all. */
  seed: Seed | null;
}

export function parse(raw: RawOptions): ScanOptions {
  const o = parseOptions(SCAN_OPTIONS, raw);
  if (o.all && given(raw, 'sample')) throw new UsageError('--all and --sample do not go together');
  if (o.all && given(raw, 'seed')) throw new UsageError('--seed picks where a sample starts: it does not go with --all');
  return {
    mappings: mappingsFromOptions(raw),
    sample: o.all ? null : o.sample,
    rate: o.rate,
    maxValueBytes: o.maxValueBytes,
    graceMs: o.grace,
    replicas: o.replicas,
    maxStale: o.maxStale,
    maxStaleRatio: o.maxStaleRatio,
    maxListed: o.maxListed,
    seed: o.all ? null : (o.seed ?? drawSeed()),
  };
}

/** A seed for a sample nobody asked to repeat: printed with the result, so it can be. */
export function drawSeed(): Seed {
  return randomInt(0, 2 ** 31);
}
