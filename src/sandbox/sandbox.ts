// Throwaway Redis and PostgreSQL primary + streaming standby in a temp folder, for tests, benchmarks and the demo.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './binaries.js';
import { SANDBOX_PREFIX, reapOrphans, recordPids, removeDir, track } from './cleanup.js';
import { freePort } from './ports.js';
import { PostgresServer } from './postgresServer.js';
import { postgresRunAs, run } from './processes.js';
import { RedisServer } from './redisServer.js';
import { type Certs, makeCerts } from './certs.js';

export interface SandboxOptions {
  redis?: boolean;
  postgres?: boolean;
  /** A streaming standby of the primary (needs postgres). */
  standby?: boolean;
  /** A Redis Cluster of this many masters, besides the plain redis-server. */
  redisCluster?: number;
  /** Replicas per cluster master (default 0): clusterNodes lists the masters first, then the replicas. */
  redisClusterReplicas?: number;
  /** Extra PostgreSQL settings (name=value), e.g. a bigger shared_buffers for benchmarks. */
  postgresSettings?: string[];
  /** Tear down on SIGINT/SIGTERM and exit (default true). Turn off when the host program handles signals itself. */
  handleSignals?: boolean;
  /** Serve TLS too: Redis on a second (TLS) port, PostgreSQL with ssl=on, both with a certificate of a sandbox CA;
   * the cluster (if any) over TLS only, announcing its nodes by IP with a certificate that names only localhost. */
  tls?: boolean;
}

export const STANDBY_NAME = 'standby1';

/** Members of this role must log in with a password (scram); everyone else is trusted on loopback. */
export const PASSWORD_ROLE = 'password_required';

export class Sandbox {
  redis: RedisServer | null = null;
  clusterNodes: RedisServer[] = [];
  primary: PostgresServer | null = null;
  standby: PostgresServer | null = null;
  /** With `tls`: the CA to trust, and Redis' TLS port. */
  certs: Certs | null = null;
  redisTlsPort: number | null = null;
  private untrack: () => void = () => {};

  private constructor(
    readonly dir: string,
    private readonly pgSettings: string[],
  ) {}

  static async start(opts: SandboxOptions = {}): Promise<Sandbox> {
    reapOrphans();
    const dir = mkdtempSync(join(tmpdir(), SANDBOX_PREFIX));
    const sb = new Sandbox(dir, opts.postgresSettings ?? []);
    sb.untrack = track({ dir, pids: () => sb.pids() }, opts.handleSignals ?? true);
    try {
      if (opts.tls) {
        sb.certs = await makeCerts(dir, postgresRunAs());
        sb.pgSettings.push('ssl=on', `ssl_cert_file=${sb.certs.cert}`, `ssl_key_file=${sb.certs.key}`);
      }
      if (opts.redis ?? true) await sb.startRedis();
      if (opts.redisCluster) await sb.startRedisCluster(opts.redisCluster, opts.redisClusterReplicas ?? 0);
      if (opts.postgres ?? true) await sb.startPrimary();
      if ((opts.standby ?? true) && sb.primary) await sb.startStandby();
      return sb;
    } catch (err) {
      await sb.teardown();
      throw err;
    }
  }

  get redisUrl(): string {
    return must(this.redis, 'redis').url;
  }

  /** rediss:// to the TLS port (needs `tls`), by the name on the certificate. */
  get redisTlsUrl(): string {
    return `rediss://localhost:${must(this.redisTlsPort, 'redis TLS port')}`;
  }

  get primaryUrl(): string {
    return must(this.primary, 'primary').url;
  }

  get standbyUrl(): string {
    return must(this.standby, 'standby').url;
  }

  pids(): number[] {
    return [this.redis?.pid(), ...this.clusterNodes.map((n) => n.pid()), this.primary?.pid(), this.standby?.pid()].filter((p): p is number => p !== undefined);
  }

  private async startRedis(): Promise<void> {
    const tls = this.certs;
    this.redis = await withPortRetry((port) => {
      // The TLS port next to the plain one (which the start-up check and the tests' seeding use).
      this.redisTlsPort = tls ? port + 1 : null;
      const args = tls
        ? ['--tls-port', String(port + 1), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no']
        : [];
      return new RedisServer(this.dir, port, args);
    });
    recordPids(this.dir, this.pids());
  }

  /** Seed URL of the cluster (any node will do for a cluster client). */
  get redisClusterUrl(): string {
    return must(this.clusterNodes[0] ?? null, 'redis cluster').url;
  }

  /** Seed URL of the cluster over TLS (needs `tls`), by the one name its certificate has. */
  get redisClusterTlsUrl(): string {
    must(this.certs, 'sandbox TLS');
    return `rediss://localhost:${must(this.clusterNodes[0] ?? null, 'redis cluster').port + 1}`;
  }

  private async startRedisCluster(masters: number, replicas: number): Promise<void> {
    const tls = this.certs;
    for (let i = 0; i < masters * (1 + replicas); i += 1) {
      this.clusterNodes.push(
        await withPortRetry(
          (port) =>
            new RedisServer(this.dir, port, [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              `nodes-${port}.conf`,
              '--cluster-node-timeout',
              '2000',
              '--cluster-require-full-coverage',
              'no',
              // Over TLS, clients are told the TLS port (port + 1), by IP; the bus speaks TLS too.
              ...(tls
                ? ['--tls-port', String(port + 1), '--tls-cluster', 'yes', '--tls-replication', 'yes', '--tls-auth-clients', 'no'].concat([
                    '--tls-cert-file',
                    tls.nameOnlyCert,
                    '--tls-key-file',
                    tls.nameOnlyKey,
                    '--tls-ca-cert-file',
                    tls.ca,
                  ])
                : []),
            ]),
        ),
      );
      recordPids(this.dir, this.pids());
    }
    const addresses = this.clusterNodes.map((n) => `127.0.0.1:${n.port}`);
    await run(findBinary('redis-cli'), ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], null);
    // Every node must agree the cluster is up before clients can rely on it.
    for (const n of this.clusterNodes) {
      await poll(
        async () => (await run(findBinary('redis-cli'), ['-p', String(n.port), 'cluster', 'info'], null)).includes('cluster_state:ok'),
        20_000,
        `redis cluster node ${n.port} ready`,
      );
    }
  }

