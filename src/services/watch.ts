import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { InterruptedError, UsageError, type Signal } from '../errors.js';
import type { OnInterrupt } from './jobs/stop.js';
import type { Task } from '../api/types.js';
import type { Filters } from '../input/filters.js';
import { isoTime } from '../basics/time.js';
import { listTasks } from './listing.js';

/**
 * Watching for tasks that newly match the filters: created since the start, or moved into them — reassigned to
 * the person watched, reopened, given the priority watched. The API has no history of a task, so what matches
 * at the start is remembered (up to REMEMBERED_MAX tasks; past that, only tasks created after the start are
 * new), and every interval the tasks updated since the newest update seen are read, newest first, down to that
 * bound; each one not remembered is handed over once, and remembered. Network loss, 5xx and 429 are ridden out
 * (said once, and said again when the API answers); Ctrl-C ends it quietly.
 */

export interface WatchOptions {
  filters: Filters;
  intervalMs: number;
  /** Stop after this many new tasks. */
  count?: number;
  /** Called for each new task, in order, once. */
  onTask: (task: Task) => Promise<void>;
  /** More tasks match at the start than are remembered: only tasks created from then on will be new. */
  onTooMany?: (remembered: number) => void;
  /** Contact with the API lost (said once until it is back), and back. */
  onContact: (event: { lost: unknown } | { back: true }) => void;
}

export interface WatchDeps {
  client: ApiClient;
  sleep: (ms: number) => Promise<void>;
  onInterrupt: OnInterrupt;
}

/** Tasks of the same second as the newest update seen are read again (the bound is strict, to the second). */
const OVERLAP_MS = 1000;

/**
 * The most tasks matching at the start that are remembered: a person's queue fits. A larger set (a whole
 * workspace) would cost its walk at every start; then only tasks created after the start are new.
 */
export const REMEMBERED_MAX = 2_000;

export async function watch(d: WatchDeps, o: WatchOptions): Promise<void> {
  const { client } = d;
  let signal: Signal | undefined;
  let wake: () => void = () => undefined;
  const dispose = d.onInterrupt((s) => {
    signal = s;
    wake();
  });
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      void d.sleep(ms).then(resolve);
    });
  /** The matching tasks, newest update first: all of them, or those updated after a time. */
  const listing = (updatedAfter: number | undefined, limit?: number) =>
    listTasks(client, {
      statuses: o.filters.statuses,
      query: { ...o.filters.query, sortBy: 'updated_at', sortOrder: 'desc' },
      limit,
      concurrency: 2,
      unassigned: o.filters.unassigned,
      ...(updatedAfter !== undefined && { updatedAfter: isoTime(updatedAfter) }),
    });
  let lost: unknown;
  /** One ask of the API: an outage (network, 5xx, 429 after the client's retries) is said once, and ridden out. */
  const ask = async <T>(work: () => Promise<T>): Promise<{ value: T } | undefined> => {
    try {
      const value = await work();
      if (lost !== undefined) {
        o.onContact({ back: true });
        lost = undefined;
      }
      return { value };
    } catch (error) {
      if (isFatal(error)) throw error;
      if (lost === undefined) o.onContact({ lost: error });
      lost = error;
      return undefined;
    }
  };
  try {
    // What matches now is not new: it is remembered (an outage then is ridden out as any later one).
    const present = new Set<string>();
    /** The newest update seen (the API's clock). */
    let since: number | undefined;
    /** When more match than are remembered: only tasks created from then on are new. */
    let createdFrom: number | undefined;
    for (;;) {
      const baseline = await ask(async () => {
        const ids: string[] = [];
        let newest: number | undefined;
        for await (const task of listing(undefined, REMEMBERED_MAX + 1)) {
          ids.push(task.id);
          newest = Math.max(newest ?? 0, Date.parse(task.updated_at));
        }
        const created = ids.length > REMEMBERED_MAX ? await newestCreated(client, o) : undefined;
        return { ids, newest, created };
      });
      if (baseline) {
        for (const id of baseline.value.ids) present.add(id);
        since = baseline.value.newest;
        createdFrom = baseline.value.created;
        if (baseline.value.ids.length > REMEMBERED_MAX) o.onTooMany?.(REMEMBERED_MAX);
        break;
      }
      await pause(o.intervalMs);
      if (signal) throw new InterruptedError('', signal);
    }
    let handed = 0;
    while (!signal) {
      await pause(o.intervalMs);
      if (signal) break;
      const polled = await ask(async () => {
        const fresh: Task[] = [];
        for await (const task of listing(since === undefined ? undefined : since - OVERLAP_MS))
          fresh.push(task);
        // Handed over in the order they changed.
        return fresh.reverse();
      });
      if (!polled) continue;
      for (const task of polled.value) {
        const updated = Date.parse(task.updated_at);
        since = since === undefined ? updated : Math.max(since, updated);
        if (present.has(task.id)) continue;
        if (createdFrom !== undefined && Date.parse(task.created_at) < createdFrom) continue;
        present.add(task.id);
        await o.onTask(task);
        if (o.count !== undefined && ++handed >= o.count) return;
      }
    }
    throw new InterruptedError('', signal);
  } finally {
    dispose();
  }
}

async function newestCreated(client: ApiClient, o: WatchOptions): Promise<number | undefined> {
  const newest = listTasks(client, {
    statuses: o.filters.statuses,
    query: { ...o.filters.query, sortBy: 'created_at', sortOrder: 'desc' },
    limit: 1,
    concurrency: 1,
    unassigned: o.filters.unassigned,
  });
  for await (const task of newest) return Date.parse(task.created_at);
  return undefined;
}

/** A refused key, a missing scope or a bad filter does not get better by waiting. */
function isFatal(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  return (
    error instanceof ApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429 &&
    error.status !== 408
  );
}
