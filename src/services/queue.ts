import type { ApiClient } from '../api/client.js';
import { listTasksPage } from '../api/tasks.js';
import { TASK_PRIORITIES, type Task, type TaskStatus } from '../api/types.js';
import { MAX_PAGE_SIZE } from '../api/wire.js';

/**
 * A rep's queue, in the order work should be done: in progress before pending, then HOT, TODAY, EXTRA (and
 * any priority the API adds later), then oldest first.
 */

const STATUS_ORDER: readonly TaskStatus[] = ['IN_PROGRESS', 'PENDING'];

export interface QueueHead {
  /** The task to do now, or null when the queue is empty. */
  task: Task | null;
  /** Open tasks in the queue (the ones left aside included). */
  open: number;
}

/**
 * The first task of the queue that is not left aside. One round trip: for each open status, one listing per
 * known priority and one of every priority (which also counts the queue), each oldest first.
 */
export async function nextTask(
  client: ApiClient,
  assignee: string,
  aside: ReadonlySet<string> = new Set(),
): Promise<QueueHead> {
  const size = Math.min(MAX_PAGE_SIZE, aside.size + 1);
  const query = (status: TaskStatus, priority?: string) =>
    listTasksPage(
      client,
      {
        status,
        assigneeUserId: assignee,
        sortBy: 'created_at',
        sortOrder: 'asc',
        ...(priority && { priorities: [priority] }),
      },
      1,
      size,
    );
  const pages = await Promise.all(
    STATUS_ORDER.map((status) =>
      Promise.all([...TASK_PRIORITIES.map((p) => query(status, p)), query(status)]),
    ),
  );
  let open = 0;
  const ranked: Task[] = [];
  for (const byPriority of pages) {
    const every = byPriority[byPriority.length - 1]!;
    open += every.total_count;
    for (const page of byPriority.slice(0, -1)) ranked.push(...page.items);
    // Priorities the API added after this version: after the known ones.
    ranked.push(...every.items.filter((t) => !(TASK_PRIORITIES as readonly string[]).includes(t.priority)));
  }
  return { task: ranked.find((t) => !aside.has(t.id)) ?? null, open };
}
