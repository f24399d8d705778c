// Finds the server binaries the sandbox needs: on PATH, else in PostgreSQL's bin folder (pg_config --bindir, Debian's layout).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

let pgBinDirs: string[] | undefined;

/** PostgreSQL server binaries are often not on PATH (Debian keeps them in /usr/lib/postgresql/<v>/bin). */
function postgresBinDirs(): string[] {
  if (pgBinDirs) return pgBinDirs;
  const dirs: string[] = [];
  if (process.env.CACHEDOCTOR_PG_BINDIR) dirs.push(process.env.CACHEDOCTOR_PG_BINDIR);
  try {
    dirs.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // pg_config is optional; fall through to the Debian layout.
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // Not Debian.
  }
  pgBinDirs = dirs;
  return dirs;
}

/** Absolute path of a server binary, or an Error that says what to install. */
export function findBinary(name: string): string {
  const isPg = !name.startsWith('redis');
  if (isPg) {
    // Prefer the server's own folder so initdb, postgres and pg_basebackup come from one version.
    for (const dir of postgresBinDirs()) if (isExecutable(join(dir, name))) return join(dir, name);
  }
  const found = onPath(name);
  if (found) return found;
  const pkg = isPg ? 'postgresql (server binaries; or set CACHEDOCTOR_PG_BINDIR)' : 'redis-server / redis-tools';
  throw new Error(`sandbox: ${name} not found on PATH${isPg ? ' or in pg_config --bindir' : ''}: install ${pkg}`);
}
