// follow's core: committed writes from test_decoding, and for each one whether the cache converged, and if not why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CacheState, type CheckerOptions, FollowChecker, type WriteOutcome } from '../../src/core/follow/checker.js';
import { parseTestDecoding } from '../../src/core/follow/testDecoding.js';
import { type CommittedWrite, WriteDecoder } from '../../src/core/follow/writes.js';
import { parseKeyTemplate } from '../../src/core/keyTemplate.js';
import { rowVersion, type Version } from '../../src/core/scan/version.js';

const product = {
  name: 'product',
  schema: 'public',
  table: 'products',
  template: parseKeyTemplate('product:{id}'),
  keyColumns: ['id'],
  versionColumn: 'version',
  versionKind: 'counter' as const,
};

describe('WriteDecoder', () => {
  it("gives the mapped tables' writes at their commit, with key, version and commit LSN; other tables are dropped unread", () => {
    const d = new WriteDecoder([product]);
    const rows: [string, string][] = [
      ['0/10', 'BEGIN 5'],
      ['0/11', 'table public.products: UPDATE: id[integer]:7 price[numeric]:9.50 version[integer]:3'],
      ['0/12', "table public.secrets: INSERT: id[integer]:1 password[text]:'hunter2'"],
      ['0/13', 'table public.products: UPDATE: old-key: id[integer]:8 new-tuple: id[integer]:9 price[numeric]:1 version[integer]:1'],
      ['0/14', 'table public.products: DELETE: id[integer]:10'],
    ];
    for (const [lsn, line] of rows) assert.deepEqual(d.push(lsn, parseTestDecoding(line)), []);
    const writes = d.push('0/20', parseTestDecoding('COMMIT 5 (at 2026-12-03 10:00:00.5+00)'));
    assert.deepEqual(
      writes.map((w) => [w.key, w.op, w.version?.value ?? null, w.commitLsn, w.xid]),
      [
        ['product:7', 'UPDATE', 3n, '0/20', '5'],
        ['product:8', 'DELETE', null, '0/20', '5'],
        ['product:9', 'UPDATE', 1n, '0/20', '5'],
        ['product:10', 'DELETE', null, '0/20', '5'],
      ],
    );
    assert.equal(writes[0]!.commitMicros, BigInt(Date.parse('2026-12-03T10:00:00.500Z')) * 1000n);
    assert.ok(!JSON.stringify(writes, (_, v) => (typeof v === 'bigint' ? String(v) : v)).includes('hunter2'));
  });
});

const v = (n: number): Version => rowVersion(String(n), 'counter') as Version;
const T0 = Date.parse('2026-12-03T10:00:00Z');
const write = (key: string, version: number, atMs: number, lsn = '0/100'): CommittedWrite => ({
  mapping: 'product',
  key,
  op: 'UPDATE',
  version: v(version),
  xid: '1',
  commitLsn: lsn,
  commitMicros: BigInt(atMs) * 1000n,
});
const OPTS: CheckerOptions = {
  graceMs: 2000,
  raceWindowMs: 100,
  maxPending: 1000,
  maxListed: 10,
  channel: null,
  clock: { offsetMs: 0, uncertaintyMs: 2 },
  replicas: ['standby'],
};

/** Runs one write through both looks, with `events` (ms after the commit) before the checks. */
function follow(state: CacheState, events: (c: FollowChecker) => void, opts: Partial<CheckerOptions> = {}) {
  const c = new FollowChecker({ ...OPTS, ...opts });
  c.replayed('standby', '0/50', T0 - 10);
  c.write(write('product:1', 2, T0), T0 + 50);
  events(c);
  looks(c, (at) => (at === EARLY ? old : state));
  return c.finish();
}
/** When the checks read the key: right when the write is seen, after --grace, after as long again. */
const EARLY = T0 + 60;
function looks(c: FollowChecker, state: (at: number, key: string) => CacheState) {
  for (const at of [EARLY, T0 + 2100, T0 + 4200]) for (const d of c.due(at)) c.answer(d.id, state(at, d.key), at);
}
const old: CacheState = { kind: 'version', version: v(1) };

