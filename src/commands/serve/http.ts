// serve's HTTP endpoints: /metrics (Prometheus), /healthz (the process is up), /readyz (Redis and the primary
// answered on their last attempt). GET and HEAD only; nothing here starts a measurement, so a scrape never waits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../errors.js';
import type { Address } from '../../options/values.js';

export interface Endpoints {
  metrics(): Promise<{ contentType: string; body: string }>;
  /** null: ready; else why not, a line per source. */
  notReady(): string[] | null;
  /** A request that failed (a bug in a collector): said once per distinct message. */
  failed(err: unknown): void;
}

const INDEX = `cachedoctor serve\n\n/metrics  Prometheus metrics\n/healthz  200 while the process is up\n/readyz   200 when Redis and the primary answered on their last attempt, else 503 and why\n`;

export async function listen(at: Address, endpoints: Endpoints): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void handle(req, res, endpoints));
  // A scraper that keeps its connection open must not hold serve up when it stops.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `--listen ${at.host}:${at.port}`;
      if (err.code === 'EADDRINUSE')
        reject(new UsageError(`${where}: the address is in use (another serve, or an exporter on that port?)`, 'pass --listen with another port'));
      else if (err.code === 'EACCES')
        reject(new UsageError(`${where}: not allowed to listen there (a port under 1024 needs privileges)`, 'pass --listen with a port above 1024'));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        reject(new UsageError(`${where}: no such address on this machine`, 'pass --listen with one of its addresses, or :port for every interface'));
      else reject(new UsageError(`${where}: cannot listen: ${err.message}`));
    });
    server.listen({ host: at.host === '' ? undefined : at.host, port: at.port }, () => resolve());
  });
  // Once listening, an error of the server itself (too many open files on accept) is said, never a crash.
  server.on('error', (err) => endpoints.failed(err));
  const a = server.address() as AddressInfo;
  const host = at.host === '' ? 'localhost' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { server, url: `http://${host}:${a.port}` };
}

async function handle(req: IncomingMessage, res: ServerResponse, endpoints: Endpoints): Promise<void> {
  const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(405, 'only GET and HEAD\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://serve').pathname;
    if (path === '/metrics') {
      const m = await endpoints.metrics();
      send(200, m.body, m.contentType);
    } else if (path === '/healthz') send(200, 'ok\n');
    else if (path === '/readyz') {
      const why = endpoints.notReady();
      if (why === null) send(200, 'ready\n');
      else send(503, `not ready\n${why.map((w) => `${w}\n`).join('')}`);
    } else if (path === '/') send(200, INDEX);
    else send(404, `not found: ${path} (see /)\n`);
  } catch (err) {
    endpoints.failed(err);
    if (!res.headersSent) send(500, 'internal error (see the serve log)\n');
    else res.destroy();
  }
}
