import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillVersion } from '../../src/core/monitor/fillVersion.js';
import { type CorrelateOptions, Correlator } from '../../src/core/monitor/correlate.js';

const MS = 1000;
const opts = (over: Partial<CorrelateOptions> = {}): CorrelateOptions => ({
  raceWindowUs: 100 * MS,
  channel: null,
  maxKeys: 1000,
  maxFindings: 100,
  mappingOf: (key) => (key.startsWith('product:') ? 'product' : null),
  versionOf: (_m, fill) => fillVersion(fill, 'version'),
  ...over,
});

/** Feeds [ms, client, ...args] rows. */
function run(rows: [number, string, ...string[]][], over: Partial<CorrelateOptions> = {}) {
  const c = new Correlator(opts(over));
  for (const [ms, client, ...args] of rows) c.feed({ timeUs: 1_700_000_000_000_000 + ms * MS, db: 0, client, args });
  return c.finish();
}

const v = (n: number) => JSON.stringify({ version: n });

describe('Correlator', () => {
  it('finds nothing in a correct cache-aside flow', () => {
    const r = run([
      [0, 'app1', 'GET', 'product:1'],
      [1, 'app1', 'SET', 'product:1', v(1), 'EX', '60'],
      [50, 'app2', 'DEL', 'product:1'],
      [60, 'app1', 'GET', 'product:1'],
      [61, 'app1', 'SET', 'product:1', v(2), 'EX', '60'],
      [500, 'app1', 'GET', 'product:1'],
    ]);
    assert.deepEqual(r.findings, []);
    assert.equal(r.stats.invalidations, 1);
    assert.equal(r.stats.refillDelayMs?.max, 11);
  });
  it('stale-fill (critical): a fill older than a version already cached, with a timeline', () => {
    const r = run([
      [0, 'app1', 'SET', 'product:1', v(5), 'EX', '60'],
      [10, 'writer', 'DEL', 'product:1'],
      [20, 'app2', 'SET', 'product:1', v(4), 'EX', '60'],
    ]);
    const f = r.findings.find((x) => x.kind === 'stale-fill');
    assert.equal(f?.severity, 'critical');
    assert.equal(f?.client, 'app2');
    assert.deepEqual(
      (f!.timeline as { what: string }[]).map((t) => t.what),
      ['fill', 'invalidate', 'fill'],
    );
  });
  it('same-version-refill (a warning of its own kind): the same version written back right after an invalidation', () => {
    const r = run([
      [0, 'app1', 'SET', 'product:1', v(5), 'EX', '60'],
      [10, 'writer', 'DEL', 'product:1'],
      [20, 'app2', 'SET', 'product:1', v(5), 'EX', '60'],
    ]);
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.severity]),
      [['same-version-refill', 'warning']],
    );
  });
  it('concurrent-fill: two clients fill one key within the race window after one invalidation, reported once', () => {
    const r = run([
      [0, 'writer', 'DEL', 'product:1'],
      [5, 'app1', 'SET', 'product:1', v(2), 'EX', '60'],
      [30, 'app2', 'SET', 'product:1', v(2), 'EX', '60'],
      [40, 'app3', 'SET', 'product:1', v(2), 'EX', '60'],
    ]);
    assert.deepEqual(
      r.findings.map((x) => x.kind),
      ['concurrent-fill'],
    );
    assert.deepEqual(r.findings[0]?.clients, ['app1', 'app2']);
  });
  it('missing-broadcast: an invalidation with no PUBLISH on the channel within the window', () => {
    const rows: [number, string, ...string[]][] = [
      [0, 'w1', 'DEL', 'product:1'],
      [5, 'w1', 'PUBLISH', 'invalidate', 'product:1'],
      [10, 'w2', 'DEL', 'product:2'],
      [300, 'app', 'GET', 'product:3'],
    ];
    const r = run(rows, { channel: 'invalidate' });
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.key]),
      [['missing-broadcast', 'product:2']],
    );
    assert.deepEqual(run(rows).findings, [], 'without --channel nothing is checked');
  });
  it('missing-broadcast: a PUBLISH about one key does not excuse another, even from the same connection; one naming no key does', () => {
    const r = run(
      [
        [0, 'pool', 'DEL', 'product:1'],
        [1, 'pool', 'DEL', 'product:2'],
        [2, 'pool', 'PUBLISH', 'invalidate', 'product:2'],
        [10, 'batch', 'DEL', 'product:3'],
        [11, 'batch', 'DEL', 'product:4'],
        [12, 'batch', 'PUBLISH', 'invalidate', 'flush-batch-7'],
        [300, 'app', 'GET', 'product:9'],
      ],
      { channel: 'invalidate' },
    );
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.key]),
      [['missing-broadcast', 'product:1']],
    );
  });
  it('missing-broadcast: two DELs of one key inside the window and then one PUBLISH are one burst, broadcast once', () => {
    const r = run(
      [
        // Delete before and after the write, then broadcast: nothing is missing.
        [0, 'svc', 'DEL', 'product:1'],
        [20, 'svc', 'DEL', 'product:1'],
        [25, 'svc', 'PUBLISH', 'invalidate', 'product:1'],
        // Twice without any broadcast: one finding, for the burst.
        [40, 'svc', 'DEL', 'product:2'],
        [60, 'svc', 'DEL', 'product:2'],
        [300, 'app', 'GET', 'product:9'],
      ],
      { channel: 'invalidate' },
    );
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.key]),
      [['missing-broadcast', 'product:2']],
    );
  });
  it('missing-broadcast: a PUBLISH names keys exactly (product:10 is not product:1), as text, a list or JSON', () => {
    const r = run(
      [
        [0, 'w', 'DEL', 'product:1'],
        // From the same client too: a message naming a followed key is about that key, not a batch id.
        [1, 'w', 'PUBLISH', 'invalidate', 'product:10'],
        [1, 'x', 'PUBLISH', 'invalidate', 'product:10'],
        [2, 'w', 'DEL', 'product:2'],
        [3, 'w', 'DEL', 'product:3'],
        [4, 'x', 'PUBLISH', 'invalidate', 'product:2, product:3'],
        [5, 'w', 'DEL', 'product:4'],
        [6, 'x', 'PUBLISH', 'invalidate', '{"keys":["product:4"],"reason":"price"}'],
        [300, 'app', 'GET', 'product:9'],
      ],
      { channel: 'invalidate' },
    );
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.key]),
      [['missing-broadcast', 'product:1']],
    );
  });
  it('at the end of a stream, invalidations and TTL-less fills still inside their window are counted as undecided, never dropped', () => {
    const r = run(
      [
        [0, 'w', 'DEL', 'product:1'],
        [500, 'w', 'DEL', 'product:2'],
        [520, 'app', 'SET', 'product:3', v(1)],
        [530, 'app', 'GET', 'product:4'],
      ],
      { channel: 'invalidate' },
    );
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.key ?? x.examples]),
      [
        ['missing-broadcast', 'product:1'],
        ['undecided-at-end', ['product:2', 'product:3']],
      ],
    );
    const undecided = r.findings.find((x) => x.kind === 'undecided-at-end')!;
    assert.equal(undecided.severity, 'info');
    assert.deepEqual([undecided.broadcasts, undecided.fills], [1, 1]);
    assert.equal(r.counts['undecided-at-end'], 1);
  });
  it('fill-without-ttl, unless an EXPIRE follows within the window', () => {
    const r = run([
      [0, 'app', 'SET', 'product:1', v(1)],
      [1, 'app', 'SET', 'product:2', v(1)],
      [2, 'app', 'EXPIRE', 'product:2', '60'],
      // A second fill replaces the first, and the EXPIRE after it gives the key its TTL: nothing to report.
      [3, 'app', 'SET', 'product:3', v(1)],
      [4, 'app', 'SET', 'product:3', v(2)],
      [5, 'app', 'EXPIRE', 'product:3', '60'],
      [500, 'app', 'GET', 'product:1'],
    ]);
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.key]),
      [['fill-without-ttl', 'product:1']],
    );
  });
  it('ignores keys of no mapping, and counts commands and prefixes', () => {
    const r = run([
      [0, 'app', 'SET', 'session:1', v(9)],
      [1, 'app', 'SET', 'product:1', v(1), 'EX', '5'],
      [2, 'app', 'get', 'product:1'],
    ]);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.stats.topCommands.map((c) => c.name).sort(), ['get', 'set']);
    assert.deepEqual(r.stats.topPrefixes, [{ name: 'product:', count: 2 }]);
  });
  it('counts every spelling of a command as one, and a key by its exact bytes', () => {
    // "café" as MONITOR delivers it: UTF-8 bytes, one char per byte.
    const cafe = Buffer.from('product:café', 'utf8').toString('latin1');
    const r = run(
      [
        [0, 'app', 'SET', cafe, v(1)],
        [1, 'app', 'get', cafe],
        [2, 'app', 'GET', cafe],
        [3, 'app', 'Get', 'product:1'],
        [4, 'app', 'DEL', cafe],
        [5, 'app', 'PUBLISH', 'inv', cafe],
        [6, 'app', 'EXPIRE', cafe, '60'],
        [7, 'app', 'SET', 'product:1', v(1)],
        [500, 'app', 'GET', 'product:1'],
      ],
      { channel: 'inv' },
    );
    assert.deepEqual(r.stats.topCommands, [
      { name: 'get', count: 4 },
      { name: 'set', count: 2 },
      { name: 'del', count: 1 },
      { name: 'publish', count: 1 },
      { name: 'expire', count: 1 },
    ]);
    // The broadcast names the key as text and the EXPIRE by its bytes: both count for it; product:1 got no TTL.
    assert.deepEqual(
      r.findings.map((x) => [x.kind, x.key]),
      [['fill-without-ttl', 'product:1']],
    );
    assert.deepEqual(r.stats.topPrefixes, [{ name: 'product:', count: 8 }]);
    assert.equal(r.stats.keysTracked, 2);
  });
  it('counts prefixes in any script, and still reads commands after 10,000 junk command names', () => {
    const utf8 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
    const rows: [number, string, ...string[]][] = [];
    for (let i = 0; i < 10_050; i += 1) rows.push([0, 'app', `junk${i}`]);
    for (let i = 0; i < 5; i += 1) rows.push([1, 'app', 'GET', utf8(`product:товар:${i}`)]);
    rows.push([2, 'app', 'GeT', 'product:1']);
    const r = run(rows);
    assert.deepEqual(r.stats.topPrefixes, [
      { name: 'product:товар:', count: 5 },
      { name: 'product:', count: 1 },
    ]);
    assert.equal(r.stats.reads, 6);
    assert.ok(r.stats.topCommands.some((c) => c.name === '(other)'));
  });
  it('counts every finding by kind and severity, however few are listed', () => {
    const rows: [number, string, ...string[]][] = [];
    for (let i = 0; i < 5; i += 1) rows.push([i * 10, 'a', 'SET', `product:${i}`, v(5), 'EX', '9'], [i * 10 + 1, 'b', 'SET', `product:${i}`, v(4), 'EX', '9']);
    const r = run(rows, { maxFindings: 2 });
    assert.equal(r.findings.length, 2);
    assert.equal(r.counts['stale-fill'], 5);
    assert.deepEqual(r.severities, { critical: 5, warning: 0, info: 0 });
  });
  it('keeps memory bounded: beyond maxKeys the oldest keys are forgotten', () => {
    const rows: [number, string, ...string[]][] = [];
    for (let i = 0; i < 50; i += 1) rows.push([i, 'app', 'SET', `product:${i}`, v(1), 'EX', '5']);
    const r = run(rows, { maxKeys: 10 });
    assert.equal(r.stats.keysTracked, 10);
    assert.equal(r.stats.keysForgotten, 40);
  });
  it('reads versions from hashes and nested JSON', () => {
    const r = run(
      [
        [0, 'a', 'HSET', 'product:1', 'meta.version', '7'],
        [1, 'b', 'HSET', 'product:1', 'meta.version', '6'],
      ],
      { versionOf: (_m, fill) => fillVersion(fill, 'meta.version') },
    );
    assert.equal(r.findings.find((x) => x.kind === 'stale-fill')?.version, '6');
    const nested = run(
      [
        [0, 'a', 'SET', 'product:1', JSON.stringify({ meta: { version: 3 } }), 'EX', '5'],
        [1, 'b', 'SET', 'product:1', JSON.stringify({ meta: { version: 2 } }), 'EX', '5'],
      ],
      { versionOf: (_m, fill) => fillVersion(fill, 'meta.version') },
    );
    assert.equal(nested.counts['stale-fill'], 1);
  });
});