describe('FollowChecker', () => {
  it('a write the cache converged on (invalidated, refilled with the new version) is no finding, and is timed', () => {
    const r = follow({ kind: 'version', version: v(2) }, (c) => {
      c.replayed('standby', '0/100', T0 + 5);
      c.touched(['product:1'], T0 + 3);
      c.touched(['product:1'], T0 + 40);
    });
    assert.deepEqual(r.findings, []);
    assert.deepEqual([r.mappings[0]!.checked, r.mappings[0]!.converged, r.mappings[0]!.nines], [1, 1, null]);
    assert.equal(r.mappings[0]!.commitToInvalidatedMs?.median, 3);
    assert.equal(r.mappings[0]!.commitToRefilledMs?.median, 40);
  });

  it('not-invalidated: nothing touched the key after the commit', () => {
    const r = follow(old, () => {});
    assert.deepEqual(
      r.findings.map((f) => [f.kind, f.class, f.severity]),
      [['stale-after-write', 'not-invalidated', 'critical']],
    );
    assert.equal(r.mappings[0]!.stale['not-invalidated'], 1);
    assert.equal(r.mappings[0]!.staleRatio, 1);
  });

  it('refilled-from-replica: refilled while the replica had not replayed the commit LSN, naming it and its delay', () => {
    const r = follow(old, (c) => {
      c.touched(['product:1'], T0 + 2);
      c.replayed('standby', '0/60', T0 + 20);
      c.touched(['product:1'], T0 + 30);
      // Sampled after the refill, still below the commit: it had not replayed it at the refill.
      c.replayed('standby', '0/70', T0 + 80);
      c.replayed('standby', '0/100', T0 + 900);
    });
    assert.deepEqual(
      r.findings.map((f) => [f.class, f.replica]),
      [['refilled-from-replica', 'standby']],
    );
    assert.match(r.findings[0]!.message, /refilled 30 ms after the commit, while replica standby had not replayed it yet \(it did 900 ms after the commit\)/);
  });

  it('refilled-by-race: refilled with the old row after every replica had replayed the commit', () => {
    const r = follow(old, (c) => {
      c.replayed('standby', '0/100', T0 + 3);
      c.touched(['product:1'], T0 + 5);
      c.touched(['product:1'], T0 + 30);
    });
    assert.deepEqual(
      r.findings.map((f) => f.class),
      ['refilled-by-race'],
    );
  });

  it('uncertain when the refill falls between two replay samples, one below the commit and one past it', () => {
    const r = follow(old, (c) => {
      c.touched(['product:1'], T0 + 2);
      c.replayed('standby', '0/60', T0 + 20);
      c.touched(['product:1'], T0 + 30);
      c.replayed('standby', '0/100', T0 + 70);
    });
    assert.deepEqual(
      r.findings.map((f) => [f.class, f.replica]),
      [['uncertain', 'standby']],
    );
  });

  it('invalidated-before-commit: touched just before the commit and not after; uncertain: closer than the clocks tell', () => {
    assert.deepEqual(
      follow(old, (c) => c.touched(['product:1'], T0 - 40)).findings.map((f) => f.class),
      ['invalidated-before-commit'],
    );
    assert.deepEqual(
      follow(old, (c) => c.touched(['product:1'], T0 + 1)).findings.map((f) => f.class),
      ['uncertain'],
    );
  });

  it('a write in flight at the first look that converged by the second is late, not stale', () => {
    const c = new FollowChecker(OPTS);
    c.write(write('product:1', 2, T0), T0 + 50);
    looks(c, (at) => (at < T0 + 4200 ? old : { kind: 'absent' }));
    const m = c.finish().mappings[0]!;
    assert.deepEqual([m.checked, m.converged, m.late], [1, 1, 1]);
  });

  it('missing-broadcast: no message on the channel naming the key within the race window', () => {
    const none = follow({ kind: 'absent' }, (c) => c.touched(['product:1'], T0 + 3), { channel: 'inv' });
    assert.deepEqual(
      none.findings.map((f) => f.kind),
      ['missing-broadcast'],
    );
    const sent = follow(
      { kind: 'absent' },
      (c) => {
        c.touched(['product:1'], T0 + 3);
        c.broadcast(['product:1'], T0 + 4);
      },
      { channel: 'inv' },
    );
    assert.deepEqual(sent.findings, []);
  });

  it('reads the key as soon as the write is seen, and the timeline says what it held then (never judged by it)', () => {
    const c = new FollowChecker(OPTS);
    c.write(write('product:1', 2, T0), T0 + 50);
    const now = c.due(T0 + 50);
    assert.deepEqual(
      now.map((d) => d.key),
      ['product:1'],
    );
    c.answer(now[0]!.id, { kind: 'absent' }, EARLY);
    looks(c, () => old);
    const [f] = c.finish().findings;
    assert.deepEqual(
      (f!.timeline as { event: string }[]).map((e) => e.event),
      ['commit 0/100', 'read when seen: absent', 'checked: version 1'],
    );
  });

  it('FLUSHALL touches every key: a write whose key was flushed and refilled old is a refill, not not-invalidated', () => {
    const r = follow(old, (c) => {
      c.replayed('standby', '0/100', T0 + 3);
      c.flushed(T0 + 5);
      c.touched(['product:1'], T0 + 30);
    });
    assert.deepEqual(
      r.findings.map((f) => f.class),
      ['refilled-by-race'],
    );
    assert.ok((r.findings[0]!.timeline as { event: string }[]).some((e) => e.event.startsWith('Redis flushed')));
    // Flushed, and nothing put it back: converged.
    assert.deepEqual(follow({ kind: 'absent' }, (c) => c.flushed(T0 + 5)).findings, []);
  });

  it('writes without a readable key are counted as writes and as unchecked, never dropped', () => {
    const c = new FollowChecker(OPTS);
    c.unkeyed('product', 3);
    const m = c.finish().mappings[0]!;
    assert.deepEqual([m.writes, m.unchecked, m.unkeyed, m.checked], [3, 3, 3, 0]);
  });

  it('past --max-pending the oldest checks are counted as unchecked; checks still waiting at the end too', () => {
    const c = new FollowChecker({ ...OPTS, maxPending: 2 });
    for (let i = 0; i < 5; i += 1) c.write(write(`product:${i}`, 2, T0), T0 + i);
    const m = c.finish().mappings[0]!;
    assert.deepEqual([m.writes, m.unchecked, m.checked], [5, 5, 0]);
  });
});

