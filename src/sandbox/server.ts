import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  CONTACT_SORT_FIELDS,
  REASSIGN_SCOPES,
  RUN_STATUSES,
  SORT_FIELDS,
  SORT_ORDERS,
  TASK_PRIORITIES,
  TASK_STATUSES,
  TASK_TYPES,
  TEMPLATE_SORT_FIELDS,
  TEMPLATE_STATUSES,
  type ApiKeyInfo,
} from '../api/types.js';
import {
  BODY,
  CONTACT_QUERY,
  DEFAULT_BASE_URL,
  PATHS,
  QUERY,
  REPEATED_PARAMS,
  SCOPES,
  SEQUENCE_QUERY,
  TEMPLATE_QUERY,
} from '../api/wire.js';
import { parseNewTask, parsePatch } from './control.js';
import { isUuid } from '../basics/ids.js';
import { errorBody, issue, notFound, pathUuid, SandboxIssue, validation } from './issues.js';
import { pageOf, QueryReader } from './query.js';
import { Random } from './random.js';
import { isoSeconds } from '../basics/time.js';
import type { SandboxState } from './seed.js';
import { SandboxStore, type ListFilter } from './store.js';

export interface SandboxOptions {
  port?: number;
  host?: string;
  tasks?: number;
  seed?: number;
  dataFile?: string;
  /** Requests per second per key; beyond it 429 with Retry-After. 0 = unlimited. */
  rateLimit?: number;
  /** The clock of the rate limit (tests run it faster than real time); default Date.now. */
  clock?: () => number;
  /** Share of API requests answered 500 or 503. */
  failRate?: number;
  latencyMs?: number;
  /** The day the seeded data ends (ms since epoch); default: today, 00:00 UTC. */
  now?: number;
  /** Serve this workspace instead of a seeded one. */
  state?: SandboxState;
  /** Keys accepted besides the demo keys. */
  extraKeys?: SandboxKey[];
}

export interface SandboxKey {
  key: string;
  name: string;
  scopes: string[];
}

export const SANDBOX_KEYS: readonly SandboxKey[] = [
  {
    key: 'topo_sandbox_rw',
    name: 'Sandbox read-write',
    scopes: [SCOPES.read, SCOPES.write, SCOPES.sequencesRead, SCOPES.contactsRead],
  },
  { key: 'topo_sandbox_ro', name: 'Sandbox read-only', scopes: [SCOPES.read] },
  { key: 'topo_sandbox_none', name: 'Sandbox no task scopes', scopes: [] },
  // last, so the ids of the keys above stay as they were
  { key: 'topo_sandbox_tasks', name: 'Sandbox tasks only', scopes: [SCOPES.read, SCOPES.write] },
];

export const SANDBOX_DEFAULT_KEY = 'topo_sandbox_rw';

/** The path prefix of the API, as in the real base URL. */
const API_PREFIX = new URL(DEFAULT_BASE_URL).pathname;
/** Stands for the id in a route's path. */
const ID = '{id}';
const ID_SEGMENT = encodeURIComponent(ID);
/** Control endpoints: no key needed. */
const CONTROL_PREFIX = '/__sandbox';
const CONTROL_NEW_TASK = segments(PATHS.tasks);

type Caller = SandboxKey & { info: ApiKeyInfo; revoked: boolean };

interface Route {
  method: string;
  /** Path segments below the prefix; the id's segment is the encoded `{id}`. */
  parts: string[];
  scope: string | undefined;
  handle: (r: RecordedRequest, id: string, caller: Caller) => unknown;
}

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

export class Sandbox {
  readonly requests: RecordedRequest[] = [];
  private faults: (Fault & { left: number; skip: number })[] = [];
  private listeners: ((r: RecordedRequest) => void)[] = [];
  private keys = new Map<string, Caller>();
  private readonly routes = this.buildRoutes();
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

