// The example alert rules (docs/serve/cachedoctor.rules.yml) as Prometheus reads them: valid, and firing on the
// series they should and not on those beside them (test/promtool/cachedoctor.rules.test.yml), both by promtool.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPORT_FAMILIES } from '../../src/core/report/metricFamilies.js';
import { SERVE_FAMILIES } from '../../src/core/serve/serveFamilies.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

async function promtool(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: root });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') assert.fail('promtool is not installed (Debian package prometheus; .ci/run installs it)');
    return { code: Number(e.code), out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('alert rules (promtool)', () => {
  it('promtool check rules: every rule parses', async () => {
    const r = await promtool(['check', 'rules', 'docs/serve/cachedoctor.rules.yml']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS: 10 rules found/);
  });

  it('promtool test rules: each alert fires on its series and not on the healthy ones beside them', async () => {
    const r = await promtool(['test', 'rules', 'test/promtool/cachedoctor.rules.test.yml']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('the Grafana dashboard: every query parses (promtool) and names only metrics serve exposes or the rules record', async () => {
    const dashboard = JSON.parse(readFileSync(join(root, 'docs/serve/grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr.replace(/\$mapping/g, '.*') })));
    assert.ok(exprs.length >= 12, `${exprs.length} queries`);
    const rules = readFileSync(join(root, 'docs/serve/cachedoctor.rules.yml'), 'utf8');
    const known = new Set([
      ...REPORT_FAMILIES.map((f) => `cachedoctor_${f.name}`),
      ...SERVE_FAMILIES.flatMap((f) =>
        f.type === 'histogram' ? ['_bucket', '_sum', '_count'].map((x) => `cachedoctor_${f.name}${x}`) : [`cachedoctor_${f.name}`],
      ),
      ...[...rules.matchAll(/record: (\S+)/g)].map((m) => m[1]!),
      'process_resident_memory_bytes',
    ]);
    for (const { title, expr } of exprs)
      for (const name of expr.match(/[a-z_:]*cachedoctor_[a-z_:0-9]+|process_[a-z_]+/g) ?? []) assert.ok(known.has(name), `${title}: ${name} is not a metric`);
    // PromQL syntax, as Prometheus parses it: each query as a recording rule, checked by promtool.
    const dir = mkdtempSync(join(tmpdir(), 'cachedoctor-dashboard-'));
    try {
      const file = join(dir, 'dashboard.rules.yml');
      const body = exprs.map((e, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(e.expr)}`).join('\n');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${body}\n`);
      const r = await promtool(['check', 'rules', file]);
      assert.equal(r.code, 0, r.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
