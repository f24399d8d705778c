// monitor from the command line: a capture on stdin and in a file, --json on stdout, exit codes, bad input.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, parseJson, runCli } from '../helpers/cli.js';
import { assertMatchesSchema } from '../helpers/schema.js';

const CAPTURE = new URL('../../fixtures/monitor/capture.log', import.meta.url).pathname;

describe('cachedoctor monitor (subprocess)', () => {
  it('reads a capture file, prints one schema-valid JSON document, counts every event', async () => {
    const run = await runCli(['monitor', '--input', CAPTURE, '--match', 'fx:*', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = parseJson<{ summary: { events: number; malformed: number }; stats: { topPrefixes: { name: string }[] } }>(run);
    assertMatchesSchema(doc);
    assert.equal(doc.summary.events, 22);
    assert.equal(doc.summary.malformed, 0);
    assert.equal(doc.stats.topPrefixes[0]?.name, 'fx:');
  });

  it('reads a capture from stdin, and counts and skips garbage and a cut last line', async () => {
    const input = `${readFileSync(CAPTURE, 'latin1')}garbage line\n1795689833.503785 [0 127.0.0.1:1] "get" "fx:cut`;
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'monitor', '--input', '-', '--match', 'fx:*', '--json'], { env: { PATH: process.env.PATH, NO_COLOR: '1' } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ code, stdout }));
      child.stdin.end(Buffer.from(input, 'latin1'));
    });
    assert.equal(run.code, 0);
    const doc = JSON.parse(run.stdout) as { summary: { events: number; malformed: number } };
    assert.deepEqual([doc.summary.events, doc.summary.malformed], [22, 2]);
  });

  it('SIGTERM while stdin is quiet (redis-cli monitor | cachedoctor with little traffic) stops at once and reports, exit 130', async () => {
    const run = await new Promise<{ code: number | null; stdout: string; ms: number }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'monitor', '--input', '-', '--match', 'fx:*', '--json'], { env: { PATH: process.env.PATH, NO_COLOR: '1' } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      let sentAt = 0;
      child.on('close', (code) => resolve({ code, stdout, ms: Date.now() - sentAt }));
      // A few events, then nothing: the pipe stays open.
      child.stdin.write(`${readFileSync(CAPTURE, 'latin1').split('\n').slice(0, 5).join('\n')}\n`);
      setTimeout(() => {
        sentAt = Date.now();
        child.kill('SIGTERM');
      }, 1500);
    });
    assert.equal(run.code, 130, run.stdout);
    assert.ok(run.ms < 3000, `stopped ${run.ms} ms after SIGTERM`);
    const doc = JSON.parse(run.stdout) as { complete: boolean; ok: boolean; summary: { events: number } };
    assert.deepEqual([doc.complete, doc.ok, doc.summary.events], [false, false, 4]);
  });
  it('a mistyped --match follows nothing: a warning and exit 1, naming the keys seen instead', async () => {
    const run = await runCli(['monitor', '--input', CAPTURE, '--match', 'xf:*', '--json']);
    assert.equal(run.code, 1, run.stderr);
    const doc = parseJson<{ ok: boolean; findings: { kind: string; message: string }[] }>(run);
    assertMatchesSchema(doc);
    assert.deepEqual(
      doc.findings.map((f) => f.kind),
      ['nothing-followed'],
    );
    assert.match(doc.findings[0]!.message, /keys seen instead: fx:\* \(\d+\)/);
  });
  it('says plainly what is wrong: a missing capture file, nothing to follow, live-only options with --input', async () => {
    const missing = await runCli(['monitor', '--input', '/nonexistent/capture.log', '--match', 'x:*']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr.trim(), /^cachedoctor: --input \/nonexistent\/capture\.log: not found$/);
    const nothing = await runCli(['monitor', '--input', CAPTURE]);
    assert.equal(nothing.code, 2);
    assert.match(
      nothing.stderr.trim(),
      /^cachedoctor: monitor: no mappings given, and finding them needs both --redis and --pg \(pass --key 'product:\{id\}' --table products, --match 'product:\*', or a config file/,
    );
    const mixed = await runCli(['monitor', '--input', CAPTURE, '--match', 'x:*', '--save', '/tmp/x.log']);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /are for live monitoring/);
  });

  it('--save to a path that cannot be written: exit 2 and one line, before connecting; an existing file is left as it was', async () => {
    // Redis is not even there: the path is checked first, so the answer is exit 2 (usage), not 3 (a source).
    const bad = await runCli(['monitor', '--redis', 'redis://127.0.0.1:1', '--match', 'x:*', '--save', '/nonexistent/dir/capture.log']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.equal(
      bad.stderr.trim(),
      'cachedoctor: --save /nonexistent/dir/capture.log: cannot write it: its folder does not exist (give a file in a folder you can write to)',
    );
    const dir = mkdtempSync(join(tmpdir(), 'cd-save-'));
    try {
      const kept = join(dir, 'last-incident.log');
      writeFileSync(kept, 'the capture of the last incident\n');
      const again = await runCli(['monitor', '--redis', 'redis://127.0.0.1:1', '--match', 'x:*', '--save', kept]);
      assert.equal(again.code, 2, again.stderr);
      assert.match(
        again.stderr.trim(),
        /^cachedoctor: --save .*last-incident\.log: exists already, and cachedoctor does not overwrite a capture \(choose another name/,
      );
      assert.equal(readFileSync(kept, 'utf8'), 'the capture of the last incident\n');
      // A watch that never started leaves no empty file behind.
      const fresh = join(dir, 'fresh.log');
      const refused = await runCli(['monitor', '--redis', 'redis://127.0.0.1:1', '--match', 'x:*', '--save', fresh]);
      assert.equal(refused.code, 3, refused.stderr);
      assert.equal(existsSync(fresh), false);
      // A pipe or a device (here a link to /dev/null, as /dev/stdout is one) is written to, and never removed.
      const fifo = join(dir, 'to-gzip');
      execFileSync('mkfifo', [fifo]);
      const reader = spawn('cat', [fifo], { stdio: 'ignore' });
      const device = join(dir, 'null-link');
      symlinkSync('/dev/null', device);
      try {
        for (const path of [fifo, device]) {
          const r = await runCli(['monitor', '--redis', 'redis://127.0.0.1:1', '--match', 'x:*', '--save', path]);
          assert.equal(r.code, 3, r.stderr);
          assert.equal(existsSync(path), true, `${path} was removed`);
        }
      } finally {
        reader.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