  /** Calls `listener` with each API request as it arrives, before it is handled; returns how to stop. */
  onRequest(listener: (r: RecordedRequest) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
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
    // A change is made under the data file's lock, on the file as it is then (other processes share it).
    const changes = req.method !== 'GET' && req.method !== 'HEAD';
    const onStore = async <T>(work: () => T): Promise<T> => {
      if (changes) return this.store.exclusive(work);
      this.store.refresh();
      return work();
    };
    if (url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      await onStore(() => this.control(req.method ?? 'GET', url.pathname, body, res));
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
    for (const listener of this.listeners) listener(record);

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
      const result = await onStore(() => this.route(record, key));
      status = result.status;
      payload = result.body;
    } catch (error) {
      const e = error instanceof SandboxIssue ? error : new SandboxIssue(500, 'InternalIssue', String(error));
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
      throw issue({ status, type: 'InternalIssue', message: 'Injected failure (--fail-rate)' });
    }
    const caller = this.authenticate(key);
    if (!r.path.startsWith(`${API_PREFIX}/`)) throw notFound('No such endpoint');
    const parts = r.path.slice(API_PREFIX.length).split('/').filter(Boolean);
    const matches = this.routes.flatMap((route) => {
      const id = matchPath(route.parts, parts);
      return id === null ? [] : [{ route, id }];
    });
    if (matches.length === 0) throw notFound('No such endpoint');
    const match = matches.find((m) => m.route.method === r.method);
    if (!match) {
      throw issue({
        status: 405,
        type: 'MethodNotAllowed',
        message: `Use ${matches[0]!.route.method} for ${r.path}`,
      });
    }
    if (match.route.scope) this.requireScope(caller, match.route.scope);
    return { status: 200, body: match.route.handle(r, match.id, caller) };
  }

  /** Every endpoint, its method and scope; paths come from the wire names, `{id}` standing for the id. */
  private buildRoutes(): Route[] {
    const route = (
      method: string,
      path: string,
      scope: string | undefined,
      handle: Route['handle'],
    ): Route => ({ method, parts: segments(path), scope, handle });
    return [
      route('GET', PATHS.me, undefined, (_r, _id, caller) => {
        caller.info.last_used_at = isoSeconds(Date.now());
        return caller.info;
      }),
      route('GET', PATHS.tasks, SCOPES.read, (r) => this.listTasks(r.params)),
      route('GET', PATHS.task(ID), SCOPES.read, (_r, id) => this.findTask(id)),
      route('GET', PATHS.messages(ID), SCOPES.read, (_r, id) => this.store.thread(this.findTask(id))),
      route('POST', PATHS.skip(ID), SCOPES.write, (_r, id) => this.transition('skip', id)),
      route('POST', PATHS.reopen(ID), SCOPES.write, (_r, id) => this.transition('reopen', id)),
      route('PATCH', PATHS.assignee(ID), SCOPES.write, (r, id) => this.reassign(r, id)),
      route('GET', PATHS.sequences, SCOPES.sequencesRead, (r) => this.listRuns(r.params)),
      route('GET', PATHS.sequence(ID), SCOPES.sequencesRead, (_r, id) =>
        found(this.store.run(pathUuid('sequence_id', id)), `Sequence ${id} not found`),
      ),
      route('GET', PATHS.templates, SCOPES.sequencesRead, (r) => this.listTemplates(r.params)),
      route('GET', PATHS.template(ID), SCOPES.sequencesRead, (_r, id) =>
        found(this.store.template(pathUuid('sequence_template_id', id)), `Sequence template ${id} not found`),
      ),
      route('GET', PATHS.contacts, SCOPES.contactsRead, (r) => this.listContacts(r.params)),
      route('GET', PATHS.contact(ID), SCOPES.contactsRead, (_r, id) =>
        found(this.store.contact(pathUuid('contact_id', id)), `Contact ${id} not found`),
      ),
    ];
  }

  private transition(action: 'skip' | 'reopen', id: string) {
    const task = this.findTask(id);
    const result = action === 'skip' ? this.store.skip(task.id) : this.store.reopen(task.id);
    if (!result.ok && result.reason === 'state') {
      const verb = action === 'skip' ? 'skipped' : 'reopened';
      const allowed = action === 'skip' ? 'PENDING or IN_PROGRESS' : 'COMPLETED or SKIPPED';
      throw issue({
        status: 422,
        type: 'BusinessIssue',
        message: `Task is ${result.task.status} and cannot be ${verb}; only ${allowed} tasks can be ${verb}`,
        data: { status: result.task.status },
      });
    }
    if (!result.ok) throw notFound('Task not found');
    return result.task;
  }

  private reassign(r: RecordedRequest, id: string) {
    const { assignee, scope } = parseReassignBody(r.body);
    const task = this.findTask(id);
    if (!this.store.isUser(assignee)) {
      throw issue({
        status: 422,
        type: 'BusinessIssue',
        message: `User ${assignee} is not a member of this workspace`,
        data: { field: BODY.assigneeUserId },
      });
    }
    const result = this.store.reassign(task.id, assignee, scope);
    if (!result.ok) throw notFound('Task not found');
    return result.task;
  }

