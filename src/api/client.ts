import {
  AttemptDeadline,
  PROXY_REFUSED,
  describeLength,
  errorOf,
  header,
  parseRetryAfter,
  readText,
  statedRate,
  toNetworkError,
  withUrlHint,
  type Answer,
} from './answers.js';
import { Agent, Pool, limits, proxyAgent, request, type Dispatcher, type ResponseData } from './http.js';
import {
  RETRIES,
  type ApiRequest,
  type ClientOptions,
  type ClientStats,
  type RetryPolicy,
} from './request.js';
import { ApiError, NetworkError } from './errors.js';
import { Pacer } from './pacer.js';
import { chooseProxy, type ProxyChoice } from './proxy.js';
import { UnexpectedAnswer, unexpectedAnswerError } from './shape.js';
import { clip } from '../basics/text.js';
import { PATHS } from './wire.js';
import { redactUrl } from './url.js';
import { formatDuration } from '../basics/time.js';

/** A wait at least this long is worth telling the person about. */
const LONG_WAIT_MS = 5000;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

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
    const timeouts = { connect: { timeout: timeoutMs }, ...limits(timeoutMs) };
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
            clientFactory: (origin, opts) => new Pool(origin, { ...opts, ...limits(timeoutMs) }),
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
      const network = toNetworkError(error, call.url, this.proxy, this.timeoutMs);
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
        return {
          kind: 'bad-body',
          error: new ApiError(what, 502, undefined, requestId, text.slice(0, 200), status),
        };
      }
      if (!req.shape) return { kind: 'done', value };
      try {
        return { kind: 'done', value: req.shape(value) };
      } catch (error) {
        if (!(error instanceof UnexpectedAnswer)) throw error;
        return { kind: 'final', error: unexpectedAnswerError(error.what, call, requestId, status) };
      }
    }
    if (status >= 300 && status < 400) {
      const location = header(headers, 'location');
      const what = `the API answered with a redirect (HTTP ${status}${location ? ` to ${clip(location, 200)}` : ''}); topo does not follow redirects with your key: check --api-url`;
      return { kind: 'final', error: new ApiError(what, status, undefined, requestId, null) };
    }
    const error = withUrlHint(errorOf(answer, requestId), call.path, this.options.baseUrl);
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
}
