import { EXIT, TopoError, type ExitCode } from '../errors.js';

/** The API's errors: an error answer (ApiError) or no answer at all (NetworkError). */

/** The API answered with an error status. */
export class ApiError extends TopoError {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string | undefined,
    readonly requestId: string | undefined,
    readonly body: unknown,
    /**
     * The status the API really answered, where `status` classifies it otherwise: a 200 whose body cannot be
     * used is handled as a 502 (an answer came, not a usable one), and said as the 200 it was.
     */
    readonly answered: number = status,
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
