import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  REASSIGN_SCOPES,
  SORT_FIELDS,
  SORT_ORDERS,
  TASK_PRIORITIES,
  TASK_STATUSES,
  TASK_TYPES,
  type ApiKeyInfo,
  type SortField,
  type SortOrder,
} from '../api/types.js';
import { BODY, MAX_PAGE_SIZE, QUERY, SCOPES } from '../api/wire.js';
import { Random } from './random.js';
import { isoSeconds, type SandboxState } from './seed.js';
import { SandboxStore, type ListFilter } from './store.js';

export interface SandboxOptions {
  port?: number;
  host?: string;
  tasks?: number;
  seed?: number;
  dataFile?: string;
  /** Requests per second per key; beyond it 429 with Retry-After. 0 = unlimited. */
  rateLimit?: number;
  /** Share of API requests answered 500 or 503. */
  failRate?: number;
  latencyMs?: number;
  /** The day the seeded data ends (ms since epoch); default: today, 00:00 UTC. */
  now?: number;
  /** Serve this workspace instead of a seeded one. */
  state?: SandboxState;
  /** Keys accepted besides the three demo keys. */
  extraKeys?: SandboxKey[];
}

export interface SandboxKey {
  key: string;
  name: string;
  scopes: string[];
}

export const SANDBOX_KEYS: readonly SandboxKey[] = [
  { key: 'topo_sandbox_rw', name: 'Sandbox read-write', scopes: [SCOPES.read, SCOPES.write] },
  { key: 'topo_sandbox_ro', name: 'Sandbox read-only', scopes: [SCOPES.read] },
  { key: 'topo_sandbox_none', name: 'Sandbox no task scopes', scopes: [] },
];

export const SANDBOX_DEFAULT_KEY = 'topo_sandbox_rw';

/** What the sandbox received, for tests and `GET /__sandbox/requests`. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The raw query string without '?'. */
  query: string;
  params: [string, string][];
  key: string | null;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
  requestId: string;
  at: number;
}

/** A scripted failure for the next matching requests. */
export interface Fault {
  method?: string;
  /** A regular expression matched against the path (without query). */
  path?: string;
  /** A regular expression matched against the raw query string. */
  query?: string;
  /** How many matching requests it applies to; default 1. */
  times?: number;
  /** Answer with this status (error JSON unless `body` is given). */
  status?: number;
  body?: string;
  contentType?: string;
  retryAfter?: string;
  /** Drop the connection before the request is handled, or after handling it without answering. */
  reset?: 'before' | 'after';
  /** Wait this long before answering (to outlast a client timeout). */
  delayMs?: number;
  /** Let this many matching requests pass untouched before the fault applies. */
  after?: number;
  /** Extra response headers (e.g. a Location for a redirect). */
  headers?: Record<string, string>;
  /** Revoke the request's key now: it and every later request with it answer 401. */
  revoke?: boolean;
}

interface ApiError {
  status: number;
  type: string;
  message: string;
  data?: unknown;
  headers?: Record<string, string>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const SINGLE_PARAMS = [
  QUERY.page,
  QUERY.size,
  QUERY.sortBy,
  QUERY.sortOrder,
  QUERY.sequenceId,
  QUERY.status,
  QUERY.assigneeUserId,
  QUERY.createdAfter,
  QUERY.createdBefore,
];

export class Sandbox {
  readonly requests: RecordedRequest[] = [];
  private faults: (Fault & { left: number; skip: number })[] = [];
  private keys = new Map<string, SandboxKey & { info: ApiKeyInfo; revoked: boolean }>();
  /** Times of each key's requests in the last second (a sliding window). */
  private windows = new Map<string, number[]>();
  private failRng: Random;
  private server: Server;
  url = '';
  port = 0;

