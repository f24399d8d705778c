// Free loopback ports for throwaway servers.
import { createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1 (the caller retries if a race takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('sandbox: could not get a free port'))));
    });
  });
}
