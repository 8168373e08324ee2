/**
 * topo's own errors and the one table that maps every error to an exit code. The API's errors (ApiError,
 * NetworkError) extend TopoError in api/errors.ts; everything else a command can fail with is here.
 */

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  state: 5,
  partial: 6,
  cancelled: 130,
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type Signal = 'SIGINT' | 'SIGTERM';

export class TopoError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.failure) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad input: raised before any request is sent. */
export class UsageError extends TopoError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The config file is unreadable or holds a wrong value: the person must fix it. */
export class ConfigError extends TopoError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** No key, or a key that cannot be used. */
export class AuthError extends TopoError {
  constructor(message: string) {
    super(message, EXIT.auth);
  }
}

export class CancelledError extends TopoError {
  constructor(message = 'cancelled') {
    super(message, EXIT.cancelled);
  }
}

/** Stopped by Ctrl-C (130) or SIGTERM (143) after what was under way finished; what was done is reported. */
export class InterruptedError extends TopoError {
  constructor(message: string, signal: Signal = 'SIGINT') {
    super(message, signal === 'SIGTERM' ? EXIT.terminated : EXIT.cancelled);
  }
}

/** Some of a bulk change failed or is left (exit 6); the details were already reported. */
export class PartialFailureError extends TopoError {
  constructor(message: string) {
    super(message, EXIT.partial);
  }
}
