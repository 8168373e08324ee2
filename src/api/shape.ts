import * as v from 'valibot';
import { ApiError } from './errors.js';
import type { ApiKeyInfo, Contact, Message, Page, SequenceRun, SequenceTemplate, Task } from './types.js';

/**
 * The shapes the rest of topo relies on, as valibot schemas checked where answers arrive: an answer that is not
 * what the contract says becomes one clear error ("unexpected answer from the API: …") instead of a JavaScript
 * error further on. Only what the code depends on is checked; unknown fields and enum values pass as they come.
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
  /** The status it came with, when one did. */
  answered?: number,
): ApiError {
  return new ApiError(
    `unexpected answer from the API: ${what} (${request.method} ${request.path})`,
    502,
    undefined,
    requestId,
    null,
    answered ?? 502,
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

/** "expected X, got <what the value was>": the words of every issue below. */
const expected = (what: string) => (issue: v.BaseIssue<unknown>) =>
  `expected ${what}, got ${describeValue(issue.input)}`;

const record = (what: string) => v.custom<Record<string, unknown>>(isRecord, expected(what));

function countFieldsUpTo(record: Record<string, unknown>, max: number): number {
  let count = 0;
  for (const key in record) {
    if (Object.hasOwn(record, key) && ++count > max) break;
  }
  return count;
}

const fieldsAtMost = (kind: string) =>
  v.check<Record<string, unknown>, string>(
    (r) => countFieldsUpTo(r, MAX_FIELDS) <= MAX_FIELDS,
    `a ${kind} has more than ${MAX_FIELDS} fields`,
  );

/** An object whose `ids` are non-empty strings (the ids the code follows), with at most MAX_FIELDS fields. */
function resource(kind: string, ids: readonly string[]) {
  const checks = ids.map((id) =>
    v.check<Record<string, unknown>, (issue: v.BaseIssue<Record<string, unknown>>) => string>(
      (r) => typeof r[id] === 'string' && r[id] !== '',
      (issue) =>
        id === 'id' && kind === 'task'
          ? `expected a task with an id, got one whose id is ${describeValue(issue.input.id)}`
          : `expected a ${kind} with ${id === 'id' ? 'an id' : `a ${id}`}, got ${describeValue(issue.input[id])}`,
    ),
  );
  return v.pipe(record(`a ${kind} (an object)`), ...checks, fieldsAtMost(kind));
}

const wholeNumber = (name: string) => {
  const message = expected(`${name} to be a whole number of 0 or more`);
  return v.pipe(v.number(message), v.safeInteger(message), v.minValue(0, message));
};

/** One page of a listing: its items, each checked, and the counts the walk relies on. */
function page(kind: string, item: v.GenericSchema) {
  return v.pipe(
    record(`a page of ${kind}s (an object)`),
    v.looseObject({
      items: v.array(item, expected("the page's items to be a list")),
      total_count: wholeNumber('total_count'),
      total_pages: wholeNumber('total_pages'),
      has_more: v.boolean(expected('has_more to be true or false')),
    }),
  );
}

/** How an issue of one item of a list is said: its place (1-based) and the issue's words. */
interface ItemWords {
  /** The field that holds the list; none: the answer is the list. */
  under?: string;
  words: (place: number, message: string) => string;
}

const PAGE_ITEM: ItemWords = { under: 'items', words: (n, m) => `item ${n} of the page: ${m}` };

/** Checks a value, returning it typed; the first issue becomes the words of an UnexpectedAnswer. */
function checker<T>(schema: v.GenericSchema, item: ItemWords = PAGE_ITEM): (value: unknown) => T {
  return (value) => {
    const result = v.safeParse(schema, value, { abortEarly: true });
    if (!result.success) throw new UnexpectedAnswer(explain(result.issues[0], item));
    if (nestedDeeperThan(value, MAX_NESTING))
      throw new UnexpectedAnswer(`the answer is nested more than ${MAX_NESTING} levels deep`);
    return value as T;
  };
}

/** An issue in words: an item of a page is named by its place; a missing field reads as "nothing". */
function explain(issue: v.BaseIssue<unknown>, items: ItemWords): string {
  const path = issue.path ?? [];
  const item = items.under === undefined ? path[0] : path[0]?.key === items.under ? path[1] : undefined;
  const key = path.at(-1);
  // A field that is missing altogether: the words of its own schema, as for a field that is null.
  const message =
    issue.kind === 'schema' && issue.type === 'loose_object' && key && key.type === 'object'
      ? `expected ${FIELD_WORDS[String(key.key)] ?? String(key.key)}, got nothing`
      : issue.message;
  return item?.type === 'array' ? items.words(Number(item.key) + 1, message) : message;
}

const FIELD_WORDS: Record<string, string> = {
  items: "the page's items to be a list",
  total_count: 'total_count to be a whole number of 0 or more',
  total_pages: 'total_pages to be a whole number of 0 or more',
  has_more: 'has_more to be true or false',
  scopes: "the key's scopes to be a list of names",
};

/** Nested deeper than `max` objects or lists (checked without recursion, so any depth is safe). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  const push = (child: unknown, depth: number) => {
    if (typeof child !== 'object' || child === null) return;
    stack.push(child);
    depths.push(depth);
  };
  while (stack.length > 0) {
    const node = stack.pop() as object;
    const depth = depths.pop()!;
    if (depth > max) return true;
    // A parsed answer's objects have only their own fields: for…in walks them without making a list of their
    // values (every task of every page is checked).
    if (Array.isArray(node)) for (const child of node) push(child, depth + 1);
    else for (const key in node) push((node as Record<string, unknown>)[key], depth + 1);
  }
  return false;
}

const TASK = resource('task', ['id']);
const RUN = resource('sequence run', ['id', 'sequence_template_id']);
const TEMPLATE = resource('sequence template', ['id']);

/** GET /tasks/{id}, and the task that skip, reopen and reassign answer with. */
export const checkTask = checker<Task>(TASK);
/** One page of GET /tasks. */
export const checkTaskPage = checker<Page<Task>>(page('task', TASK));
/** GET /tasks/{id}/messages: a bare list of messages. */
export const checkMessages = checker<Message[]>(
  v.array(
    v.custom(isRecord, (issue) => `to be an object, got ${describeValue(issue.input)}`),
    expected('the messages to be a list'),
  ),
  { words: (n, m) => `expected message ${n} ${m}` },
);
/** GET /me: the key itself. */
export const checkKeyInfo = checker<ApiKeyInfo>(
  v.pipe(
    record("the key's details (an object)"),
    v.looseObject({
      // A name that is not a string: the list is what is said (`a list of 2`), not the name.
      scopes: v.array(
        v.string(
          (issue) =>
            `expected the key's scopes to be a list of names, got ${describeValue(issue.path?.[1]?.input)}`,
        ),
        expected("the key's scopes to be a list of names"),
      ),
    }),
  ),
);
export const checkRun = checker<SequenceRun>(RUN);
export const checkTemplate = checker<SequenceTemplate>(TEMPLATE);
export const checkTemplatePage = checker<Page<SequenceTemplate>>(page('sequence template', TEMPLATE));
export const checkContact = checker<Contact>(resource('contact', ['id']));
