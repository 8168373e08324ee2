import type { ApiClient } from '../../api/client.js';
import type { Task } from '../../api/types.js';
import { walkTasks } from '../../api/walk.js';
import type { JobMove, TaskFate } from '../../domain/job.js';
import { isOpen } from '../../domain/task.js';
import { isoSeconds } from '../../basics/time.js';
import { collectOpenTasks } from '../listing.js';

/**
 * The look a job takes just before each batch of its runs, at a few requests a batch instead of one a run: the
 * holders' open tasks created within the batch's span (pages of 100), and every task created since the plan
 * (a run the plan saw whole may have gained one since). What a run holds open now, as far as these show; a run
 * whose planned tasks are not all still with their holder is read on its own (who has them now is said).
 */

/** Tasks of the holders a batch holds at most: one page of each open status for a batch of runs in order. */
export const BATCH_TASKS = 100;

/** A second either side: the API's creation bounds are strict, and its times are whole seconds. */
const SLACK_MS = 1000;

export interface BatchCheck {
  /** What each run of the batch holds open now, or undefined where the run must be read on its own. */
  openNow: Map<JobMove, Task[] | undefined>;
  /** Tasks created since the plan that are open now, by run (someone else's tasks a whole-run call would take). */
  created: Map<string, Task[]>;
  /** When the check was read (ms). */
  at: number;
}

/**
 * The runs of a job in batches of about BATCH_TASKS tasks, in the order of their holders' tasks' creation, so
 * that each batch is checked by a listing of the span it covers.
 */
export function batchesOf(moves: readonly JobMove[], fates: ReadonlyMap<string, TaskFate>): JobMove[][] {
  const first = (m: JobMove) =>
    m.task_ids.reduce((min, id) => {
      const at = fates.get(id)?.task.created_at ?? '';
      return at < min ? at : min;
    }, '\uffff');
  const ordered = moves
    .map((m) => ({ m, at: first(m) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map((x) => x.m);
  const batches: JobMove[][] = [];
  let current: JobMove[] = [];
  let tasks = 0;
  for (const m of ordered) {
    if (current.length > 0 && tasks + m.task_ids.length > BATCH_TASKS) {
      batches.push(current);
      current = [];
      tasks = 0;
    }
    current.push(m);
    tasks += m.task_ids.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Reads what a batch of runs holds now: see the top of this file. */
export async function checkBatch(
  client: ApiClient,
  batch: readonly JobMove[],
  fates: ReadonlyMap<string, TaskFate>,
  plannedAt: number,
  now: () => number,
): Promise<BatchCheck> {
  const spans = new Map<string, { min: number; max: number }>();
  let unknownTimes = false;
  for (const m of batch)
    for (const id of m.task_ids) {
      const created = Date.parse(fates.get(id)?.task.created_at ?? '');
      // A task nobody held when planned (a plan file's) has no holder's listing to be found in: read alone.
      if (Number.isNaN(created) || m.from === null) {
        unknownTimes = true;
        continue;
      }
      const span = spans.get(m.from) ?? { min: created, max: created };
      spans.set(m.from, { min: Math.min(span.min, created), max: Math.max(span.max, created) });
    }
  const at = now();
  const [held, recent] = await Promise.all([
    Promise.all(
      [...spans].map(([holder, span]) =>
        collectOpenTasks(
          client,
          {
            assigneeUserId: holder,
            createdAfter: isoSeconds(span.min - SLACK_MS),
            createdBefore: isoSeconds(span.max + 2 * SLACK_MS),
          },
          2,
        ),
      ),
    ),
    createdSince(client, plannedAt),
  ]);
  const byRun = new Map<string, Task[]>();
  for (const t of held.flat()) byRun.set(t.sequence_id, [...(byRun.get(t.sequence_id) ?? []), t]);
  const created = new Map<string, Task[]>();
  for (const t of recent)
    if (isOpen(t)) created.set(t.sequence_id, [...(created.get(t.sequence_id) ?? []), t]);
  const openNow = new Map<JobMove, Task[] | undefined>();
  for (const m of batch) {
    const mine = (byRun.get(m.sequence_id) ?? []).filter((t) => t.assignee_user_id === m.from);
    if (unknownTimes || !m.task_ids.every((id) => mine.some((t) => t.id === id))) {
      openNow.set(m, undefined);
      continue;
    }
    const extra = (created.get(m.sequence_id) ?? []).filter((t) => !mine.some((x) => x.id === t.id));
    openNow.set(m, [...mine, ...extra]);
  }
  return { openNow, created, at };
}

/** A minute before the plan: room for a clock here that runs ahead of the API’s. */
const CLOCK_MARGIN_MS = 60_000;

/** Every task created since the plan (any holder, any status): usually a few, one request. */
export async function createdSince(client: ApiClient, plannedAt: number): Promise<Task[]> {
  const tasks: Task[] = [];
  const query = {
    createdAfter: isoSeconds(plannedAt - CLOCK_MARGIN_MS),
    sortBy: 'created_at',
    sortOrder: 'asc',
  } as const;
  for await (const t of walkTasks(client, query)) tasks.push(t);
  return tasks;
}
