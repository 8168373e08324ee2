import type { ApiClient } from './client.js';
import { unexpectedAnswerError } from './shape.js';
import { listTasksPage } from './tasks.js';
import type { Page, Task, TaskQuery } from './types.js';
import { MAX_PAGE_SIZE, PATHS } from './wire.js';

export interface WalkOptions {
  /** Stop after this many tasks; undefined = every page. */
  limit?: number;
  /** Pages fetched at once after the first. */
  concurrency?: number;
  /** Called once the first page says how many tasks match. */
  onTotal?: (total: number) => void;
}

/** Pages beyond what total_count allows before a listing that still says has_more is given up as endless. */
const PAGE_SLACK = 2;

/**
 * Yields the tasks of a listing in API order: the first page, then the remaining pages several at a time,
 * still yielded in order. A task seen twice (tasks added or removed under the walk shift the pages) is yielded
 * once: only the ids of the last two pages are kept, since a shift moves a task by less than that, so memory
 * stays flat however long the listing.
 *
 * The walk ends when a page says has_more: false, and fails with an "unexpected answer" error instead of going
 * on forever when the API contradicts itself: an empty page that says more follow, a page that repeats the
 * previous one, or more pages than total_count allows.
 */
export async function* walkTasks(
  client: ApiClient,
  query: TaskQuery,
  options: WalkOptions = {},
): AsyncGenerator<Task> {
  const limit = options.limit;
  const size = limit === undefined ? MAX_PAGE_SIZE : Math.max(1, Math.min(limit, MAX_PAGE_SIZE));
  // With a limit, one page more than it needs is fetched ahead in case duplicates were dropped.
  const limitPages = limit === undefined ? Infinity : Math.ceil(limit / size) + 1;
  const fetchPage = (page: number) => listTasksPage(client, query, page, size);
  const unexpected = (what: string) => unexpectedAnswerError(what, { method: 'GET', path: PATHS.tasks });

  const first = await fetchPage(1);
  options.onTotal?.(first.total_count);
  let total = first.total_count;
  /** Pages the listing has by its latest total_count (it grows when tasks are added during the walk). */
  const announcedPages = () => Math.ceil(total / size);

  let emitted = 0;
  let older = new Set<string>();
  let recent = new Set<string>();
  /** A page's tasks not seen on the pages before (up to the limit), yielded one by one by the walk itself. */
  const fresh = (items: Task[]): Task[] => {
    const current = new Set<string>();
    const tasks: Task[] = [];
    for (const task of items) {
      if (limit !== undefined && emitted >= limit) break;
      const seen = recent.has(task.id) || older.has(task.id) || current.has(task.id);
      current.add(task.id);
      if (seen) continue;
      emitted++;
      tasks.push(task);
    }
    older = recent;
    recent = current;
    return tasks;
  };

  const concurrency = Math.max(1, options.concurrency ?? 4);
  const inFlight = new Map<number, Promise<Page<Task>>>();
  let next = 2;
  const fill = () => {
    const last = Math.min(announcedPages(), limitPages);
    while (inFlight.size < concurrency && next <= last) {
      const page = next++;
      const promise = fetchPage(page);
      promise.catch(() => undefined); // awaited below in order; avoid an unhandled rejection meanwhile
      inFlight.set(page, promise);
    }
  };

  let page = 1;
  let result = first;
  let previousIds: string[] = [];
  try {
    for (;;) {
      const ids = result.items.map((t) => t.id);
      if (result.items.length === 0) {
        if (result.has_more) throw unexpected(`page ${page} of the listing is empty, yet has_more is true`);
        return;
      }
      if (page > 1 && sameIds(ids, previousIds)) {
        throw unexpected(
          `page ${page} of the listing repeats page ${page - 1}; the API may ignore the page number`,
        );
      }
      for (const task of fresh(result.items)) yield task;
      if (limit !== undefined && emitted >= limit) return;
      if (!result.has_more) return;
      total = Math.max(total, result.total_count);
      if (page >= announcedPages() + PAGE_SLACK) {
        throw unexpected(
          `page ${page} of the listing says more pages follow, but total_count ${total} fits in ${announcedPages()} pages of ${size}`,
        );
      }
      previousIds = ids;
      page++;
      if (next < page) next = page;
      fill();
      let ahead = inFlight.get(page);
      if (ahead) {
        inFlight.delete(page);
      } else {
        // Past the pages the API announced (tasks were added while walking), pages come one at a time.
        ahead = fetchPage(page);
        next = Math.max(next, page + 1);
      }
      result = await ahead;
    }
  } finally {
    await Promise.allSettled(inFlight.values());
  }
}

function sameIds(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Merges sorted streams into one, in the given sort order (ties broken by id, as the listing does). */
export async function* mergeSorted(
  streams: AsyncGenerator<Task>[],
  field: 'created_at' | 'updated_at',
  order: 'asc' | 'desc',
): AsyncGenerator<Task> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  const sign = order === 'desc' ? -1 : 1;
  const compare = (a: Task, b: Task): number => {
    const av = a[field];
    const bv = b[field];
    if (av !== bv) return av < bv ? -sign : sign;
    return a.id < b.id ? -sign : a.id > b.id ? sign : 0;
  };
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i]!;
      if (head.done) continue;
      if (best < 0 || compare(head.value, (heads[best] as IteratorYieldResult<Task>).value) < 0) best = i;
    }
    if (best < 0) return;
    yield (heads[best] as IteratorYieldResult<Task>).value;
    heads[best] = await streams[best]!.next();
  }
}

/** The first n items of a stream. */
export async function* take<T>(source: AsyncGenerator<T>, n: number): AsyncGenerator<T> {
  if (n <= 0) return;
  let count = 0;
  for await (const item of source) {
    yield item;
    if (++count >= n) return;
  }
}
