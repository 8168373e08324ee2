/** The sandbox's error answers, shaped as Topo shapes them. */
export interface ApiError {
  status: number;
  type: string;
  message: string;
  data?: unknown;
  headers?: Record<string, string>;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function validation(field: string, message: string): ApiError {
  return { status: 400, type: 'ValidationIssue', message, data: [{ field, message }] };
}

export function notFound(message: string): ApiError {
  return { status: 404, type: 'NotFoundIssue', message };
}

export function isApiError(error: unknown): error is ApiError {
  return typeof error === 'object' && error !== null && 'status' in error && 'type' in error;
}

export function errorBody(e: ApiError, requestId: string) {
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
  if (!UUID_RE.test(id)) throw validation(name, `Invalid ${name}: '${id}' is not a UUID`);
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
