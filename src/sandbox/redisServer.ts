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
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      ...this.extraArgs,
    ];
    this.proc = spawnManaged(this.name, findBinary('redis-server'), args, this.logFile, null);
    const pid = this.proc.child.pid;
    await waitFor(async () => (await serverPid(this.port)) === pid, this.proc, 15_000, `redis-server on port ${this.port}`);
  }

  async stop(): Promise<void> {
    if (this.proc) await stopManaged(this.proc, 'SIGTERM', 5000);
  }
}

/** The process id of the Redis server answering on the port (INFO server), or undefined: proves it is ours. */
function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    const done = (pid: number | undefined) => {
      sock.destroy();
      resolve(pid);
    };
    sock.setTimeout(1000, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('connect', () => sock.write('INFO server\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      const m = /process_id:(\d+)/.exec(buf);
      if (m) done(Number(m[1]));
      else if (buf.startsWith('-')) done(undefined);
    });
  });
}
