import { ApiError } from '../api/errors.js';
import { EXIT, TopoError, type ExitCode } from '../errors.js';
import { encodeJson } from './exporter.js';
import { clip, safeText } from '../basics/text.js';

/** Errors in one shape: one line "message (type, request id)" for people, one JSON object for scripts. */

/** An error's message in one line: its first, clipped. */
function cutMessage(message: string): string {
  return clip(message.split('\n')[0] ?? '');
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof TopoError ? error.exitCode : EXIT.failure;
}

/** The details support asks for: the API's error type and request id. */
function details(error: unknown): { type: string | null; requestId: string | null; status: number | null } {
  if (error instanceof ApiError) {
    return { type: error.type ?? null, requestId: error.requestId ?? null, status: error.answered };
  }
  return { type: null, requestId: null, status: null };
}

/** `message (Type, request req_…)`, made safe for a terminal. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const { type, requestId } = details(error);
  const extra = [type && safeText(type), requestId && `request ${safeText(requestId)}`].filter(Boolean);
  const text = safeText(cutMessage(message));
  return extra.length > 0 ? `${text} (${extra.join(', ')})` : text;
}

/** The `--json` shape of an error on stderr. */
export function errorJson(error: unknown): { error: Record<string, unknown> } {
  const { type, requestId, status } = details(error);
  const message = error instanceof Error ? error.message : String(error);
  const kind = error instanceof TopoError ? error.name : 'Error';
  return {
    error: {
      code: exitCodeOf(error),
      status,
      type: type ?? kind,
      message: cutMessage(message),
      request_id: requestId,
    },
  };
}

export function errorLine(error: unknown, json: boolean): string {
  return json ? `${encodeJson(errorJson(error), false)}\n` : `error: ${describeError(error)}\n`;
}
