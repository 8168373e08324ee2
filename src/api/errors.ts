/** Typed errors and the one table that maps them to exit codes. */

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
  constructor(message: string, signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(message, signal === 'SIGTERM' ? EXIT.terminated : EXIT.cancelled);
  }
}

/** A bulk command where some items failed; the details were already reported. */
export class PartialFailureError extends TopoError {
  constructor(message: string) {
    super(message, EXIT.partial);
  }
}

/** The API answered with an error status. */
export class ApiError extends TopoError {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string | undefined,
    readonly requestId: string | undefined,
    readonly body: unknown,
  ) {
    super(message, exitCodeForStatus(status));
  }
}

/** No answer: connection refused or reset, DNS failure, timeout. */
export class NetworkError extends TopoError {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message, EXIT.failure);
  }
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 409 || status === 422) return EXIT.state;
  return EXIT.failure;
}
