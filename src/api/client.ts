import { Agent, EnvHttpProxyAgent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { ApiError, NetworkError } from './errors.js';
import type { ApiErrorBody } from './types.js';
import { SCOPES } from './wire.js';

export type RetryPolicy =
  /** GET and PATCH of the same body: retry connection errors, 429, 502, 503, 504. */
  | 'idempotent'
  /** POST without idempotency key: retry only answers that say the request was not processed (429, 503). */
  | 'unprocessed'
  | 'none';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: [string, string][];
  body?: unknown;
  retry?: RetryPolicy;
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  userAgent: string;
  timeoutMs: number;
  maxAttempts?: number;
  /** Longest single wait between attempts. */
  maxDelayMs?: number;
  baseDelayMs?: number;
  debug?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  dispatcher?: Dispatcher;
  /** Use proxy settings from HTTPS_PROXY / NO_PROXY. */
  env?: Record<string, string | undefined>;
}

const RETRY_STATUSES_IDEMPOTENT = new Set([429, 502, 503, 504]);
const RETRY_STATUSES_UNPROCESSED = new Set([429, 503]);

/** The thin HTTP layer: auth, timeouts, retries with backoff that honours Retry-After, typed errors. */
export class ApiClient {
  readonly dispatcher: Dispatcher;
  private readonly maxAttempts: number;
  private readonly maxDelayMs: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  /** After a 429 with Retry-After, no request of this client starts before this time: all slow down together. */
  private pausedUntil = 0;
  /** Requests sent, including retries; for reports and benchmarks. */
  requestCount = 0;

  constructor(private readonly options: ClientOptions) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    const timeouts = {
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    };
    const env = options.env ?? {};
    const proxy = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy;
    this.dispatcher =
      options.dispatcher ??
      (proxy
        ? new EnvHttpProxyAgent({
            ...timeouts,
            httpsProxy: env.HTTPS_PROXY || env.https_proxy,
            httpProxy: env.HTTP_PROXY || env.http_proxy,
            noProxy: env.NO_PROXY || env.no_proxy,
          })
        : new Agent(timeouts));
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  url(path: string, query: [string, string][] = []): string {
    const base = this.options.baseUrl.replace(/\/+$/, '');
    const search = new URLSearchParams(query).toString();
    return `${base}${path}${search ? `?${search}` : ''}`;
  }

