// serve's /metrics: report's families under report's names (from what serve knows, as one report), and what only a
// long-lived process has: counters of follow's writes, a histogram of time to consistency, each part's runs, errors
// and timings, and the process' own (RSS, event loop). Written by prom-client. No key, address or URL is a label.
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import { STALE_CLASSES, type WriteOutcome } from '../../core/follow/checker.js';
import { REPORT_FAMILIES, type ReportFamily, reportSamples, type Sample } from '../../core/report/metricFamilies.js';
import { CONSISTENCY_BUCKETS, SERVE_FAMILIES, type ServeFamily } from '../../core/serve/serveFamilies.js';
import { noVerdictYet, SERVED_PARTS, type ServedPart, type ServedState, servedReport } from '../../core/serve/servedReport.js';

export class ServeMetrics {
  readonly registry = new Registry();
  private samples = new Map<ReportFamily, Sample[]>();
  private readonly partRuns: Counter<'part'>;
  private readonly partErrors: Counter<'part'>;
  private readonly committed: Counter<'mapping'>;
  private readonly checked: Counter<'mapping'>;
  private readonly unchecked: Counter<'mapping'>;
  private readonly stale: Counter<'mapping' | 'class'>;
  private readonly notBroadcast: Counter<'mapping'>;
  private readonly consistency: Histogram<'mapping'>;
  private readonly followMode: Gauge<'mode'>;

  constructor(
    private readonly state: () => ServedState,
    private readonly version: string,
  ) {
    const registers = [this.registry];
    const metric = (name: string) => `cachedoctor_${name}`;
    // Report's families as report has them: a family with no sample (no MONITOR window, nothing stale) is absent,
    // which a prom-client Gauge without labels cannot be (it would say 0).
    for (const f of REPORT_FAMILIES) {
      const name = metric(f.name);
      const get = async () => ({ name, help: f.help, type: 'gauge', aggregator: 'sum', values: this.samples.get(f.name) ?? [] });
      this.registry.registerMetric({ name, help: f.help, get } as unknown as Metric);
    }
    const spec = (name: ServeFamily) => {
      const f = SERVE_FAMILIES.find((x) => x.name === name)!;
      return { name: metric(f.name), help: f.help, labelNames: f.labels as readonly string[], registers };
    };
    const parts = () => this.state().parts;
    const perPart = (name: ServeFamily, value: (p: ServedState['parts'][ServedPart]) => number | null) =>
      new Gauge({
        ...spec(name),
        collect() {
          this.reset();
          for (const part of SERVED_PARTS) {
            const v = value(parts()[part]);
            if (v !== null) this.set({ part }, v);
          }
        },
      });
    perPart('part_last_run_timestamp_seconds', (p) => seconds(p.lastRunAtMs));
    perPart('part_last_run_duration_seconds', (p) => seconds(p.lastDurationMs));
    perPart('part_last_success_timestamp_seconds', (p) => seconds(p.lastSuccessAtMs));
    this.partRuns = new Counter(spec('part_runs_total'));
    this.partErrors = new Counter(spec('part_errors_total'));
    this.committed = new Counter(spec('follow_committed_writes_total'));
    this.checked = new Counter(spec('follow_checked_writes_total'));
    this.unchecked = new Counter(spec('follow_unchecked_writes_total'));
    this.stale = new Counter(spec('follow_stale_after_write_total'));
    this.notBroadcast = new Counter(spec('follow_missing_broadcasts_total'));
    this.consistency = new Histogram({ ...spec('follow_time_to_consistency_seconds'), buckets: CONSISTENCY_BUCKETS });
    this.followMode = new Gauge(spec('follow_mode'));
    new Gauge(spec('build_info')).set({ version: this.version }, 1);
    collectDefaultMetrics({ register: this.registry });
    // Gauges that prom-client names like counters (promtool check metrics refuses them); nodejs_active_handles and
    // nodejs_active_resources say the same by type.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
  }

  /** The text of a scrape: report's families from what serve knows now, with everything else. */
  async text(now: Date): Promise<string> {
    const state = this.state();
    this.samples = reportSamples(servedReport(state, this.version, now));
    // No verdict yet: no report_ok 1 for parts not yet tried.
    if (noVerdictYet(state)) {
      this.samples.set('report_ok', []);
      this.samples.set('report_exit_code', []);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The running parts' counters at 0 from the start: rate() and increase() on a part that never failed say 0. */
  running(parts: readonly ServedPart[]): void {
    for (const part of parts) {
      this.partRuns.inc({ part }, 0);
      this.partErrors.inc({ part }, 0);
    }
  }

  ran(part: ServedPart): void {
    this.partRuns.inc({ part });
  }

  failed(part: ServedPart): void {
    this.partErrors.inc({ part });
  }

  followed(mode: 'logical' | 'poll' | null): void {
    this.followMode.reset();
    if (mode) this.followMode.set({ mode }, 1);
  }

  /** Every series of these mappings at 0 before the first write: rate() and increase() count from the first one. */
  following(mappings: readonly string[]): void {
    for (const mapping of mappings) {
      for (const c of [this.committed, this.checked, this.unchecked, this.notBroadcast]) c.inc({ mapping }, 0);
      for (const cls of STALE_CLASSES) this.stale.inc({ mapping, class: cls }, 0);
      this.consistency.zero({ mapping });
    }
  }

  write(o: WriteOutcome): void {
    const mapping = { mapping: o.mapping };
    switch (o.outcome) {
      case 'seen':
        this.committed.inc(mapping, o.n);
        break;
      case 'unchecked':
        this.unchecked.inc(mapping, o.n);
        break;
      case 'converged':
        this.checked.inc(mapping);
        this.consistency.observe(mapping, o.consistentAfterMs / 1000);
        break;
      case 'stale':
        this.checked.inc(mapping);
        this.stale.inc({ mapping: o.mapping, class: o.class });
        break;
      case 'missing-broadcast':
        this.notBroadcast.inc(mapping);
        break;
    }
  }
}

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
