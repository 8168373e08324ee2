import type { ApiClient } from '../api/client.js';
import { listTasksPage } from '../api/tasks.js';
import { TASK_PRIORITIES, type Page, type Task, type TaskStatus } from '../api/types.js';
import { MAX_PAGE_SIZE } from '../api/wire.js';
import { listTasks } from './listing.js';

/**
 * A rep's queue, in the order work should be done: in progress before pending, then HOT, TODAY, EXTRA (and
 * any priority the API adds later), then oldest first. The queue of nobody (null) is the unassigned tasks.
 */

export const STATUS_ORDER: readonly TaskStatus[] = ['IN_PROGRESS', 'PENDING'];

/** Only some tasks of the queue (`tasks next -t call -p hot`); undefined: every type, every priority. */
export interface QueueFilter {
  types?: readonly string[];
  priorities?: readonly string[];
}

export interface QueueHead {
  /** The task to do now, or null when the queue is empty. */
  task: Task | null;
  /** Open tasks in the queue (the ones left aside included). */
  open: number;
}

/**
 * The first task of the queue that is not left aside. One round trip: the queue's listings (see
 * queueListings), side by side.
 */
export async function nextTask(
  client: ApiClient,
  assignee: string | null,
  aside: ReadonlySet<string> = new Set(),
  only: QueueFilter = {},
): Promise<QueueHead> {
  if (assignee === null) return nextUnassigned(client, aside, only);
  return queueHead(
    await queueListings(client, assignee, Math.min(MAX_PAGE_SIZE, aside.size + 1), undefined, only),
    aside,
  );
}

/** Lets a request go now or later (a pool shared by several views' requests). */
export type Gate = <T>(send: () => Promise<T>) => Promise<T>;

/** The first tasks of one open status of a person's queue, oldest first. */
export interface StatusListing {
  status: TaskStatus;
  /** One page per known priority, in TASK_PRIORITIES order: its first tasks, and how many there are. */
  byPriority: Page<Task>[];
  /** Every priority: how many tasks have this status, and the first of them. */
  every: Page<Task>;
}

/**
 * What a person's queue is ranked from: for each open status (in progress first), one listing per known
 * priority and one of every priority (which also counts the status), each oldest first and `size` long.
 */
export function queueListings(
  client: ApiClient,
  assignee: string,
  size: number,
  gate: Gate = (send) => send(),
  { types, priorities }: QueueFilter = {},
): Promise<StatusListing[]> {
  const query = (status: TaskStatus, priority?: readonly string[]) =>
    gate(() =>
      listTasksPage(
        client,
        {
          status,
          assigneeUserId: assignee,
          sortBy: 'created_at',
          sortOrder: 'asc',
          ...(priority && { priorities: [...priority] }),
          ...(types && { types: [...types] }),
        },
        1,
        size,
      ),
    );
  return Promise.all(
    STATUS_ORDER.map(async (status) => {
      // With -p, only the priorities asked for: the others' pages are empty without a request.
      const wanted = (p: string) => !priorities || priorities.includes(p);
      const pages = await Promise.all([
        ...TASK_PRIORITIES.map((p) => (wanted(p) ? query(status, [p]) : Promise.resolve(EMPTY_PAGE))),
        query(status, priorities),
      ]);
      return { status, byPriority: pages.slice(0, -1), every: pages.at(-1)! };
    }),
  );
}

/** The queue's head by the rule, and how many tasks it holds, from its listings. */
export function queueHead(listings: readonly StatusListing[], aside: ReadonlySet<string>): QueueHead {
  let open = 0;
  const ranked: Task[] = [];
  for (const { byPriority, every } of listings) {
    open += every.total_count;
    for (const page of byPriority) ranked.push(...page.items);
    // Priorities the API added after this version: after the known ones.
    ranked.push(...every.items.filter((t) => !(TASK_PRIORITIES as readonly string[]).includes(t.priority)));
  }
  return { task: ranked.find((t) => !aside.has(t.id)) ?? null, open };
}

const EMPTY_PAGE: Page<Task> = { items: [], total_count: 0, total_pages: 0, has_more: false };

/** Walks in flight at once when the queue is the tasks nobody holds. */
const UNASSIGNED_CONCURRENCY = 4;

/**
 * The first unassigned task not left aside. The API cannot filter on "nobody", so every open task is walked
 * (as `tasks list -a none` does) and the unassigned ones are ranked here by the same rule.
 */
async function nextUnassigned(
  client: ApiClient,
  aside: ReadonlySet<string>,
  { types, priorities }: QueueFilter,
): Promise<QueueHead> {
  const open: Task[] = [];
  const walk = listTasks(client, {
    statuses: STATUS_ORDER,
    query: {
      sortBy: 'created_at',
      sortOrder: 'asc',
      ...(types && { types: [...types] }),
      ...(priorities && { priorities: [...priorities] }),
    },
    limit: undefined,
    concurrency: UNASSIGNED_CONCURRENCY,
    unassigned: true,
  });
  for await (const task of walk) open.push(task);
  const rank = (t: Task) => {
    const known = (TASK_PRIORITIES as readonly string[]).indexOf(t.priority);
    return [STATUS_ORDER.indexOf(t.status as TaskStatus), known < 0 ? TASK_PRIORITIES.length : known];
  };
  const ranked = open
    .map((task) => ({ task, rank: rank(task) }))
    .sort(
      (a, b) =>
        a.rank[0]! - b.rank[0]! ||
        a.rank[1]! - b.rank[1]! ||
        (a.task.created_at < b.task.created_at ? -1 : a.task.created_at > b.task.created_at ? 1 : 0) ||
        (a.task.id < b.task.id ? -1 : a.task.id > b.task.id ? 1 : 0),
    )
    .map((r) => r.task);
  return { task: ranked.find((t) => !aside.has(t.id)) ?? null, open: open.length };
}
