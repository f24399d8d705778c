// Typed errors: thrown anywhere, mapped to exit codes only in cli.ts.
export const EXIT = {
  healthy: 0,
  findings: 1,
  usage: 2,
  source: 3,
  interrupted: 130,
} as const;

export type ErrorKind = 'usage' | 'config' | 'source' | 'interrupted';

export abstract class CachedoctorError extends Error {
  abstract readonly kind: ErrorKind;
  abstract readonly exitCode: number;
  /** A short next step for the reader, printed after the cause in parentheses. */
  readonly hint: string | undefined;

  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
    this.name = new.target.name;
  }

  /** The one line shown to the user. */
  get line(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

/** Bad flags or arguments. */
export class UsageError extends CachedoctorError {
  readonly kind = 'usage';
  readonly exitCode = EXIT.usage;
}

/** A usage error that a server's state or one part brings, not the flags alone: a --pg that is a standby (during a
 * failover too), a view, whose row changes follow cannot read. A one-off command exits 2 on it; serve keeps that part
 * down and tries again, rather than stopping. */
export class SituationalError extends UsageError {}

/** A config file that is missing, unreadable or invalid. */
export class ConfigError extends CachedoctorError {
  readonly kind = 'config';
  readonly exitCode = EXIT.usage;
}

export type SourceFailure = 'unreachable' | 'rejected';

/** A Redis or PostgreSQL server could not be reached or queried. */
export class SourceError extends CachedoctorError {
  readonly kind = 'source';
  readonly exitCode = EXIT.source;
  /** The bare cause ("connection refused"), for findings that already name the server. */
  readonly reason: string;
  /** unreachable: down or silent (network, timeout, shutdown); rejected: it answered but refused us (auth, privileges, TLS, bad database). */
  readonly category: SourceFailure;
  /** Which kind of server failed, when known: a Redis that cannot be reached is not tried again by the next part of a report. */
  readonly server: 'redis' | 'postgres' | null;

  constructor(message: string, hint?: string, options?: { cause?: unknown; reason?: string; category?: SourceFailure; server?: 'redis' | 'postgres' }) {
    super(message, hint, options);
    this.reason = options?.reason ?? message;
    this.category = options?.category ?? 'rejected';
    this.server = options?.server ?? null;
  }
}

/** Ctrl-C or SIGTERM before there was anything to report. */
export class InterruptedError extends CachedoctorError {
  readonly kind = 'interrupted';
  readonly exitCode = EXIT.interrupted;
}
