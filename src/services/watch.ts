import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { InterruptedError, UsageError, type Signal } from '../errors.js';
import type { OnInterrupt } from './jobs/stop.js';
import type { Task } from '../api/types.js';
import type { Filters } from '../input/filters.js';
import { isoTime } from '../basics/time.js';
import { listTasks } from './listing.js';

/**
 * Watching for new tasks: the listing is asked again every interval for tasks created since the newest one
 * seen, and each new task is handed over once. Network loss, 5xx and 429 are ridden out (said once, and
 * said again when the API answers); Ctrl-C ends it quietly.
 */

export interface WatchOptions {
  filters: Filters;
  intervalMs: number;
  /** Stop after this many new tasks. */
  count?: number;
  /** Called for each new task, in order, once. */
  onTask: (task: Task) => Promise<void>;
  /** Contact with the API lost (said once until it is back), and back. */
  onContact: (event: { lost: unknown } | { back: true }) => void;
}

export interface WatchDeps {
  client: ApiClient;
  sleep: (ms: number) => Promise<void>;
  onInterrupt: OnInterrupt;
}

/** Tasks of the same second as the newest one seen are asked for again (the API's bound is strict). */
const OVERLAP_MS = 1000;

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
  const listing = (createdAfter: string | undefined) =>
    listTasks(client, {
      statuses: o.filters.statuses,
      query: {
        ...o.filters.query,
        sortBy: 'created_at',
        sortOrder: 'asc',
        ...(laterOf(o.filters.query.createdAfter, createdAfter) && {
          createdAfter: laterOf(o.filters.query.createdAfter, createdAfter)!,
        }),
      },
      limit: undefined,
      concurrency: 2,
      unassigned: o.filters.unassigned,
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
    // What exists now is not new: start from the newest matching task, and its second's neighbours. An
    // outage then is ridden out as any later one.
    let since: number | undefined;
    const seen = new Map<string, number>();
    for (;;) {
      const baseline = await ask(async () => {
        const newest = await newestCreated(client, o);
        const around = new Map<string, number>();
        if (newest !== undefined)
          for await (const task of listing(isoTime(newest - OVERLAP_MS)))
            around.set(task.id, Date.parse(task.created_at));
        return { newest, around };
      });
      if (baseline) {
        since = baseline.value.newest;
        for (const [id, created] of baseline.value.around) seen.set(id, created);
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
        for await (const task of listing(since === undefined ? undefined : isoTime(since - OVERLAP_MS)))
          fresh.push(task);
        return fresh;
      });
      if (!polled) continue;
      for (const task of polled.value) {
        if (seen.has(task.id)) continue;
        const created = Date.parse(task.created_at);
        seen.set(task.id, created);
        since = since === undefined ? created : Math.max(since, created);
        await o.onTask(task);
        if (o.count !== undefined && ++handed >= o.count) return;
      }
      // Only what can still come back (the overlap) is remembered: memory stays flat however long it runs.
      if (since !== undefined)
        for (const [id, created] of seen) if (created < since - OVERLAP_MS) seen.delete(id);
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

function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
