// The package as users get it (npm pack, then npm publish or an install from git): built on pack, so dist/ is in
// it; installed into an empty prefix with production dependencies only, the command runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useSandbox } from '../helpers/sandbox.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sandbox = useSandbox({ redis: false, standby: false });
const dir = mkdtempSync(join(tmpdir(), 'cachedoctor-pack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the npm package', () => {
  it('packs with dist/ (built on pack), installs with production dependencies only, and runs --help, --version and lag', async () => {
    // A checkout as a fresh clone has it: the project's files, no dist/ (node_modules linked, as after npm ci).
    const checkout = join(dir, 'checkout');
    const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const path of tracked.filter((p) => !p.startsWith('dist/') && existsSync(join(root, p)))) {
      mkdirSync(dirname(join(checkout, path)), { recursive: true });
      cpSync(join(root, path), join(checkout, path));
    }
    symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'));
    assert.equal(existsSync(join(checkout, 'dist')), false);
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], checkout)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    for (const path of ['bin/cachedoctor.js', 'dist/cli.js', 'src/schema/envelope.schema.json', 'docs/findings.md'])
      assert.ok(files.includes(path), `${path} not packed`);
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('src/core/')), 'sources and tests are not packed');
    const prefix = join(dir, 'prefix');
    npm(['install', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed[0]!.filename)], dir);
    const bin = join(prefix, 'node_modules', '.bin', 'cachedoctor');
    const run = (args: string[]) => {
      try {
        return { code: 0, out: execFileSync(bin, args, { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } }) };
      } catch (err) {
        const e = err as { status: number; stdout: string; stderr: string };
        return { code: e.status, out: `${e.stdout}${e.stderr}` };
      }
    };
    assert.match(run(['--help']).out, /Usage: cachedoctor/);
    const version = JSON.parse(npm(['pkg', 'get', 'version'], root)) as string;
    assert.equal(run(['--version']).out.trim(), version);
    const sb = await sandbox.ready();
    const lag = run(['lag', '--pg', sb.primaryUrl, '--json']);
    assert.equal(lag.code, 0, lag.out);
    assert.equal((JSON.parse(lag.out) as { command: string }).command, 'lag');
  });
});
