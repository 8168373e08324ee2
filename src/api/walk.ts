import type { ApiClient } from './client.js';
import { listTasksPage } from './tasks.js';
import type { Task, TaskQuery } from './types.js';
import { MAX_PAGE_SIZE } from './wire.js';

export interface WalkOptions {
  /** Stop after this many tasks; undefined = every page. */
  limit?: number;
  /** Pages fetched at once after the first. */
  concurrency?: number;
  /** Called once the first page says how many tasks match. */
  onTotal?: (total: number) => void;
}

/**
 * Yields the tasks of a listing in API order: the first page, then the remaining pages several at a time,
 * still yielded in order. A task seen twice (the data shifted under the walk) is yielded once.
 */
export async function* walkTasks(
  client: ApiClient,
  query: TaskQuery,
  options: WalkOptions = {},
): AsyncGenerator<Task> {
  const limit = options.limit;
  const size = limit === undefined ? MAX_PAGE_SIZE : Math.max(1, Math.min(limit, MAX_PAGE_SIZE));
  const first = await listTasksPage(client, query, 1, size);
  options.onTotal?.(first.total_count);
  const seen = new Set<string>();
  let emitted = 0;
  const emit = function* (items: Task[]): Generator<Task> {
    for (const task of items) {
      if (limit !== undefined && emitted >= limit) return;
      if (seen.has(task.id)) continue;
      seen.add(task.id);
      emitted++;
      yield task;
    }
  };
  yield* emit(first.items);
  if (!first.has_more || (limit !== undefined && emitted >= limit)) return;

  const lastPage =
    limit === undefined ? first.total_pages : Math.min(first.total_pages, Math.ceil(limit / size) + 1);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const inFlight = new Map<number, Promise<Awaited<ReturnType<typeof listTasksPage>>>>();
  let next = 2;
  const fill = () => {
    while (inFlight.size < concurrency && next <= lastPage) {
      const page = next++;
      const promise = listTasksPage(client, query, page, size);
      promise.catch(() => undefined); // awaited below in order; avoid an unhandled rejection meanwhile
      inFlight.set(page, promise);
    }
  };
  let page = 2;
  let hasMore = true;
  fill();
  try {
    while (hasMore && page <= lastPage) {
      const result = await inFlight.get(page)!;
      inFlight.delete(page);
      yield* emit(result.items);
      if (limit !== undefined && emitted >= limit) return;
      hasMore = result.has_more;
      page++;
      fill();
    }
    // Tasks were added while walking: the listing grew past the pages the first answer announced.
    while (hasMore && (limit === undefined || emitted < limit)) {
      const result = await listTasksPage(client, query, page, size);
      yield* emit(result.items);
      hasMore = result.has_more;
      page++;
    }
  } finally {
    await Promise.allSettled(inFlight.values());
  }
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
