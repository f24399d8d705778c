// One throwaway PostgreSQL server (primary or standby) on a loopback port, run as `postgres` when we are root.
import { join } from 'node:path';
import pg from 'pg';
import { findBinary } from './binaries.js';
import { type Managed, type RunAs, spawnManaged, stopManaged, waitFor } from './processes.js';

/** Settings for speed and determinism in tests; durability is not wanted in a throwaway server. */
const TEST_SETTINGS = [
  'fsync=off',
  'full_page_writes=off',
  'shared_buffers=16MB',
  'max_connections=40',
  'max_wal_senders=8',
  'wal_level=logical',
  'max_replication_slots=10',
  'log_min_messages=warning',
];

export class PostgresServer {
  private proc: Managed | null = null;

  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly socketDir: string,
    readonly port: number,
    private readonly runAs: RunAs | null,
    private readonly settings: string[] = [],
  ) {}

  /** Superuser URL (trust auth on loopback). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  urlFor(user: string, password?: string, database = 'postgres'): string {
    const auth = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return `postgres://${auth}@127.0.0.1:${this.port}/${database}`;
  }

  get logFile(): string {
    return join(this.socketDir, `${this.name}.log`);
  }

  pid(): number | undefined {
    return this.proc && !this.proc.hasExited() ? this.proc.child.pid : undefined;
  }

  running(): boolean {
    return this.pid() !== undefined;
  }

  async start(): Promise<void> {
    const settings = [
      ...TEST_SETTINGS,
      'listen_addresses=127.0.0.1',
      `unix_socket_directories=${this.socketDir}`,
      `cluster_name=${this.name}`,
      ...this.settings,
    ];
    const args = ['-D', this.dataDir, '-p', String(this.port), ...settings.flatMap((s) => ['-c', s])];
    this.proc = spawnManaged(this.name, findBinary('postgres'), args, this.logFile, this.runAs);
    await waitFor(() => this.answers(), this.proc, 60_000, `PostgreSQL ${this.name} on port ${this.port}`);
  }

  /** Fast shutdown (SIGINT): disconnects clients, as an operator's `pg_ctl stop` would. */
  async stop(): Promise<void> {
    if (this.proc) await stopManaged(this.proc, 'SIGINT', 15_000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Runs SQL as the superuser on a fresh connection. */
  async sql<Row extends object = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<Row[]> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query(text, params)).rows as Row[];
    } finally {
      await client.end();
    }
  }

  /** True when OUR server answers on the port (not some other server that took it). */
  private async answers(): Promise<boolean> {
    try {
      const [row] = await this.sql<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
      return row?.dir === this.dataDir;
    } catch {
      return false;
    }
  }
}