describe('FollowChecker: outcomes told as they happen (serve counts them)', () => {
  it('each write is told seen, then converged (with how soon), stale (with its class) or unchecked: the same totals as the summary', () => {
    const told: WriteOutcome[] = [];
    const c = new FollowChecker({ ...OPTS, maxPending: 3, channel: 'inv', observe: (o) => told.push(o) });
    c.write(write('product:1', 2, T0), T0 + 50);
    c.touched(['product:1'], T0 + 30);
    c.write(write('product:2', 2, T0), T0 + 50);
    c.write(write('product:3', 2, T0), T0 + 50);
    c.unkeyed('product', 2);
    // product:1 converged (touched 30 ms after its commit), product:2 was never touched (stale), product:3 not cached.
    looks(c, (at, key) => (key === 'product:1' ? (at === EARLY ? old : { kind: 'version', version: v(2) }) : key === 'product:2' ? old : { kind: 'absent' }));
    c.write(write('product:4', 2, T0 + 9000), T0 + 9050);
    const m = c.finish().mappings[0]!;
    const sum = (outcome: string) => told.filter((o) => o.outcome === outcome).reduce((n, o) => n + ('n' in o ? o.n : 1), 0);
    assert.deepEqual(
      [sum('seen'), sum('converged'), sum('stale'), sum('unchecked'), sum('missing-broadcast')],
      [m.writes, m.converged, m.checked - m.converged, m.unchecked, m.missingBroadcasts],
    );
    assert.deepEqual([m.writes, m.converged, m.checked - m.converged, m.unchecked], [6, 2, 1, 3]);
    assert.deepEqual(
      told.filter((o) => o.outcome === 'converged' || o.outcome === 'stale').map((o) => (o.outcome === 'converged' ? o.consistentAfterMs : o.class)),
      [30, 0, 'not-invalidated'],
    );
  });
});

describe('follow: what the review found', () => {
  it('REPLICA IDENTITY FULL: an UPDATE carrying its old row is no delete of its own key', () => {
    const d = new WriteDecoder([product]);
    d.push('0/1', parseTestDecoding('BEGIN 9'));
    d.push('0/2', parseTestDecoding('table public.products: UPDATE: old-key: id[integer]:7 version[integer]:2 new-tuple: id[integer]:7 version[integer]:3'));
    const writes = d.push('0/3', parseTestDecoding('COMMIT 9 (at 2026-12-03 10:00:00+00)'));
    assert.deepEqual(
      writes.map((w) => `${w.op} ${w.key}`),
      ['UPDATE product:7'],
    );
  });

  it('a delete superseded by a later write of the key is not stale; a value too big to read is unchecked, not stale', () => {
    const c = new FollowChecker(OPTS);
    c.write({ ...write('product:1', 2, T0), op: 'DELETE', version: null }, T0 + 10);
    c.write(write('product:1', 3, T0 + 5), T0 + 10);
    c.write(write('product:2', 3, T0), T0 + 10);
    looks(c, (_, key) => (key === 'product:2' ? { kind: 'oversized' } : { kind: 'version', version: v(3) }));
    const r = c.finish();
    assert.deepEqual(r.findings, []);
    assert.deepEqual([r.mappings[0]!.checked, r.mappings[0]!.converged, r.mappings[0]!.unchecked], [2, 2, 1]);
  });

  it("a replay sample proves the replica was behind only as of the query's sending, not its answer", () => {
    // Sent 5 ms before the refill, answered 25 ms after it: the LSN may have been read before the refill.
    const r = follow(old, (c) => {
      c.touched(['product:1'], T0 + 2);
      c.touched(['product:1'], T0 + 30);
      c.replayed('standby', '0/60', T0 + 55, T0 + 25);
      c.replayed('standby', '0/100', T0 + 900, T0 + 890);
    });
    assert.deepEqual(
      r.findings.map((f) => f.class),
      ['uncertain'],
    );
  });

  it('tracking prefixes: one that another covers is dropped (Redis refuses overlapping BCAST prefixes)', async () => {
    const { trackingPrefixes } = await import('../../src/commands/follow/index.js');
    assert.deepEqual(trackingPrefixes(['user:profile:', 'user:', 'product:', 'user:']), ['user:', 'product:']);
    assert.deepEqual(trackingPrefixes(['', 'product:']), ['']);
  });
});
