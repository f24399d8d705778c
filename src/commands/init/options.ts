// init's options, typed: how many keys to sample and how fast, and the config file to write.
import type { Confidence } from '../../core/discover/propose.js';
import { UsageError } from '../../errors.js';
import { DISCOVERING, QUIET } from '../../options/catalog.js';
import { given, parseOptions, type RawOptions } from '../../options/spec.js';

export const INIT_OPTIONS = { ...DISCOVERING, quiet: QUIET } as const;

export interface InitOptions {
  sample: number;
  rate: number | null;
  maxValueBytes: number;
  /** The config file to write, or null. */
  write: string | null;
  force: boolean;
  minConfidence: Confidence;
}

export function parse(raw: RawOptions): InitOptions {
  const o = parseOptions(INIT_OPTIONS, raw);
  if (o.write === null && (o.force || given(raw, 'minConfidence'))) throw new UsageError('--force and --min-confidence go with --write <file>');
  return { sample: o.sample, rate: o.rate, maxValueBytes: o.maxValueBytes, write: o.write, force: o.force, minConfidence: o.minConfidence };
}