  private findTask(id: string) {
    const task = this.store.get(pathUuid('task_id', id));
    if (!task) throw notFound(`Task ${id} not found`);
    return task;
  }

  private listTasks(params: [string, string][]) {
    const q = new QueryReader(params, Object.values(QUERY), REPEATED_PARAMS);
    const paging = q.paging(QUERY.page, QUERY.size);
    const filter: ListFilter = {
      sortBy: q.oneOf(QUERY.sortBy, SORT_FIELDS) ?? 'created_at',
      sortOrder: q.oneOf(QUERY.sortOrder, SORT_ORDERS) ?? 'asc',
    };
    const status = q.oneOf(QUERY.status, TASK_STATUSES);
    const sequenceId = q.uuid(QUERY.sequenceId);
    const assignee = q.uuid(QUERY.assigneeUserId);
    // Like the API, which may know types topo does not: any type one of its tasks has is a valid filter.
    const wanted = params.filter(([name]) => name === QUERY.types).map(([, value]) => value);
    const types = q.someOf(QUERY.types, [...new Set([...TASK_TYPES, ...this.store.taskTypes(wanted)])]);
    const priorities = q.someOf(QUERY.priorities, TASK_PRIORITIES);
    const templates = q.uuids(QUERY.templateIds);
    const after = q.date(QUERY.createdAfter);
    const before = q.date(QUERY.createdBefore);
    if (status) filter.status = status;
    if (sequenceId) filter.sequenceId = sequenceId;
    if (assignee) filter.assigneeUserId = assignee;
    if (types) filter.types = types;
    if (priorities) filter.priorities = priorities;
    if (templates) filter.templateIds = templates;
    if (after !== undefined) filter.createdAfter = after;
    if (before !== undefined) filter.createdBefore = before;
    return pageOf(this.store.list(filter), paging);
  }

  private listRuns(params: [string, string][]) {
    const q = new QueryReader(params, Object.values(SEQUENCE_QUERY));
    const paging = q.paging(SEQUENCE_QUERY.page, SEQUENCE_QUERY.size);
    const status = q.oneOf(SEQUENCE_QUERY.status, RUN_STATUSES);
    const runs = this.store.listRuns({
      ...(status !== undefined && { status }),
      sortBy: q.oneOf(SEQUENCE_QUERY.sortBy, SORT_FIELDS) ?? 'created_at',
      sortOrder: q.oneOf(SEQUENCE_QUERY.sortOrder, SORT_ORDERS) ?? 'asc',
    });
    return pageOf(runs, paging);
  }

  private listTemplates(params: [string, string][]) {
    const q = new QueryReader(params, Object.values(TEMPLATE_QUERY));
    const paging = q.paging(TEMPLATE_QUERY.page, TEMPLATE_QUERY.size);
    const name = q.text(TEMPLATE_QUERY.name);
    const status = q.oneOf(TEMPLATE_QUERY.status, TEMPLATE_STATUSES);
    const after = q.date(TEMPLATE_QUERY.createdAfter);
    const before = q.date(TEMPLATE_QUERY.createdBefore);
    const templates = this.store.listTemplates({
      ...(name !== undefined && { name }),
      ...(status !== undefined && { status }),
      ...(after !== undefined && { createdAfter: after }),
      ...(before !== undefined && { createdBefore: before }),
      sortBy: q.oneOf(TEMPLATE_QUERY.sortBy, TEMPLATE_SORT_FIELDS) ?? 'created_at',
      sortOrder: q.oneOf(TEMPLATE_QUERY.sortOrder, SORT_ORDERS) ?? 'asc',
    });
    return pageOf(templates, paging);
  }

