// Where serve's mappings come from: the config file or --key/--table, or discovered as init does once Redis and the
// primary can be reached, and looked for again while none are found (an empty cache after a deploy).
import { DISCOVER } from '../../config/mappings.js';
import type { ProposedMapping } from '../../core/discover/propose.js';
import type { Mapping } from '../../core/scan/mapping.js';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { discoverMappings, NONE_FOUND } from '../discovered.js';
import type { ServeOptions } from './options.js';

/** Discovery found no mappings yet (an empty cache): looked for again, never a reason to stop. `contacted`: this
 * attempt looked (and so reached Redis and the primary); false when it only said again what the last look found. */
export class NoMappingsYet extends UsageError {
  constructor(readonly contacted: boolean) {
    super(`${NONE_FOUND} (cachedoctor init shows why)`);
  }
}

/** The mappings given, or discovered as init does: once found, kept; while none are, tried again at most once a scan interval. */
export class MappingSource {
  private found: Mapping[] | null;
  private pending: Promise<Mapping[]> | null = null;
  private lastTry = Number.NEGATIVE_INFINITY;
  discovered: ProposedMapping[] | null = null;

  constructor(
    private readonly ctx: CommandContext,
    private readonly opts: ServeOptions,
  ) {
    this.found = opts.mappings === DISCOVER ? null : opts.mappings;
  }

  /** Throws (a source down, none found) for the part to count as a failed run. */
  async get(everyMs: number): Promise<Mapping[]> {
    if (this.found !== null && this.found.length > 0) return this.found;
    if (this.pending) return this.pending;
    if (this.found !== null && Date.now() - this.lastTry < everyMs) throw new NoMappingsYet(false);
    this.lastTry = Date.now();
    this.pending = discoverMappings(this.ctx, { command: 'serve', rate: this.opts.scan.rate, maxValueBytes: this.opts.scan.maxValueBytes })
      .then((d) => {
        this.found = d.mappings;
        if (d.mappings.length > 0) this.discovered = d.discovered;
        if (d.mappings.length === 0) throw new NoMappingsYet(true);
        return d.mappings;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