  /** Sends a request, retrying per its policy, and returns the parsed JSON body. */
  async send<T>(req: ApiRequest): Promise<T> {
    const url = this.url(req.path, req.query);
    const policy = req.retry ?? (req.method === 'POST' ? 'unprocessed' : 'idempotent');
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    for (let attempt = 1; ; attempt++) {
      const pause = this.pausedUntil - this.now();
      if (pause > 0) await this.sleep(Math.min(pause, this.maxDelayMs));
      this.requestCount++;
      const started = this.now();
      let outcome: { status: number; headers: Record<string, string | string[] | undefined>; text: string };
      try {
        const res = await request(url, {
          method: req.method,
          dispatcher: this.dispatcher,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            'user-agent': this.options.userAgent,
            accept: 'application/json',
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          body,
        });
        outcome = { status: res.statusCode, headers: res.headers, text: await res.body.text() };
      } catch (error) {
        const network = toNetworkError(error, url, this.options.timeoutMs);
        this.log(
          `${req.method} ${url} -> ${network.code ?? 'error'} (${this.now() - started} ms) attempt ${attempt}/${this.maxAttempts}`,
        );
        if (policy === 'idempotent' && attempt < this.maxAttempts) {
          await this.wait(this.backoff(attempt));
          continue;
        }
        throw network;
      }
      const requestId = header(outcome.headers, 'x-request-id');
      this.log(
        `${req.method} ${url} -> ${outcome.status} (${this.now() - started} ms)${requestId ? ` request_id=${requestId}` : ''} attempt ${attempt}/${this.maxAttempts}`,
      );
      if (outcome.status >= 200 && outcome.status < 300) {
        try {
          return parseJson<T>(outcome.text, outcome.status, requestId, url);
        } catch (error) {
          // A cut-off body is a transfer fault: reading again is harmless where repeating the request is.
          if (policy === 'idempotent' && attempt < this.maxAttempts) {
            await this.wait(this.backoff(attempt));
            continue;
          }
          throw error;
        }
      }
      if (outcome.status >= 300 && outcome.status < 400) {
        const location = header(outcome.headers, 'location');
        throw new ApiError(
          `the API answered with a redirect (HTTP ${outcome.status}${location ? ` to ${location}` : ''}); topo does not follow redirects with your key: check --api-url`,
          outcome.status,
          undefined,
          requestId,
          null,
        );
      }
      const retryable =
        policy === 'idempotent'
          ? RETRY_STATUSES_IDEMPOTENT
          : policy === 'unprocessed'
            ? RETRY_STATUSES_UNPROCESSED
            : new Set<number>();
      if (retryable.has(outcome.status) && attempt < this.maxAttempts) {
        const retryAfter = parseRetryAfter(header(outcome.headers, 'retry-after'), this.now());
        if (outcome.status === 429 && retryAfter !== undefined) {
          // The pause at the top of the loop waits it out, for this request and every other one of the client.
          this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.min(retryAfter, this.maxDelayMs));
          this.log(`rate limited: pausing requests for ${Math.min(retryAfter, this.maxDelayMs)} ms`);
          continue;
        }
        await this.wait(retryAfter ?? this.backoff(attempt));
        continue;
      }
      throw toApiError(outcome.status, outcome.text, requestId, header(outcome.headers, 'content-type'));
    }
  }

  /** Exponential backoff with full jitter: a random wait up to base·2^(attempt-1). */
  private backoff(attempt: number): number {
    return Math.round(this.random() * this.baseDelayMs * 2 ** (attempt - 1));
  }

  private async wait(ms: number): Promise<void> {
    const capped = Math.min(Math.max(ms, 0), this.maxDelayMs);
    if (capped > 0) this.log(`waiting ${capped} ms before retrying`);
    await this.sleep(capped);
  }

  private log(line: string): void {
    this.options.debug?.(line);
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function parseJson<T>(text: string, status: number, requestId: string | undefined, url: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(
      `the API answered ${status} with a body that is not valid JSON (${describeLength(text)}) from ${url}`,
      502,
      undefined,
      requestId,
      text.slice(0, 200),
    );
  }
}

function describeLength(text: string): string {
  return text.length === 0 ? 'empty' : `${text.length} bytes`;
}

export function toApiError(
  status: number,
  text: string,
  requestId: string | undefined,
  contentType?: string,
): ApiError {
  let body: ApiErrorBody | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as ApiErrorBody;
  } catch {
    body = undefined;
  }
  const id = body?.request_id ?? requestId;
  if (!body) {
    const kind = contentType?.split(';')[0]?.trim() || 'non-JSON';
    return new ApiError(
      `the API answered HTTP ${status} with a ${kind} body (${statusText(status)})`,
      status,
      undefined,
      id,
      text.slice(0, 200),
    );
  }
  let message = typeof body.message === 'string' && body.message ? body.message : statusText(status);
  // A 403 always says which scopes exist, in case the API's message does not name the missing one.
  if (status === 403 && !/tasks:(read|write)/.test(message)) {
    message += ` (the key lacks a scope this needs: '${SCOPES.read}' to read tasks, '${SCOPES.write}' to change them)`;
  }
  return new ApiError(message, status, typeof body.type === 'string' ? body.type : undefined, id, body);
}

function statusText(status: number): string {
  const known: Record<number, string> = {
    400: 'bad request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not found',
    409: 'conflict',
    422: 'unprocessable',
    429: 'rate limited',
    500: 'server error',
    502: 'bad gateway',
    503: 'service unavailable',
    504: 'gateway timeout',
  };
  return known[status] ?? `HTTP ${status}`;
}

function toNetworkError(error: unknown, url: string, timeoutMs: number): NetworkError {
  const host = safeHost(url);
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new NetworkError(
      `request to ${host} timed out after ${timeoutMs / 1000} s; try again or raise --timeout`,
      'ETIMEDOUT',
    );
  }
  const code =
    (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    UND_ERR_SOCKET: 'connection closed unexpectedly',
    ETIMEDOUT: 'connection timed out',
  };
  const reason = (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error));
  return new NetworkError(`cannot reach ${host}: ${reason}`, code);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
