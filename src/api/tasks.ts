import type { ApiClient } from './client.js';
import { checkKeyInfo, checkMessages, checkTask, checkTaskPage } from './shape.js';
import type { ApiKeyInfo, Message, Page, ReassignScope, Task, TaskQuery } from './types.js';
import { BODY, MAX_PAGE_SIZE, PATHS, QUERY } from './wire.js';

/** One function per endpoint; the query and body wire names come from wire.ts. */

export function getMe(client: ApiClient): Promise<ApiKeyInfo> {
  return client.send<ApiKeyInfo>({ method: 'GET', path: PATHS.me, shape: checkKeyInfo });
}

export function taskQueryParams(query: TaskQuery): [string, string][] {
  const params: [string, string][] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) params.push([name, value]);
  };
  add(QUERY.status, query.status);
  for (const t of query.types ?? []) params.push([QUERY.types, t]);
  for (const p of query.priorities ?? []) params.push([QUERY.priorities, p]);
  for (const id of query.templateIds ?? []) params.push([QUERY.templateIds, id]);
  add(QUERY.assigneeUserId, query.assigneeUserId);
  add(QUERY.sequenceId, query.sequenceId);
  add(QUERY.createdAfter, query.createdAfter);
  add(QUERY.createdBefore, query.createdBefore);
  add(QUERY.sortBy, query.sortBy);
  add(QUERY.sortOrder, query.sortOrder);
  return params;
}

export function listTasksPage(
  client: ApiClient,
  query: TaskQuery,
  page: number,
  size: number,
): Promise<Page<Task>> {
  return client.send<Page<Task>>({
    method: 'GET',
    path: PATHS.tasks,
    query: [
      ...taskQueryParams(query),
      [QUERY.page, String(page)],
      [QUERY.size, String(Math.min(size, MAX_PAGE_SIZE))],
    ],
    shape: checkTaskPage,
  });
}

export function getTask(client: ApiClient, id: string): Promise<Task> {
  return client.send<Task>({ method: 'GET', path: PATHS.task(id), shape: checkTask });
}

export function getMessages(client: ApiClient, id: string): Promise<Message[]> {
  return client.send<Message[]>({ method: 'GET', path: PATHS.messages(id), shape: checkMessages });
}

export function skipTask(client: ApiClient, id: string): Promise<Task> {
  return client.send<Task>({ method: 'POST', path: PATHS.skip(id), retry: 'unprocessed', shape: checkTask });
}

export function reopenTask(client: ApiClient, id: string): Promise<Task> {
  return client.send<Task>({
    method: 'POST',
    path: PATHS.reopen(id),
    retry: 'unprocessed',
    shape: checkTask,
  });
}

/** A PATCH of the same body twice has the same effect, so it is retried like a GET. */
export function reassignTask(
  client: ApiClient,
  id: string,
  assignee: string,
  scope: ReassignScope,
): Promise<Task> {
  return client.send<Task>({
    method: 'PATCH',
    path: PATHS.assignee(id),
    body: { [BODY.assigneeUserId]: assignee, [BODY.scope]: scope },
    retry: 'idempotent',
    shape: checkTask,
  });
}
