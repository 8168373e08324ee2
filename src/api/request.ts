import type { Dispatcher } from './http.js';

/** What a request to the API is, what a client is made with, and how each kind of request is retried. */

export type RetryPolicy =
  /**
   * GET, and PATCH of the same body: retry 429 while progress is possible, and 500, 502, 503, 504, dropped
   * connections, timeouts and cut-off bodies up to maxAttempts.
   */
  | 'idempotent'
  /** POST without idempotency key: retry only answers that say the request was not processed (429, 503). */
  | 'unprocessed'
  | 'none';

export interface ApiRequest<T = unknown> {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: [string, string][];
  body?: unknown;
  retry?: RetryPolicy;
  /** Checks the parsed answer and returns it typed; throws UnexpectedAnswer (from shape.ts) when unusable. */
  shape?: (value: unknown) => T;
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  userAgent: string;
  /** Bounds each attempt as a whole: connecting (to the proxy too), the proxy's CONNECT, headers and body. */
  timeoutMs: number;
  /** Attempts per request for faults other than 429 (which never count): 5xx, dropped connections, timeouts. */
  maxAttempts?: number;
  /** Longest single wait between attempts; a longer Retry-After is cut to it. Default 60 s. */
  maxDelayMs?: number;
  /** First step of the exponential backoff (with full jitter) used where the API sends no Retry-After. */
  baseDelayMs?: number;
  /**
   * How long 429 answers are retried while no request of this client succeeds; past it the 429 is thrown.
   * Default 5 minutes.
   */
  rateLimitPatienceMs?: number;
  /** Largest answer read; a larger one is an unexpected answer. Default 64 MiB. */
  maxBodyBytes?: number;
  /** HTTP log lines (--debug): method, URL, status, duration, request id, attempt, waits. Never the key or bodies. */
  debug?: (line: string) => void;
  /** Lines for the person, at most once each: e.g. that a rate limit makes topo wait a long time. */
  notice?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  dispatcher?: Dispatcher;
  /** Proxy settings: HTTPS_PROXY (or HTTP_PROXY) and NO_PROXY, used for https:// API URLs only. */
  env?: Record<string, string | undefined>;
}

/** Counters for reports and benchmarks. */
export interface ClientStats {
  /** Attempts sent, retries and 429s included. */
  requests: number;
  /** Attempts after the first of a request. */
  retries: number;
  /** 429 answers. */
  rateLimited: number;
  /** Time spent waiting after 429s, summed over requests (concurrent waits add up). */
  rateLimitWaitMs: number;
}

/** What each retry policy tries again (within maxAttempts; a 429 while requests still get through). */
export const RETRIES: Record<
  RetryPolicy,
  { statuses: ReadonlySet<number>; noAnswer: boolean; rateLimit: boolean }
> = {
  // A dropped connection, a timeout or a body cut short may hide a request that was processed.
  idempotent: { statuses: new Set([500, 502, 503, 504]), noAnswer: true, rateLimit: true },
  unprocessed: { statuses: new Set([503]), noAnswer: false, rateLimit: true },
  none: { statuses: new Set(), noAnswer: false, rateLimit: false },
};
