import {
  Agent,
  Pool,
  errors as undiciErrors,
  proxyAgent,
  request,
  type Dispatcher,
  type ResponseData,
} from './http.js';
import { ApiError, NetworkError } from './errors.js';
import { Pacer } from './pacer.js';
import { chooseProxy, type ProxyChoice } from './proxy.js';
import { UnexpectedAnswer, unexpectedAnswerError } from './shape.js';
import { clip } from '../domain/text.js';
import type { ApiErrorBody } from './types.js';
import { PATHS, SCOPES } from './wire.js';
import { redactUrl } from './url.js';
import { formatDuration } from '../domain/time.js';

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
const RETRIES: Record<RetryPolicy, { statuses: ReadonlySet<number>; noAnswer: boolean; rateLimit: boolean }> =
  {
    // A dropped connection, a timeout or a body cut short may hide a request that was processed.
    idempotent: { statuses: new Set([500, 502, 503, 504]), noAnswer: true, rateLimit: true },
    unprocessed: { statuses: new Set([503]), noAnswer: false, rateLimit: true },
    none: { statuses: new Set(), noAnswer: false, rateLimit: false },
  };
/** A wait at least this long is worth telling the person about. */
const LONG_WAIT_MS = 5000;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** NetworkError code of a proxy that answered the CONNECT with a refusal. */
const PROXY_REFUSED = 'EPROXY';

/** One request under way: what it sends, how it is shown in logs, and what its attempts met so far. */
interface Call {
  method: ApiRequest['method'];
  path: string;
  url: string;
  /** The URL as logs show it: no credentials, and no query where it may carry personal data. */
  shownUrl: string;
  policy: RetryPolicy;
  body: string | undefined;
  sentAt: number;
  /** Attempts that met a fault other than 429 (they count toward maxAttempts). */
  faults: number;
  rateLimited: number;
}

/** What one attempt came to: a value, or what went wrong, classified for the retry policy. */
type Verdict =
  | { kind: 'done'; value: unknown }
  /** Final whatever the policy: a redirect, an answer topo cannot use, a 4xx. */
  | { kind: 'final'; error: Error }
  | { kind: 'no-answer'; error: NetworkError }
  /** A 2xx whose body is not JSON (cut short): a transfer fault. */
  | { kind: 'bad-body'; error: ApiError }
  | { kind: 'status'; status: number; error: ApiError; retryAfter: number | undefined }
  | { kind: 'rate-limited'; error: ApiError; retryAfter: number | undefined };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The per-attempt deadline fired. */
class AttemptDeadline extends Error {
  constructor() {
    super('attempt deadline');
  }
}

const ignore = () => undefined;

/**
 * The thin HTTP layer: auth, a deadline on every attempt, retries per method, a pacer shared by every request
 * of the client, typed errors.
 */
