import { isUuid } from '../basics/ids.js';

/** An error answer of the sandbox, shaped as Topo shapes them: thrown by a handler, sent by the server. */
export class SandboxIssue extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly data?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'SandboxIssue';
  }
}
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function issue(i: {
  status: number;
  type: string;
  message: string;
  data?: unknown;
  headers?: Record<string, string>;
}): SandboxIssue {
  return new SandboxIssue(i.status, i.type, i.message, i.data, i.headers);
}

export function validation(field: string, message: string): SandboxIssue {
  return new SandboxIssue(400, 'ValidationIssue', message, [{ field, message }]);
}

export function notFound(message: string): SandboxIssue {
  return new SandboxIssue(404, 'NotFoundIssue', message);
}

export function errorBody(e: SandboxIssue, requestId: string) {
  return {
    status_code: e.status,
    type: e.type,
    message: e.message,
    ...(e.data !== undefined && { data: e.data }),
    request_id: requestId,
  };
}

/** A path id: 400 naming the parameter unless it is a UUID, lower-cased otherwise. */
export function pathUuid(name: string, id: string): string {
  if (!isUuid(id)) throw validation(name, `Invalid ${name}: '${id}' is not a UUID`);
  return id.toLowerCase();
}

/** ms since epoch of an ISO 8601 date or date-time (UTC unless it names an offset), or undefined. */
export function parseIsoDate(value: string): number | undefined {
  if (!ISO_RE.test(value)) return undefined;
  let text = value.replace(' ', 'T');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
