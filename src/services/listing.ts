import type { ApiClient } from '../api/client.js';
import { listTasksPage } from '../api/tasks.js';
import { OPEN_STATUSES, type Task, type TaskQuery, type TaskStatus } from '../api/types.js';
import { mergeSorted, take, walkTasks } from '../api/walk.js';
import { MAX_PAGE_SIZE } from '../api/wire.js';

/** Listing tasks: one API listing per status, merged in sort order; every open task; what a walk costs. */

export interface Listing {
  /** Statuses to list, one API listing each; empty = every status. */
  statuses: readonly TaskStatus[];
  query: Omit<TaskQuery, 'status'>;
  /** At most this many tasks; undefined = every page. */
  limit: number | undefined;
  /** Pages fetched at once after the first. */
  concurrency: number;
  /** Only tasks nobody holds: the API has no filter for it, so the listing is filtered here. */
  unassigned?: boolean;
  /** Only tasks updated after this ISO time: the walk is newest-updated first and stops at the bound. */
  updatedAfter?: string;
}

/** Whether a listing is filtered here, after the API: its total is then not known in advance. */
export function filteredLocally(listing: Listing): boolean {
  return Boolean(listing.unassigned || listing.updatedAfter);
}

/** Every matching task in sort order; `onTotal` learns how many match once the first pages say so. */
export function listTasks(
  client: ApiClient,
  listing: Listing,
  onTotal: (total: number) => void = () => undefined,
): AsyncGenerator<Task> {
  if (!filteredLocally(listing)) return listFromApi(client, listing, onTotal);
  const { limit } = listing;
  const all = listFromApi(client, { ...listing, limit: undefined }, onTotal);
  const after = listing.updatedAfter === undefined ? undefined : Date.parse(listing.updatedAfter);
  return (async function* () {
    let n = 0;
    for await (const task of all) {
      // Newest-updated first: the first task at or before the bound ends the walk.
      if (after !== undefined && !(Date.parse(task.updated_at) > after)) return;
      if (listing.unassigned && task.assignee_user_id !== null) continue;
      yield task;
      if (limit !== undefined && ++n >= limit) return;
    }
  })();
}

function listFromApi(
  client: ApiClient,
  listing: Listing,
  onTotal: (total: number) => void,
): AsyncGenerator<Task> {
  let total = 0;
  let pending = Math.max(1, listing.statuses.length);
  const report = (n: number) => {
    total += n;
    if (--pending === 0) onTotal(total);
  };
  const walk = (status?: TaskStatus) =>
    walkTasks(client, status ? { ...listing.query, status } : listing.query, {
      ...(listing.limit !== undefined && { limit: listing.limit }),
      concurrency: listing.concurrency,
      onTotal: report,
    });
  if (listing.statuses.length <= 1) return walk(listing.statuses[0]);
  const merged = mergeSorted(
    listing.statuses.map((s) => walk(s)),
    listing.query.sortBy ?? 'created_at',
    listing.query.sortOrder ?? 'asc',
  );
  return listing.limit === undefined ? merged : take(merged, listing.limit);
}

/** Every open task (pending and in progress) matching the query, oldest first. */
export async function collectOpenTasks(
  client: ApiClient,
  query: Omit<TaskQuery, 'status'>,
  concurrency: number,
): Promise<Task[]> {
  const tasks: Task[] = [];
  const stream = listTasks(client, {
    statuses: OPEN_STATUSES,
    query: { sortBy: 'created_at', sortOrder: 'asc', ...query },
    limit: undefined,
    concurrency,
  });
  for await (const t of stream) tasks.push(t);
  return tasks;
}

/** How many requests walking every open task matching the query takes (two requests to find out). */
export async function openListingCost(client: ApiClient, query: Omit<TaskQuery, 'status'>): Promise<number> {
  const totals = await Promise.all(
    OPEN_STATUSES.map((status) => listTasksPage(client, { ...query, status }, 1, 1)),
  );
  return totals.reduce((sum, p) => sum + Math.ceil(p.total_count / MAX_PAGE_SIZE), 0);
}

/**
 * Starts fetching a stream now (its first page travels while other requests are made), yielding it later: the
 * first item asked for is the one already on its way, then the stream's own (no generator in between, which
 * would cost every task of a long walk a promise and a step more).
 */
export function prefetched<T>(
  stream: AsyncGenerator<T>,
): AsyncIterableIterator<T> & { started: Promise<void> } {
  let first: Promise<IteratorResult<T>> | undefined = stream.next();
  const started = first.then(
    () => undefined,
    () => undefined, // said by the first next(); this only waits for it
  );
  return {
    /** Settles once the first item (or the error) is in: a listing's total is known then. */
    started,
    next() {
      const head = first;
      first = undefined;
      return head ?? stream.next();
    },
    async return(value?: unknown) {
      first = undefined;
      return stream.return(value as T);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
