import { clip } from '../basics/text.js';
import { ApiError, NetworkError } from './errors.js';
import { errors as undiciErrors, type ResponseData } from './http.js';
import type { ProxyChoice } from './proxy.js';
import { UnexpectedAnswer } from './shape.js';
import type { ApiErrorBody } from './types.js';
import { PATHS, SCOPES } from './wire.js';
import { redactUrl } from './url.js';

/**
 * What an attempt brought back, in topo's terms: an answer's body (size-checked), its headers, the error it
 * stands for; no answer at all as a NetworkError that says why; the limits a 429 states.
 */

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** NetworkError code of a proxy that answered the CONNECT with a refusal. */
export const PROXY_REFUSED = 'EPROXY';

/** The per-attempt deadline fired. */
export class AttemptDeadline extends Error {
  constructor() {
    super('attempt deadline');
  }
}

/** The error an answer stands for. */
export function errorOf(answer: Answer, requestId: string | undefined): ApiError {
  return toApiError(answer.status, answer.text, requestId, header(answer.headers, 'content-type'));
}

/** The body as text, refusing one larger than `max` bytes. */
export async function readText(
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

export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
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

export function describeLength(text: string): string {
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

export function toNetworkError(
  error: unknown,
  url: string,
  proxy: ProxyChoice | undefined,
  timeoutMs: number,
): NetworkError {
  const host = safeHost(url);
  const seconds = `${timeoutMs / 1000} s`;
  const through = proxy ? ` through the proxy ${proxy.display}` : '';
  const code =
    (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
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

/**
 * A 404 for a path that always exists (the key's own `/me`, a collection) means the base URL is wrong: said
 * so when it does not end in the API version, the usual slip (`--api-url http://host:4010`).
 */
export function withUrlHint(error: ApiError, path: string, baseUrl: string): ApiError {
  const always: string[] = [PATHS.me, PATHS.tasks, PATHS.sequences, PATHS.templates, PATHS.contacts];
  const base = redactUrl(baseUrl.replace(/\/+$/, ''));
  if (error.status !== 404 || !always.includes(path) || /\/v\d+$/.test(base)) return error;
  return new ApiError(
    `${error.message}: ${base}${path} does not exist; the API URL may lack its version (${base}/v1?)`,
    error.status,
    error.type,
    error.requestId,
    error.body,
  );
}
