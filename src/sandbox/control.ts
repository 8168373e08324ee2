import { isUuid } from '../basics/ids.js';
import type { NewTask } from './store.js';

/** Bodies of the control endpoints that change data: parsed, or a message saying what is wrong. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const NEW_TASK_FIELDS = ['assignee_user_id', 'type', 'priority', 'status', 'sequence_id'] as const;

/** `POST /__sandbox/tasks`: an empty body or a JSON object of some of the fields a new task may be given. */
export function parseNewTask(raw: string): Parsed<NewTask> {
  const body = parseObject(raw, true);
  if (!body.ok) return body;
  const fields = body.value;
  for (const name of Object.keys(fields)) {
    if (!(NEW_TASK_FIELDS as readonly string[]).includes(name)) {
      return fail(`unknown field '${name}'; a new task takes ${NEW_TASK_FIELDS.join(', ')}`);
    }
  }
  const task: NewTask = {};
  for (const name of ['type', 'priority', 'status'] as const) {
    const v = fields[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') return fail(`'${name}' must be a non-empty string`);
    task[name] = v;
  }
  const assignee = fields.assignee_user_id;
  if (assignee !== undefined) {
    if (assignee !== null && (typeof assignee !== 'string' || !isUuid(assignee))) {
      return fail(`'assignee_user_id' must be a UUID or null`);
    }
    task.assignee_user_id = assignee;
  }
  const sequence = fields.sequence_id;
  if (sequence !== undefined) {
    if (typeof sequence !== 'string' || !isUuid(sequence)) return fail(`'sequence_id' must be a UUID`);
    task.sequence_id = sequence;
  }
  return { ok: true, value: task };
}

/** `PATCH /__sandbox/{resource}/{id}`: a JSON object of the fields to set, any values. */
export function parsePatch(raw: string): Parsed<Record<string, unknown>> {
  return parseObject(raw, false);
}

function parseObject(raw: string, emptyAllowed: boolean): Parsed<Record<string, unknown>> {
  if (emptyAllowed && raw.trim() === '') return { ok: true, value: {} };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return fail('body must be JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return fail('body must be a JSON object');
  return { ok: true, value: body as Record<string, unknown> };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