  private listContacts(params: [string, string][]) {
    const q = new QueryReader(params, Object.values(CONTACT_QUERY));
    const paging = q.paging(CONTACT_QUERY.page, CONTACT_QUERY.size);
    const email = q.text(CONTACT_QUERY.email);
    const linkedinUrl = q.text(CONTACT_QUERY.linkedinUrl);
    const contactId = q.uuid(CONTACT_QUERY.contactId);
    const firstSeenAfter = q.date(CONTACT_QUERY.firstSeenAfter);
    const lastSeenAfter = q.date(CONTACT_QUERY.lastSeenAfter);
    const contacts = this.store.listContacts({
      ...(email !== undefined && { email }),
      ...(linkedinUrl !== undefined && { linkedinUrl }),
      ...(contactId !== undefined && { contactId }),
      ...(firstSeenAfter !== undefined && { firstSeenAfter }),
      ...(lastSeenAfter !== undefined && { lastSeenAfter }),
      sortBy: q.oneOf(CONTACT_QUERY.sortBy, CONTACT_SORT_FIELDS) ?? 'first_seen_at',
      sortOrder: q.oneOf(CONTACT_QUERY.sortOrder, SORT_ORDERS) ?? 'asc',
    });
    return pageOf(contacts, paging);
  }

  private authenticate(key: string | null) {
    if (!key)
      throw issue({
        status: 401,
        type: 'UnauthorizedIssue',
        message: 'Missing or malformed API key',
      });
    const entry = this.keys.get(key);
    if (!entry || entry.revoked) {
      throw issue({ status: 401, type: 'UnauthorizedIssue', message: 'Invalid API key' });
    }
    return entry;
  }

  private requireScope(caller: SandboxKey, scope: string): void {
    if (!caller.scopes.includes(scope)) {
      throw issue({
        status: 403,
        type: 'UnauthorizedIssue',
        message: `This API key lacks the '${scope}' scope`,
        data: { required_scope: scope },
      });
    }
  }

  private checkRateLimit(key: string | null): void {
    const limit = this.options.rateLimit;
    if (!limit) return;
    const now = (this.options.clock ?? Date.now)();
    const id = key ?? '';
    let times = this.windows.get(id);
    if (!times) {
      times = [];
      this.windows.set(id, times);
    }
    while (times.length > 0 && times[0]! <= now - 1000) times.shift();
    if (times.length >= limit) {
      const wait = Math.max(1, Math.ceil((times[0]! + 1000 - now) / 1000));
      throw issue({
        status: 429,
        type: 'RateLimitIssue',
        message: `Rate limit of ${limit} requests per second exceeded`,
        data: { limit, window_seconds: 1 },
        headers: {
          'retry-after': String(wait),
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
        },
      });
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
    send(res, status, errorBody(new SandboxIssue(status, type, `Injected ${status}`), r.requestId), headers);
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
    const parts = path.slice(CONTROL_PREFIX.length).split('/').filter(Boolean);
    if (method === 'POST' && matchPath(CONTROL_NEW_TASK, parts) !== null) {
      const fields = parseNewTask(body);
      if (!fields.ok) return send(res, 400, { error: fields.error });
      return send(res, 201, this.store.createTask(fields.value));
    }
    for (const [route, patch] of this.patchRoutes) {
      const id = matchPath(route, parts);
      if (id === null || method !== 'PATCH') continue;
      const fields = parsePatch(body);
      if (!fields.ok) return send(res, 400, { error: fields.error });
      const patched = patch(id.toLowerCase(), fields.value);
      if (patched === undefined) return send(res, 404, { error: `no such id: ${id}` });
      return send(res, 200, patched);
    }
    send(res, 404, { error: 'unknown control endpoint' });
  }

  /** `PATCH /__sandbox/{sequences|sequence-templates|contacts}/{id}`: set fields over the derived object. */
  private readonly patchRoutes: [string[], (id: string, fields: Record<string, unknown>) => unknown][] = [
    [segments(PATHS.sequence(ID)), (id, fields) => this.store.patchRun(id, fields)],
    [segments(PATHS.template(ID)), (id, fields) => this.store.patchTemplate(id, fields)],
    [segments(PATHS.contact(ID)), (id, fields) => this.store.patchContact(id, fields)],
  ];
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
  if (typeof assignee !== 'string' || !isUuid(assignee)) {
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

function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function found<T>(item: T | undefined, message: string): T {
  if (item === undefined) throw notFound(message);
  return item;
}

/** The id a path holds where the route has `{id}`: '' when the route has none, null when it does not match. */
function matchPath(route: string[], parts: string[]): string | null {
  if (route.length !== parts.length) return null;
  let id = '';
  for (let i = 0; i < route.length; i++) {
    if (route[i] === ID_SEGMENT) id = parts[i]!;
    else if (route[i] !== parts[i]) return null;
  }
  return id;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