  private pgDirs(name: string): { data: string; sockets: string } {
    const runAs = postgresRunAs();
    const sockets = join(this.dir, 'pg');
    mkdirSync(sockets, { recursive: true });
    // The postgres OS user must be able to reach its folders inside our (root-owned) temp folder.
    chmodSync(this.dir, 0o755);
    if (runAs) chownSync(sockets, runAs.uid, runAs.gid);
    return { data: join(sockets, name), sockets };
  }

  private async startPrimary(): Promise<void> {
    const runAs = postgresRunAs();
    const { data, sockets } = this.pgDirs('primary');
    await run(findBinary('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], runAs);
    requirePasswordFor(data, PASSWORD_ROLE);
    this.primary = await withPortRetry((port) => new PostgresServer('primary', data, sockets, port, runAs, this.pgSettings));
    recordPids(this.dir, this.pids());
    await this.primary.sql(`CREATE ROLE ${PASSWORD_ROLE} NOLOGIN`);
  }

  private async startStandby(): Promise<void> {
    const runAs = postgresRunAs();
    const primary = must(this.primary, 'primary');
    const { data, sockets } = this.pgDirs(STANDBY_NAME);
    await run(
      findBinary('pg_basebackup'),
      ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
      runAs,
    );
    this.standby = await withPortRetry((port) => new PostgresServer(STANDBY_NAME, data, sockets, port, runAs, this.pgSettings));
    recordPids(this.dir, this.pids());
    await this.waitForStreaming();
  }

  /** Waits until the primary lists the standby as streaming. */
  async waitForStreaming(timeoutMs = 30_000): Promise<void> {
    const primary = must(this.primary, 'primary');
    await poll(
      async () => {
        const rows = await primary.sql<{ state: string }>('SELECT state FROM pg_stat_replication WHERE application_name = $1', [STANDBY_NAME]);
        return rows[0]?.state === 'streaming';
      },
      timeoutMs,
      'standby streaming',
    );
  }

  /** Waits until the standby has replayed everything the primary has written so far. */
  async waitForCatchUp(timeoutMs = 30_000): Promise<void> {
    const primary = must(this.primary, 'primary');
    const standby = must(this.standby, 'standby');
    const [{ lsn }] = (await primary.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')) as [{ lsn: string }];
    await poll(
      async () => {
        const [row] = await standby.sql<{ behind: boolean }>('SELECT pg_last_wal_replay_lsn() < $1::pg_lsn AS behind', [lsn]);
        return row?.behind === false;
      },
      timeoutMs,
      'standby catch-up',
    );
  }

  /** Pauses WAL replay on the standby and waits until it is really paused. */
  async pauseReplay(): Promise<void> {
    const standby = must(this.standby, 'standby');
    await standby.sql('SELECT pg_wal_replay_pause()');
    await poll(async () => (await standby.sql<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s'))[0]?.s === 'paused', 10_000, 'replay pause');
  }

  async resumeReplay(): Promise<void> {
    await must(this.standby, 'standby').sql('SELECT pg_wal_replay_resume()');
  }

  /** Promotes the standby to a primary of its own (a failover): it stops streaming and accepts writes. */
  async promoteStandby(): Promise<void> {
    const standby = must(this.standby, 'standby');
    await standby.sql('SELECT pg_promote(true, 30)');
  }

  /** Stops every server and removes the folder. Safe to call twice. */
  async teardown(): Promise<void> {
    await Promise.all([this.standby?.stop(), this.redis?.stop(), ...this.clusterNodes.map((n) => n.stop())]);
    await this.primary?.stop();
    removeDir(this.dir);
    this.untrack();
  }
}

/** Puts a scram rule for members of `role` ahead of initdb's trust rules. */
function requirePasswordFor(dataDir: string, role: string): void {
  const hba = join(dataDir, 'pg_hba.conf');
  writeFileSync(hba, `host all +${role} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
}

function must<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`sandbox: no ${what} in this sandbox`);
  return v;
}

/** Starts a server on a free port, trying again with another port if a race took the first one. */
async function withPortRetry<S extends { start(): Promise<void>; stop(): Promise<void> }>(make: (port: number) => S): Promise<S> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const server = make(await freePort());
    try {
      await server.start();
      return server;
    } catch (err) {
      // A server that started but never became ready must not outlive this attempt.
      await server.stop().catch(() => {});
      last = err;
      if (!/in use|bind/i.test(String(err))) break;
    }
  }
  throw last;
}

export async function poll(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sandbox: ${what} did not happen within ${timeoutMs} ms${lastErr ? ` (last error: ${String(lastErr)})` : ''}`);
}
