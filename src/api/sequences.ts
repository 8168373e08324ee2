import type { ApiClient } from './client.js';
import { checkRun, checkRunPage } from './shape.js';
import type { Page, SequenceRun } from './types.js';
import { MAX_PAGE_SIZE, PATHS, SEQUENCE_QUERY } from './wire.js';

/** Sequence runs (scope sequences:read): one contact's live sequence, which a task's `sequence_id` names. */

export function getRun(client: ApiClient, id: string): Promise<SequenceRun> {
  return client.send<SequenceRun>({ method: 'GET', path: PATHS.sequence(id), shape: checkRun });
}

export function listRunsPage(
  client: ApiClient,
  filter: { status?: string },
  page: number,
  size = MAX_PAGE_SIZE,
): Promise<Page<SequenceRun>> {
  const query: [string, string][] = [];
  if (filter.status) query.push([SEQUENCE_QUERY.status, filter.status]);
  query.push(
    [SEQUENCE_QUERY.page, String(page)],
    [SEQUENCE_QUERY.size, String(Math.min(size, MAX_PAGE_SIZE))],
  );
  return client.send<Page<SequenceRun>>({ method: 'GET', path: PATHS.sequences, query, shape: checkRunPage });
}