describe('buildMonitorResult: a watch that followed nothing', () => {
  const build = async (rows: [number, string, ...string[]][], over: Partial<CorrelateOptions> = {}) => {
    const { buildMonitorResult } = await import('../../src/core/monitor/monitorReport.js');
    return buildMonitorResult({
      result: run(rows, over),
      source: { kind: 'capture', path: 'c.log' },
      raceWindowMs: 100,
      channel: null,
      following: { what: "--match 'prodcut:*'", versionField: 'version' },
      malformed: 0,
      oversizedLines: 0,
      extra: [],
      failOn: 'warning',
      complete: true,
      peakOmemBytes: null,
    });
  };

  it('fails (a warning) when no event touched a followed key, naming the prefixes seen instead', async () => {
    const r = await build(
      [
        [0, 'app', 'GET', 'product:1'],
        [1, 'app', 'GET', 'product:2'],
        [2, 'app', 'SET', 'session:9', 'x'],
      ],
      { mappingOf: (key) => (key.startsWith('prodcut:') ? 'match' : null) },
    );
    assert.equal(r.fails, true);
    assert.deepEqual(
      r.findings.map((f) => [f.kind, f.severity]),
      [['nothing-followed', 'warning']],
    );
    assert.match(r.findings[0]!.message, /^none of 3 commands touched a key of --match 'prodcut:\*'; keys seen instead: product:\* \(2\), session:\* \(1\)$/);
  });

  it('fails (a warning) when fills were followed but none carried the version field, naming the fields they hold', async () => {
    const r = await build(
      [
        [0, 'app', 'SET', 'product:1', JSON.stringify({ ver: 3, price: 1 }), 'EX', '60'],
        [1, 'app', 'SET', 'product:2', JSON.stringify({ ver: 4, price: 2 }), 'EX', '60'],
      ],
      { versionOf: (_m, fill) => fillVersion(fill, 'version') },
    );
    assert.deepEqual(
      r.findings.map((f) => f.kind),
      ['no-version-in-fills'],
    );
    assert.match(
      r.findings[0]!.message,
      /^2 fills of --match 'prodcut:\*', none with the version field version: stale fills cannot be told; a fill holds ver, price$/,
    );
    // With the version there, nothing to say.
    const fine = await build([[0, 'app', 'SET', 'product:1', JSON.stringify({ version: 3 }), 'EX', '60']]);
    assert.deepEqual(fine.findings, []);
    assert.equal(fine.fails, false);
  });
});
