// URL checks shared by the Redis and PostgreSQL adapters.
import { UsageError } from '../errors.js';

/** new URL() says only "Invalid URL": name the usual culprits, a bad port or an unencoded character. */
export function assertParsableUrl(url: string, flag: string): void {
  try {
    new URL(url);
  } catch {
    const port = /^[a-z]+:\/\/(?:[^/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):([^/?#]*)/i.exec(url)?.[1];
    if (port !== undefined && !(/^\d+$/.test(port) && Number(port) < 65536)) throw new UsageError(`${flag}: the port "${port}" is not a port number (1-65535)`);
    throw new UsageError(`${flag}: not a valid URL`, 'percent-encode special characters (@ : / ? # %) in the user name and password');
  }
}