  constructor(
    readonly store: SandboxStore,
    private readonly options: SandboxOptions,
  ) {
    this.failRng = new Random((options.seed ?? 1) ^ 0x5eed);
    const keyRng = new Random(store.state.seed ^ 0x4b3);
    for (const k of [...SANDBOX_KEYS, ...(options.extraKeys ?? [])]) {
      const info: ApiKeyInfo = {
        id: keyRng.uuid(),
        organization_id: store.state.organization_id,
        name: k.name,
        // the public part of a key, as Topo shows it; never the whole key
        key_prefix: k.key.slice(0, 12),
        scopes: [...k.scopes],
        last_used_at: null,
        created_at: isoSeconds(Date.parse('2026-01-05T10:00:00Z')),
      };
      this.keys.set(k.key, { ...k, info, revoked: false });
    }
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server.keepAliveTimeout = 5000;
  }

  async listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 4010, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.port = address.port;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shownHost}:${this.port}/v1`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1, skip: fault.after ?? 0 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Makes a key answer 401 from now on (a key revoked in the middle of a job). */
  revokeKey(key: string): void {
    const entry = this.keys.get(key);
    if (entry) entry.revoked = true;
  }

  /** Requests to the API (control endpoints excluded), optionally filtered by method and path. */
  received(method?: string, pathPattern?: RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => (!method || r.method === method) && (!pathPattern || pathPattern.test(r.path)),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `req_${randomBytes(10).toString('hex')}`;
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const body = await readBody(req);
    if (url.pathname.startsWith('/__sandbox/')) {
      this.control(req.method ?? 'GET', url.pathname, body, res);
      return;
    }
    const auth = req.headers.authorization;
    const key = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : null;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      params: [...url.searchParams.entries()],
      key,
      headers: { ...req.headers },
      body,
      status: 0,
      requestId,
      at: Date.now(),
    };
    this.requests.push(record);

    const fault = this.takeFault(record);
    if (fault?.revoke && key) this.revokeKey(key);
    if (this.options.latencyMs) await sleep(this.options.latencyMs);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.reset === 'before') {
      record.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault?.status || fault?.body !== undefined) {
      this.sendFault(res, record, fault);
      return;
    }

    let status: number;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      const result = this.route(record, key);
      status = result.status;
      payload = result.body;
    } catch (error) {
      const e = isApiError(error) ? error : { status: 500, type: 'InternalIssue', message: String(error) };
      status = e.status;
      headers = e.headers ?? {};
      payload = errorBody(e, requestId);
    }
    record.status = status;
    if (fault?.reset === 'after') {
      record.status = -2;
      req.socket.destroy();
      return;
    }
    send(res, status, payload, { ...headers, 'x-request-id': requestId });
  }

  private route(r: RecordedRequest, key: string | null): { status: number; body: unknown } {
    this.checkRateLimit(key);
    if (this.options.failRate && this.failRng.next() < this.options.failRate) {
      const status = this.failRng.chance(0.5) ? 500 : 503;
      throw { status, type: 'InternalIssue', message: 'Injected failure (--fail-rate)' } satisfies ApiError;
    }
    const caller = this.authenticate(key);
    const parts = r.path.split('/').filter(Boolean);
    if (parts[0] !== 'v1') throw notFound('No such endpoint');
    const [, resource, id, action, ...rest] = parts;
    if (rest.length) throw notFound('No such endpoint');
    if (resource === 'me' && id === undefined) {
      requireMethod(r, 'GET');
      caller.info.last_used_at = isoSeconds(Date.now());
      return { status: 200, body: caller.info };
    }
    if (resource !== 'tasks') throw notFound('No such endpoint');
    if (id === undefined) {
      requireMethod(r, 'GET');
      this.requireScope(caller, SCOPES.read);
      return { status: 200, body: this.listTasks(r.params) };
    }
    if (action === undefined) {
      requireMethod(r, 'GET');
      this.requireScope(caller, SCOPES.read);
      return { status: 200, body: this.findTask(id) };
    }
    if (action === 'messages') {
      requireMethod(r, 'GET');
      this.requireScope(caller, SCOPES.read);
      return { status: 200, body: this.store.thread(this.findTask(id)) };
    }
    if (action === 'skip' || action === 'reopen') {
      requireMethod(r, 'POST');
      this.requireScope(caller, SCOPES.write);
      this.findTask(id);
      const result = action === 'skip' ? this.store.skip(id) : this.store.reopen(id);
      if (!result.ok && result.reason === 'state') {
        const verb = action === 'skip' ? 'skipped' : 'reopened';
        const allowed = action === 'skip' ? 'PENDING or IN_PROGRESS' : 'COMPLETED or SKIPPED';
        throw {
          status: 422,
          type: 'BusinessIssue',
          message: `Task is ${result.task.status} and cannot be ${verb}; only ${allowed} tasks can be ${verb}`,
          data: { status: result.task.status },
        } satisfies ApiError;
      }
      if (!result.ok) throw notFound('Task not found');
      return { status: 200, body: result.task };
    }
    if (action === 'assignee') {
      requireMethod(r, 'PATCH');
      this.requireScope(caller, SCOPES.write);
      const { assignee, scope } = parseReassignBody(r.body);
      this.findTask(id);
      if (!this.store.isUser(assignee)) {
        throw {
          status: 422,
          type: 'BusinessIssue',
          message: `User ${assignee} is not a member of this workspace`,
          data: { field: BODY.assigneeUserId },
        } satisfies ApiError;
      }
      const result = this.store.reassign(id, assignee, scope);
      if (!result.ok) throw notFound('Task not found');
      return { status: 200, body: result.task };
    }
    throw notFound('No such endpoint');
  }

  private findTask(id: string) {
    if (!UUID_RE.test(id)) throw validation('task_id', `Invalid task_id: '${id}' is not a UUID`);
    const task = this.store.get(id.toLowerCase());
    if (!task) throw notFound(`Task ${id} not found`);
    return task;
  }

  private listTasks(params: [string, string][]) {
    const allowed = new Set<string>(Object.values(QUERY));
    const seen = new Map<string, string[]>();
    for (const [name, value] of params) {
      if (!allowed.has(name)) throw validation(name, `Unknown query parameter '${name}'`);
      const values = seen.get(name) ?? [];
      values.push(value);
      seen.set(name, values);
    }
    const one = (name: string): string | undefined => {
      const values = seen.get(name);
      if (!values) return undefined;
      if (values.length > 1) throw validation(name, `Query parameter '${name}' takes a single value`);
      return values[0];
    };
    const many = (name: string, check: (v: string) => void): string[] | undefined => {
      const values = seen.get(name);
      if (!values) return undefined;
      for (const v of values) {
        if (v.includes(',')) {
          throw validation(
            name,
            `Invalid value for '${name}': '${v}'; pass several values by repeating the parameter`,
          );
        }
        check(v);
      }
      return values;
    };
    const enumOf = (name: string, allowedValues: readonly string[]) => (v: string) => {
      if (!allowedValues.includes(v)) {
        throw validation(
          name,
          `Invalid value for '${name}': '${v}' is not one of ${allowedValues.join(', ')}`,
        );
      }
    };
    const uuid = (name: string) => (v: string) => {
      if (!UUID_RE.test(v)) throw validation(name, `Invalid value for '${name}': '${v}' is not a UUID`);
    };
    const int = (name: string, min: number, max: number, fallback: number): number => {
      const v = one(name);
      if (v === undefined) return fallback;
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) {
        throw validation(
          name,
          `Invalid value for '${name}': '${v}' must be an integer from ${min} to ${max}`,
        );
      }
      return n;
    };
    const date = (name: string): number | undefined => {
      const v = one(name);
      if (v === undefined) return undefined;
      const ms = parseIsoDate(v);
      if (ms === undefined)
        throw validation(name, `Invalid value for '${name}': '${v}' is not an ISO 8601 date-time`);
      return ms;
    };
    const page = int(QUERY.page, 1, Number.MAX_SAFE_INTEGER, 1);
    const size = int(QUERY.size, 1, MAX_PAGE_SIZE, 10);
    const single = (name: string, check: (v: string) => void): string | undefined => {
      const v = one(name);
      if (v !== undefined) check(v);
      return v;
    };
    for (const name of SINGLE_PARAMS) one(name);
    const filter: ListFilter = {
      sortBy: (single(QUERY.sortBy, enumOf(QUERY.sortBy, SORT_FIELDS)) ?? 'created_at') as SortField,
      sortOrder: (single(QUERY.sortOrder, enumOf(QUERY.sortOrder, SORT_ORDERS)) ?? 'asc') as SortOrder,
    };
    const status = single(QUERY.status, enumOf(QUERY.status, TASK_STATUSES));
    const sequenceId = single(QUERY.sequenceId, uuid(QUERY.sequenceId));
    const assignee = single(QUERY.assigneeUserId, uuid(QUERY.assigneeUserId));
    const types = many(QUERY.types, enumOf(QUERY.types, TASK_TYPES));
    const priorities = many(QUERY.priorities, enumOf(QUERY.priorities, TASK_PRIORITIES));
    const templates = many(QUERY.templateIds, uuid(QUERY.templateIds));
    const after = date(QUERY.createdAfter);
    const before = date(QUERY.createdBefore);
    if (status) filter.status = status;
    if (sequenceId) filter.sequenceId = sequenceId.toLowerCase();
    if (assignee) filter.assigneeUserId = assignee.toLowerCase();
    if (types) filter.types = types;
    if (priorities) filter.priorities = priorities;
    if (templates) filter.templateIds = templates.map((t) => t.toLowerCase());
    if (after !== undefined) filter.createdAfter = after;
    if (before !== undefined) filter.createdBefore = before;
    const all = this.store.list(filter);
    const start = (page - 1) * size;
    const totalPages = Math.ceil(all.length / size);
    return {
      items: all.slice(start, start + size),
      total_count: all.length,
      total_pages: totalPages,
      has_more: page < totalPages,
    };
  }

  private authenticate(key: string | null) {
    if (!key)
      throw {
        status: 401,
        type: 'UnauthorizedIssue',
        message: 'Missing or malformed API key',
      } satisfies ApiError;
    const entry = this.keys.get(key);
    if (!entry || entry.revoked) {
      throw { status: 401, type: 'UnauthorizedIssue', message: 'Invalid API key' } satisfies ApiError;
    }
    return entry;
  }

  private requireScope(caller: SandboxKey, scope: string): void {
    if (!caller.scopes.includes(scope)) {
      throw {
        status: 403,
        type: 'UnauthorizedIssue',
        message: `This API key lacks the '${scope}' scope`,
        data: { required_scope: scope },
      } satisfies ApiError;
    }
  }

  private checkRateLimit(key: string | null): void {
    const limit = this.options.rateLimit;
    if (!limit) return;
    const now = Date.now();
    const id = key ?? '';
    let times = this.windows.get(id);
    if (!times) {
      times = [];
      this.windows.set(id, times);
    }
    while (times.length > 0 && times[0]! <= now - 1000) times.shift();
    if (times.length >= limit) {
      const wait = Math.max(1, Math.ceil((times[0]! + 1000 - now) / 1000));
      throw {
        status: 429,
        type: 'RateLimitIssue',
        message: `Rate limit of ${limit} requests per second exceeded`,
        data: { limit, window_seconds: 1 },
        headers: {
          'retry-after': String(wait),
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
        },
      } satisfies ApiError;
    }
    times.push(now);
  }

  private takeFault(r: RecordedRequest): Fault | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === r.method) &&
        (!f.path || new RegExp(f.path).test(r.path)) &&
        (!f.query || new RegExp(f.query).test(r.query)),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    if (fault.skip > 0) {
      fault.skip--;
      return undefined;
    }
    fault.left--;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private sendFault(res: ServerResponse, r: RecordedRequest, fault: Fault): void {
    const status = fault.status ?? 200;
    r.status = status;
    const headers: Record<string, string> = { 'x-request-id': r.requestId, ...fault.headers };
    if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
    if (fault.body !== undefined) {
      res.writeHead(status, { ...headers, 'content-type': fault.contentType ?? 'text/html' });
      res.end(fault.body);
      return;
    }
    const type = status === 429 ? 'RateLimitIssue' : status >= 500 ? 'InternalIssue' : 'InjectedIssue';
    send(res, status, errorBody({ status, type, message: `Injected ${status}` }, r.requestId), headers);
  }

  private control(method: string, path: string, body: string, res: ServerResponse): void {
    if (path === '/__sandbox/requests' && method === 'GET') return send(res, 200, this.requests);
    if (path === '/__sandbox/requests' && method === 'DELETE') {
      this.requests.length = 0;
      return send(res, 200, { ok: true });
    }
    if (path === '/__sandbox/faults' && method === 'POST') {
      try {
        const faults = JSON.parse(body) as Fault | Fault[];
        for (const f of Array.isArray(faults) ? faults : [faults]) this.injectFault(f);
        return send(res, 200, { ok: true });
      } catch {
        return send(res, 400, { error: 'body must be a JSON fault or array of faults' });
      }
    }
    if (path === '/__sandbox/faults' && method === 'DELETE') {
      this.clearFaults();
      return send(res, 200, { ok: true });
    }
    send(res, 404, { error: 'unknown control endpoint' });
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const store = SandboxStore.open({
    seed: options.seed ?? 1,
    tasks: options.tasks ?? 300,
    ...(options.dataFile !== undefined && { dataFile: options.dataFile }),
    ...(options.now !== undefined && { now: options.now }),
    ...(options.state !== undefined && { state: options.state }),
  });
  const sandbox = new Sandbox(store, options);
  await sandbox.listen();
  return sandbox;
}

function parseReassignBody(raw: string): { assignee: string; scope: 'TASK' | 'SEQUENCE' } {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw validation('body', 'Request body must be JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw validation('body', 'Request body must be a JSON object');
  const record = body as Record<string, unknown>;
  const assignee = record[BODY.assigneeUserId];
  if (assignee === undefined || assignee === null) {
    throw validation(BODY.assigneeUserId, `Field '${BODY.assigneeUserId}' is required`);
  }
  if (typeof assignee !== 'string' || !UUID_RE.test(assignee)) {
    throw validation(BODY.assigneeUserId, `Invalid value for '${BODY.assigneeUserId}': not a UUID`);
  }
  const scope = record[BODY.scope] ?? 'TASK';
  if (typeof scope !== 'string' || !(REASSIGN_SCOPES as readonly string[]).includes(scope)) {
    throw validation(
      BODY.scope,
      `Invalid value for '${BODY.scope}': must be one of ${REASSIGN_SCOPES.join(', ')}`,
    );
  }
  return { assignee: assignee.toLowerCase(), scope: scope as 'TASK' | 'SEQUENCE' };
}

function parseIsoDate(value: string): number | undefined {
  if (!ISO_RE.test(value)) return undefined;
  let text = value.replace(' ', 'T');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function requireMethod(r: RecordedRequest, method: string): void {
  if (r.method !== method) {
    throw {
      status: 405,
      type: 'MethodNotAllowed',
      message: `Use ${method} for ${r.path}`,
    } satisfies ApiError;
  }
}

function validation(field: string, message: string): ApiError {
  return { status: 400, type: 'ValidationIssue', message, data: [{ field, message }] };
}

function notFound(message: string): ApiError {
  return { status: 404, type: 'NotFoundIssue', message };
}

function isApiError(error: unknown): error is ApiError {
  return typeof error === 'object' && error !== null && 'status' in error && 'type' in error;
}

function errorBody(e: ApiError, requestId: string) {
  return {
    status_code: e.status,
    type: e.type,
    message: e.message,
    ...(e.data !== undefined && { data: e.data }),
    request_id: requestId,
  };
}

function send(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_000_000) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