export class ApiClient {
  readonly dispatcher: Dispatcher;
  /** Paces requests to the rate the API accepts; shared by every request of this client. */
  readonly pacer: Pacer;
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0, rateLimitWaitMs: 0 };
  /** The proxy requests go through, if any. */
  readonly proxy: ProxyChoice | undefined;
  private readonly maxAttempts: number;
  private readonly maxDelayMs: number;
  private readonly baseDelayMs: number;
  private readonly rateLimitPatienceMs: number;
  private readonly maxBodyBytes: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  /** When a request last got an answer other than 429 or 5xx. */
  private lastProgressAt = -Infinity;
  private readonly noticesGiven = new Set<string>();
  /** An attempt was left behind at its deadline: close() must not wait for it. */
  private abandonedAttempts = false;
  /** After close(), a failed attempt is not tried again (requests let go at Ctrl-C end with the process). */
  private closed = false;
  private waitingOutCount = 0;
  private readonly waitingOutListeners = new Set<() => void>();

  constructor(private readonly options: ClientOptions) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.rateLimitPatienceMs = options.rateLimitPatienceMs ?? 5 * 60_000;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.pacer = new Pacer({ now: this.now, sleep: this.sleep });
    // undici wants whole milliseconds.
    this.timeoutMs = Math.max(1, Math.round(options.timeoutMs));
    const timeoutMs = this.timeoutMs;
    const timeouts = { connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
    this.proxy = options.dispatcher ? undefined : chooseProxy(options.baseUrl, options.env ?? {});
    this.dispatcher =
      options.dispatcher ??
      (this.proxy
        ? proxyAgent({
            uri: this.proxy.url,
            ...timeouts,
            // undici's defaults leave the connection to the proxy and its CONNECT answer 10 s and 300 s.
            proxyTls: { timeout: timeoutMs },
            requestTls: { timeout: timeoutMs },
            clientFactory: (origin, opts) =>
              new Pool(origin, { ...opts, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }),
          })
        : new Agent(timeouts));
  }

  /** Requests waiting out a 429 before they are sent again. */
  get waitingOut(): number {
    return this.waitingOutCount;
  }

  /** Calls `listener` when a request starts waiting out a 429; returns what stops it. */
  onWaitingOut(listener: () => void): () => void {
    this.waitingOutListeners.add(listener);
    return () => this.waitingOutListeners.delete(listener);
  }

  /** Requests left running on purpose (a check skipped at Ctrl-C): close() must not wait for them. */
  abandon(): void {
    this.abandonedAttempts = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    // close() would wait for an attempt abandoned at its deadline (a proxy that never answers): end it now.
    if (this.abandonedAttempts) await this.dispatcher.destroy();
    else await this.dispatcher.close();
  }

  url(path: string, query: [string, string][] = []): string {
    const base = this.options.baseUrl.replace(/\/+$/, '');
    const search = new URLSearchParams(query).toString();
    return `${base}${path}${search ? `?${search}` : ''}`;
  }

  /** Sends a request, retrying per its policy, and returns the parsed JSON body (checked by `shape`). */
  async send<T>(req: ApiRequest<T>): Promise<T> {
    const url = this.url(req.path, req.query);
    const call: Call = {
      method: req.method,
      path: req.path,
      url,
      // Contact filters may carry personal data: such URLs are shown without their query.
      shownUrl: redactUrl(req.path.startsWith(PATHS.contacts) ? this.url(req.path) : url),
      policy: req.retry ?? (req.method === 'POST' ? 'unprocessed' : 'idempotent'),
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      sentAt: this.now(),
      faults: 0,
      rateLimited: 0,
    };
    for (let attempt = 1; ; attempt++) {
      const verdict = await this.attempt(req, call, attempt);
      if (verdict.kind === 'done') return verdict.value as T;
      await this.retry(verdict, call);
    }
  }

  /** One attempt: paced, sent under its deadline, logged, and its answer classified. */
  private async attempt<T>(req: ApiRequest<T>, call: Call, attempt: number): Promise<Verdict> {
    const ticket = await this.pacer.acquire();
    this.stats.requests++;
    if (attempt > 1) this.stats.retries++;
    const describeAttempt = () =>
      `attempt ${call.faults + 1}/${this.maxAttempts}` +
      (call.rateLimited > 0 ? ` after ${call.rateLimited} × 429` : '') +
      (ticket.heldMs > 0 ? `, paced ${ticket.heldMs} ms` : '');
    let answer: Answer;
    try {
      answer = await this.exchange(call.method, call.url, call.body);
    } catch (error) {
      if (error instanceof UnexpectedAnswer) {
        this.pacer.release(ticket, 'answered');
        return { kind: 'final', error: unexpectedAnswerError(error.what, call) };
      }
      this.pacer.release(ticket, 'no-answer');
      const network = this.toNetworkError(error, call.url);
      this.log(
        `${call.method} ${call.shownUrl} -> ${network.code ?? 'error'} (${this.now() - ticket.startedAt} ms) ${describeAttempt()}`,
      );
      return { kind: 'no-answer', error: network };
    }
    const rawRequestId = header(answer.headers, 'x-request-id');
    const requestId = rawRequestId === undefined ? undefined : clip(rawRequestId, 100);
    this.log(
      `${call.method} ${call.shownUrl} -> ${answer.status} (${this.now() - ticket.startedAt} ms)${requestId ? ` request_id=${requestId}` : ''} ${describeAttempt()}`,
    );
    if (answer.status === 429) {
      this.pacer.release(ticket, 'rate-limited', statedRate(answer.text));
      return { kind: 'rate-limited', error: errorOf(answer, requestId), retryAfter: this.retryAfter(answer) };
    }
    this.pacer.release(ticket, 'answered');
    if (answer.status < 500) this.lastProgressAt = this.now();
    return this.classify(req, call, answer, requestId);
  }

  /** An answer other than 429: the value, or the error, and whether the policy may retry it. */
  private classify<T>(
    req: ApiRequest<T>,
    call: Call,
    answer: Answer,
    requestId: string | undefined,
  ): Verdict {
    const { status, headers, text } = answer;
    if (status >= 200 && status < 300) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        const what = `the API answered ${status} with a body that is not valid JSON (${describeLength(text)}) from ${call.shownUrl}`;
        return { kind: 'bad-body', error: new ApiError(what, 502, undefined, requestId, text.slice(0, 200)) };
      }
      if (!req.shape) return { kind: 'done', value };
      try {
        return { kind: 'done', value: req.shape(value) };
      } catch (error) {
        if (!(error instanceof UnexpectedAnswer)) throw error;
        return { kind: 'final', error: unexpectedAnswerError(error.what, call, requestId) };
      }
    }
    if (status >= 300 && status < 400) {
      const location = header(headers, 'location');
      const what = `the API answered with a redirect (HTTP ${status}${location ? ` to ${clip(location, 200)}` : ''}); topo does not follow redirects with your key: check --api-url`;
      return { kind: 'final', error: new ApiError(what, status, undefined, requestId, null) };
    }
    const error = this.withUrlHint(errorOf(answer, requestId), call.path);
    return { kind: 'status', status, error, retryAfter: this.retryAfter(answer) };
  }

  /** Waits before the next attempt when the policy allows one; otherwise throws the attempt's error. */
  private async retry(verdict: Exclude<Verdict, { kind: 'done' }>, call: Call): Promise<void> {
    const policy = RETRIES[call.policy];
    if (verdict.kind === 'final') throw verdict.error;
    if (verdict.kind === 'rate-limited') return this.waitOutRateLimit(verdict, call);
    call.faults++;
    const more = call.faults < this.maxAttempts;
    if (verdict.kind === 'status') {
      if (!policy.statuses.has(verdict.status) || !more) throw verdict.error;
      return this.waitBeforeRetry(verdict.retryAfter ?? this.backoff(call.faults), verdict.status);
    }
    if (verdict.kind === 'bad-body') {
      // A cut-off body is a transfer fault: reading again is harmless where repeating the request is.
      if (!policy.noAnswer || !more) throw verdict.error;
      return this.waitBeforeRetry(this.backoff(call.faults));
    }
    const network = verdict.error;
    // A proxy that refuses the tunnel will refuse it again.
    if (policy.noAnswer && network.code !== PROXY_REFUSED && more && !this.closed)
      return this.waitBeforeRetry(this.backoff(call.faults));
    // --timeout bounds each attempt, not the request: said, so 4 × 3 s is no surprise.
    if (network.code === 'ETIMEDOUT' && call.faults > 1)
      throw new NetworkError(
        network.message.replace(
          '; try again or raise --timeout',
          ` (${call.faults} attempts; --timeout limits each one); try again or raise --timeout`,
        ),
        network.code,
      );
    throw network;
  }

  /** A 429: waited out (Retry-After, else backoff) while requests of this client still get through. */
  private async waitOutRateLimit(
    verdict: { error: ApiError; retryAfter: number | undefined },
    call: Call,
  ): Promise<void> {
    this.stats.rateLimited++;
    call.rateLimited++;
    const e = verdict.error;
    if (!RETRIES[call.policy].rateLimit) throw e;
    const stalledFor = this.now() - Math.max(this.lastProgressAt, call.sentAt);
    if (stalledFor >= this.rateLimitPatienceMs)
      throw new ApiError(
        `${e.message}; still rate limited after ${formatDuration(stalledFor, 'words')} without an accepted request`,
        e.status,
        e.type,
        e.requestId,
        e.body,
      );
    const wait = Math.min(verdict.retryAfter ?? this.backoff(call.rateLimited), this.maxDelayMs);
    this.stats.rateLimitWaitMs += wait;
    if (wait >= LONG_WAIT_MS)
      this.noticeOnce(
        '429',
        `rate limited by the API: waiting ${formatDuration(wait, 'words')} before retrying`,
      );
    const rate = this.pacer.rate;
    this.log(
      `rate limited: retrying in ${wait} ms${verdict.retryAfter === undefined ? ' (backoff)' : ' (Retry-After)'}; ` +
        `pacing ${Number.isFinite(rate) ? `${rate.toFixed(1)} requests/s` : 'off'}, ` +
        `at most ${Number.isFinite(this.pacer.window) ? Math.floor(this.pacer.window) : 'any number'} in flight`,
    );
    this.waitingOutCount++;
    for (const listener of this.waitingOutListeners) listener();
    try {
      await this.sleep(wait);
    } finally {
      this.waitingOutCount--;
    }
  }

  private retryAfter(answer: Answer): number | undefined {
    return parseRetryAfter(header(answer.headers, 'retry-after'), this.now());
  }

  /**
   * A 404 for a path that always exists (the key's own `/me`, a collection) means the base URL is wrong: said
   * so when it does not end in the API version, the usual slip (`--api-url http://host:4010`).
   */
  private withUrlHint(error: ApiError, path: string): ApiError {
    const always: string[] = [PATHS.me, PATHS.tasks, PATHS.sequences, PATHS.templates, PATHS.contacts];
    const base = redactUrl(this.options.baseUrl.replace(/\/+$/, ''));
    if (error.status !== 404 || !always.includes(path) || /\/v\d+$/.test(base)) return error;
    return new ApiError(
      `${error.message}: ${base}${path} does not exist; the API URL may lack its version (${base}/v1?)`,
      error.status,
      error.type,
      error.requestId,
      error.body,
    );
  }

  /** One attempt under a deadline that covers connecting (to a proxy too), the CONNECT, headers and body. */
  private async exchange(
    method: ApiRequest['method'],
    url: string,
    body: string | undefined,
  ): Promise<Answer> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AttemptDeadline()), this.timeoutMs);
    });
    let response: ResponseData | undefined;
    const work = (async (): Promise<Answer> => {
      response = await request(this.dispatcher, url, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          'user-agent': this.options.userAgent,
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body,
      });
      const text = await readText(response.body, response.headers, this.maxBodyBytes);
      return { status: response.statusCode, headers: response.headers, text };
    })();
    // Whichever loses the race settles later, unobserved.
    work.catch(ignore);
    deadline.catch(ignore);
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      if (error instanceof AttemptDeadline) {
        // undici's own timeouts (the same length) end what is left of the attempt; a body is ended now.
        // Behind a proxy they may not (a CONNECT never answered): close() must not wait for it.
        response?.body.destroy();
        this.abandonedAttempts = true;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Exponential backoff with full jitter: a random wait up to base·2^(n-1). */
  private backoff(n: number): number {
    return Math.round(this.random() * this.baseDelayMs * 2 ** (n - 1));
  }

  private async waitBeforeRetry(ms: number, status?: number): Promise<void> {
    const wait = Math.min(Math.max(ms, 0), this.maxDelayMs);
    if (wait >= LONG_WAIT_MS && status === 503) {
      this.noticeOnce(
        '503',
        `the API is unavailable (HTTP 503): waiting ${formatDuration(wait, 'words')} before retrying`,
      );
    }
    if (wait > 0) this.log(`waiting ${wait} ms before retrying`);
    await this.sleep(wait);
  }

  private noticeOnce(kind: string, line: string): void {
    if (this.noticesGiven.has(kind)) return;
    this.noticesGiven.add(kind);
    this.options.notice?.(line);
  }

  private log(line: string): void {
    this.options.debug?.(line);
  }

  private toNetworkError(error: unknown, url: string): NetworkError {
    const host = safeHost(url);
    const proxy = this.proxy;
    const seconds = `${this.timeoutMs / 1000} s`;
    const through = proxy ? ` through the proxy ${proxy.display}` : '';
    const code =
      (error as { code?: string; cause?: { code?: string } }).cause?.code ??
      (error as { code?: string }).code;
    if (proxy && error instanceof undiciErrors.ConnectTimeoutError) {
      return new NetworkError(
        `cannot reach the proxy ${proxy.display}: no connection after ${seconds}; try again or raise --timeout`,
        'ETIMEDOUT',
      );
    }
    if (
      error instanceof AttemptDeadline ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new NetworkError(
        `request to ${host}${through} timed out after ${seconds}; try again or raise --timeout`,
        'ETIMEDOUT',
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    if (proxy) {
      const refused = /Proxy response \((\d+)\)/.exec(message) ?? /\((407)\)/.exec(message);
      if (refused) {
        const status = Number(refused[1]);
        return new NetworkError(
          status === 407
            ? `the proxy ${proxy.display} asks for a user name and password (HTTP 407): put them in ${proxy.variable} as http://user:password@host:port`
            : `the proxy ${proxy.display} refused to connect to ${host} (HTTP ${status})`,
          PROXY_REFUSED,
        );
      }
    }
    const reasons: Record<string, string> = {
      ECONNREFUSED: 'connection refused',
      ECONNRESET: 'connection reset',
      ENOTFOUND: 'host not found',
      EAI_AGAIN: 'DNS lookup failed',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
      UND_ERR_SOCKET: 'connection closed unexpectedly',
      ETIMEDOUT: 'connection timed out',
    };
    const reason = (code && reasons[code]) ?? clip(message, 200);
    // With a proxy every connection goes to the proxy: failing to open one is the proxy's doing.
    const connectFailure = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
    if (proxy && code && connectFailure.includes(code)) {
      return new NetworkError(`cannot reach the proxy ${proxy.display}: ${reason}`, code);
    }
    return new NetworkError(`cannot reach ${host}${through}: ${reason}`, code);
  }
}

/** The error an answer stands for. */
function errorOf(answer: Answer, requestId: string | undefined): ApiError {
  return toApiError(answer.status, answer.text, requestId, header(answer.headers, 'content-type'));
}

/** The body as text, refusing one larger than `max` bytes. */
async function readText(
  body: ResponseData['body'],
  headers: Record<string, string | string[] | undefined>,
  max: number,
): Promise<string> {
  const tooLarge = () =>
    new UnexpectedAnswer(`the answer is larger than ${Math.floor(max / (1024 * 1024))} MiB`);
  const announced = header(headers, 'content-length');
  if (announced !== undefined && /^\d+$/.test(announced)) {
    if (Number(announced) > max) {
      body.destroy();
      throw tooLarge();
    }
    // undici stops at the announced length: the fast path is safe.
    return body.text();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The limit a 429's body states (`data: {limit, window_seconds}`), in requests per second. */
export function statedRate(text: string): number | undefined {
  if (text.length > 10_000) return undefined;
  try {
    const data: unknown = (JSON.parse(text) as { data?: unknown } | null)?.data;
    if (!data || typeof data !== 'object') return undefined;
    const { limit, window_seconds: seconds } = data as { limit?: unknown; window_seconds?: unknown };
    if (typeof limit !== 'number' || typeof seconds !== 'number' || !(limit > 0) || !(seconds > 0))
      return undefined;
    const rate = limit / seconds;
    return Number.isFinite(rate) ? rate : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its month and day ("Sun, 06 Nov 1994 08:49:37 GMT"); bare numbers are not dates.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
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
  const id = typeof body?.request_id === 'string' ? clip(body.request_id, 100) : requestId;
  if (!body) {
    const kind = clip(contentType?.split(';')[0]?.trim() || 'non-JSON', 60);
    return new ApiError(
      `the API answered HTTP ${status} with a ${kind} body (${statusText(status)})`,
      status,
      undefined,
      id,
      text.slice(0, 200),
    );
  }
  let message = typeof body.message === 'string' && body.message ? clip(body.message) : statusText(status);
  // A 403 always says which scopes exist, in case the API's message does not name the missing one.
  if (status === 403 && !/tasks:(read|write)/.test(message)) {
    message += ` (the key lacks a scope this needs: '${SCOPES.read}' to read tasks, '${SCOPES.write}' to change them)`;
  }
  return new ApiError(
    message,
    status,
    typeof body.type === 'string' ? clip(body.type, 100) : undefined,
    id,
    body,
  );
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

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
