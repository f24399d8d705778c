// URL checks shared by the Redis and PostgreSQL adapters.
import { UsageError } from '../errors.js';

/** new URL() says only "Invalid URL": name the usual culprits, a bad port or an unencoded character. */
export function assertParsableUrl(url: string, flag: string): void {
  try {
    new URL(url);
  } catch {
    // Never echo parts of the URL: a misread password would be printed as a "port".
    const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '';
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
    const port = /^(?:\[[^\]]*\]|[^:[\]]*):(\d+)$/.exec(hostPort)?.[1];
    if (port !== undefined && Number(port) > 65535) throw new UsageError(`${flag}: the port is not a number from 1 to 65535`);
    throw new UsageError(`${flag}: not a valid URL`, 'percent-encode special characters (@ : / ? # %) in the user name and password');
  }
}
