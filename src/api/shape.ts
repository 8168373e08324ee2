import { ApiError } from './errors.js';
import type { ApiKeyInfo, Contact, Message, Page, SequenceRun, SequenceTemplate, Task } from './types.js';

/**
 * The shapes the rest of topo relies on, checked where answers arrive: an answer that is not what the contract
 * says becomes one clear error ("unexpected answer from the API: …") instead of a JavaScript error further on.
 * Only what the code depends on is checked; unknown fields and enum values pass as they come.
 */

/** Deeper than this, printing an answer as JSON would overflow the stack. */
export const MAX_NESTING = 64;
/** More fields than this is no task: listing them would overflow the stack. */
export const MAX_FIELDS = 1000;

/** Raised by the checks below; the client turns it into an ApiError that names the request. */
export class UnexpectedAnswer extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = 'UnexpectedAnswer';
  }
}

/** The one error for an answer topo cannot use. Exit code 1 (502: the answer came, but not a usable one). */
export function unexpectedAnswerError(
  what: string,
  request: { method: string; path: string },
  requestId?: string,
): ApiError {
  return new ApiError(
    `unexpected answer from the API: ${what} (${request.method} ${request.path})`,
    502,
    undefined,
    requestId,
    null,
  );
}

/** What a value is, in a few words, without echoing what it holds. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  if (typeof value === 'number')
    return Number.isFinite(value) ? `the number ${value}` : 'a number out of range';
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nested deeper than `max` objects or lists (checked without recursion, so any depth is safe). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const node = stack.pop() as object;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

function checkNesting(value: unknown): void {
  if (nestedDeeperThan(value, MAX_NESTING)) {
    throw new UnexpectedAnswer(`the answer is nested more than ${MAX_NESTING} levels deep`);
  }
}

function countFieldsUpTo(record: Record<string, unknown>, max: number): number {
  let count = 0;
  for (const key in record) {
    if (Object.hasOwn(record, key) && ++count > max) break;
  }
  return count;
}

function taskProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `expected a task (an object), got ${describeValue(value)}`;
  if (typeof value.id !== 'string' || value.id === '') {
    return `expected a task with an id, got one whose id is ${describeValue(value.id)}`;
  }
  if (countFieldsUpTo(value, MAX_FIELDS) > MAX_FIELDS) return `a task has more than ${MAX_FIELDS} fields`;
  return undefined;
}

function wholeNumber(envelope: Record<string, unknown>, name: string): number {
  const value = envelope[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new UnexpectedAnswer(
      `expected ${name} to be a whole number of 0 or more, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** GET /tasks/{id}, and the task that skip, reopen and reassign answer with. */
export function checkTask(value: unknown): Task {
  const problem = taskProblem(value);
  if (problem) throw new UnexpectedAnswer(problem);
  checkNesting(value);
  return value as Task;
}

/** One page of GET /tasks. */
export function checkTaskPage(value: unknown): Page<Task> {
  if (!isRecord(value))
    throw new UnexpectedAnswer(`expected a page of tasks (an object), got ${describeValue(value)}`);
  const items = value.items;
  if (!Array.isArray(items)) {
    throw new UnexpectedAnswer(`expected the page's items to be a list, got ${describeValue(items)}`);
  }
  for (let i = 0; i < items.length; i++) {
    const problem = taskProblem(items[i]);
    if (problem) throw new UnexpectedAnswer(`item ${i + 1} of the page: ${problem}`);
  }
  wholeNumber(value, 'total_count');
  wholeNumber(value, 'total_pages');
  if (typeof value.has_more !== 'boolean') {
    throw new UnexpectedAnswer(`expected has_more to be true or false, got ${describeValue(value.has_more)}`);
  }
  checkNesting(value);
  return value as unknown as Page<Task>;
}

/** GET /tasks/{id}/messages: a bare list of messages. */
export function checkMessages(value: unknown): Message[] {
  if (!Array.isArray(value)) {
    throw new UnexpectedAnswer(`expected the messages to be a list, got ${describeValue(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!isRecord(value[i])) {
      throw new UnexpectedAnswer(`expected message ${i + 1} to be an object, got ${describeValue(value[i])}`);
    }
  }
  checkNesting(value);
  return value as Message[];
}

/** GET /me: the key itself. */
export function checkKeyInfo(value: unknown): ApiKeyInfo {
  if (!isRecord(value))
    throw new UnexpectedAnswer(`expected the key's details (an object), got ${describeValue(value)}`);
  const scopes = value.scopes;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
    throw new UnexpectedAnswer(
      `expected the key's scopes to be a list of names, got ${describeValue(scopes)}`,
    );
  }
  checkNesting(value);
  return value as unknown as ApiKeyInfo;
}

/** A resource with string ids where the code follows them (a run's template; its contact may be null). */
function resource<T>(kind: string, ids: readonly string[]): (value: unknown) => T {
  return (value) => {
    const problem = resourceProblem(value, kind, ids);
    if (problem) throw new UnexpectedAnswer(problem);
    checkNesting(value);
    return value as T;
  };
}

function resourceProblem(value: unknown, kind: string, ids: readonly string[]): string | undefined {
  if (!isRecord(value)) return `expected a ${kind} (an object), got ${describeValue(value)}`;
  for (const id of ids) {
    if (typeof value[id] !== 'string' || value[id] === '')
      return `expected a ${kind} with ${id === 'id' ? 'an id' : `a ${id}`}, got ${describeValue(value[id])}`;
  }
  if (countFieldsUpTo(value, MAX_FIELDS) > MAX_FIELDS) return `a ${kind} has more than ${MAX_FIELDS} fields`;
  return undefined;
}

/** One page of a listing of resources. */
function pageOf<T>(kind: string, ids: readonly string[]): (value: unknown) => Page<T> {
  return (value) => {
    if (!isRecord(value))
      throw new UnexpectedAnswer(`expected a page of ${kind}s (an object), got ${describeValue(value)}`);
    const items = value.items;
    if (!Array.isArray(items))
      throw new UnexpectedAnswer(`expected the page's items to be a list, got ${describeValue(items)}`);
    for (let i = 0; i < items.length; i++) {
      const problem = resourceProblem(items[i], kind, ids);
      if (problem) throw new UnexpectedAnswer(`item ${i + 1} of the page: ${problem}`);
    }
    wholeNumber(value, 'total_count');
    wholeNumber(value, 'total_pages');
    if (typeof value.has_more !== 'boolean')
      throw new UnexpectedAnswer(
        `expected has_more to be true or false, got ${describeValue(value.has_more)}`,
      );
    checkNesting(value);
    return value as unknown as Page<T>;
  };
}

const RUN_IDS = ['id', 'sequence_template_id'] as const;
export const checkRun = resource<SequenceRun>('sequence run', RUN_IDS);
export const checkRunPage = pageOf<SequenceRun>('sequence run', RUN_IDS);
export const checkTemplate = resource<SequenceTemplate>('sequence template', ['id']);
export const checkTemplatePage = pageOf<SequenceTemplate>('sequence template', ['id']);
export const checkContact = resource<Contact>('contact', ['id']);
