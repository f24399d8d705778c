// A throwaway redis-server on a loopback port, with no persistence.
import { connect } from 'node:net';
import { join } from 'node:path';
import { findBinary } from './binaries.js';
import { type Managed, spawnManaged, stopManaged, waitFor } from './processes.js';

export class RedisServer {
  readonly name = 'redis';
  private proc: Managed | null = null;

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return join(this.dir, `redis-${this.port}.log`);
  }

  pid(): number | undefined {
    return this.proc && !this.proc.hasExited() ? this.proc.child.pid : undefined;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', ...this.extraArgs];
    this.proc = spawnManaged(this.name, findBinary('redis-server'), args, this.logFile, null);
    await waitFor(() => ping(this.port), this.proc, 15_000, `redis-server on port ${this.port}`);
  }

  async stop(): Promise<void> {
    if (this.proc) await stopManaged(this.proc, 'SIGTERM', 5000);
  }
}

/** True when a Redis server answers PING on the port. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}
