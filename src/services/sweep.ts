import type { ApiClient } from '../api/client.js';
import { listTasksPage } from '../api/tasks.js';
import { OPEN_STATUSES, type TaskQuery } from '../api/types.js';
import type { JobHeader } from '../domain/job.js';
import type { Gate } from './queue.js';

/**
 * A sweep re-applies a finished offboarding's rules to its leaver's open tasks that match its subset: the
 * work that reached the leaver after the job (new tasks of their runs, reminders, a colleague's reassignment).
 * What it would move, and how many, are answered here.
 */

/** The subset of a job as its header records it (`-t`, `-p`, `--template`, `--created-…`): what a sweep matches. */
export function jobSubset(filters: Record<string, unknown>): Omit<TaskQuery, 'status' | 'assigneeUserId'> {
  const strings = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const subset: Omit<TaskQuery, 'status' | 'assigneeUserId'> = {};
  const types = strings(filters.types);
  const priorities = strings(filters.priorities);
  const templateIds = strings(filters.templateIds);
  const createdAfter = text(filters.createdAfter);
  const createdBefore = text(filters.createdBefore);
  if (types) subset.types = types;
  if (priorities) subset.priorities = priorities;
  if (templateIds) subset.templateIds = templateIds;
  if (createdAfter) subset.createdAfter = createdAfter;
  if (createdBefore) subset.createdBefore = createdBefore;
  return subset;
}

/** The open tasks a sweep of the job would take: the leaver's, within the job's subset. */
export function sweepQuery(job: Pick<JobHeader, 'filters'> & { from: string }): Omit<TaskQuery, 'status'> {
  return { ...jobSubset(job.filters), assigneeUserId: job.from };
}

/** How many open tasks a sweep of the job would move now: one small page per open status, side by side. */
export async function countSweepable(
  client: ApiClient,
  job: Pick<JobHeader, 'filters'> & { from: string },
  gate: Gate = (send) => send(),
): Promise<number> {
  const query = sweepQuery(job);
  const pages = await Promise.all(
    OPEN_STATUSES.map((status) => gate(() => listTasksPage(client, { ...query, status }, 1, 1))),
  );
  return pages.reduce((sum, page) => sum + page.total_count, 0);
}
