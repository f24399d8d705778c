// A raw MONITOR connection: the lines exactly as Redis writes them (ioredis' monitor() un-escapes only \" and
// loses bytes), read from the socket, so values decode to the bytes that were sent.
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { redisTlsOptions } from './tls.js';
import { withDeadline } from '../../async.js';
import { LineSplitter } from '../lineSplitter.js';
import { assertRedisUrl, redisSourceError, redisTarget } from './connect.js';

export interface MonitorStream {
  /** CLIENT ID of the monitor connection, to find it in CLIENT LIST. */
  clientId: number;
  target: string;
  /** Lines skipped for being longer than maxLineChars. */
  readonly overlong: number;
  lines(signal: AbortSignal): AsyncGenerator<string>;
  close(): void;
}

const QUEUE_HIGH = 50_000;
const QUEUE_LOW = 10_000;

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

export async function openMonitor(opts: { url: string; flag: string; timeoutMs: number; maxLineChars: number; tlsName?: string }): Promise<MonitorStream> {
  assertRedisUrl(opts.url, opts.flag);
  const u = new URL(opts.url);
  const target = redisTarget(opts.url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const port = Number(u.port || 6379);
  const socket: Socket = u.protocol === 'rediss:' ? tlsConnect({ host, port, ...redisTlsOptions(host, opts.tlsName ?? null) }) : tcpConnect({ host, port });
  socket.setNoDelay(true);
  // Lines over maxLineChars (a huge value SET while we watch) are skipped and counted, never held whole.
  const splitter = new LineSplitter(opts.maxLineChars);
  let waiter: { resolve: (line: string) => void; reject: (err: unknown) => void } | null = null;
  let failure: unknown = null;
  // A queue with a moving head: Array.shift() is linear on long arrays, and MONITOR can deliver 70k lines/s.
  let lines: string[] = [];
  let head = 0;
  // Bounded on our side too: past QUEUE_HIGH lines waiting, reading stops (Redis then buffers, and the caller's
  // omem guard sees it) until we are down to QUEUE_LOW.
  let paused = false;
  const take = (): string => {
    const line = lines[head++]!;
    if (paused && lines.length - head < QUEUE_LOW) {
      paused = false;
      socket.resume();
    }
    if (head > 4096 && head * 2 > lines.length) {
      lines = lines.slice(head);
      head = 0;
    }
    return line;
  };
  socket.on('data', (d: Buffer) => {
    for (const line of splitter.push(d.toString('latin1'))) lines.push(line);
    if (!paused && lines.length - head > QUEUE_HIGH) {
      paused = true;
      socket.pause();
    }
    if (waiter && head < lines.length) {
      const w = waiter;
      waiter = null;
      w.resolve(take());
    }
  });
  let closed = false;
  // One close handler for the one pending read (a handler per read would pile up over a long watch).
  socket.once('close', () => {
    closed = true;
    const w = waiter;
    waiter = null;
    w?.reject(failure ?? new Error('Connection is closed.'));
  });
  socket.on('error', (err) => (failure = err));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      if (head < lines.length) return resolve(take());
      if (closed || failure) return reject(failure ?? new Error('Connection is closed.'));
      waiter = { resolve, reject };
    });
  const command = async (...args: string[]): Promise<string> => {
    socket.write(resp(...args));
    const reply = await nextLine();
    if (reply.startsWith('-')) throw new Error(reply.slice(1));
    return reply;
  };
  try {
    await withDeadline(
      (async () => {
        await new Promise<void>((resolve, reject) => {
          socket.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', resolve);
          socket.once('error', reject);
        });
        if (u.password) {
          const user = decodeURIComponent(u.username);
          // A password given to a server that needs none is what ioredis (the other connections) shrugs off too.
          await command('AUTH', ...(user ? [user] : []), decodeURIComponent(u.password)).catch((err: Error) => {
            if (!/without any password configured/i.test(err.message)) throw err;
          });
        }
      })(),
      opts.timeoutMs,
    );
    await withDeadline(command('CLIENT', 'SETNAME', 'cachedoctor-monitor'), opts.timeoutMs);
    const id = Number((await withDeadline(command('CLIENT', 'ID'), opts.timeoutMs)).slice(1));
    await withDeadline(command('MONITOR'), opts.timeoutMs);
    return {
      clientId: id,
      target,
      get overlong() {
        return splitter.overlong;
      },
      async *lines(signal: AbortSignal) {
        const onAbort = () => socket.destroy();
        // A signal that fired already fires no more events.
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          for (;;) {
            let line: string;
            try {
              line = await nextLine();
            } catch (err) {
              if (signal.aborted) return;
              throw redisSourceError(err, target, opts.flag, opts.timeoutMs, 'query');
            }
            if (line.startsWith('+')) yield line.slice(1);
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      },
      close: () => socket.destroy(),
    };
  } catch (err) {
    socket.destroy();
    throw redisSourceError(failure ?? err, target, opts.flag, opts.timeoutMs, 'connect', u.protocol === 'rediss:');
  }
}
