import { isoSeconds } from '../../basics/time.js';
import type { ApiClient } from '../../api/client.js';
import { getTask } from '../../api/tasks.js';
import type { Task } from '../../api/types.js';
import { ApiError } from '../../api/errors.js';
import { TopoError } from '../../errors.js';
import { isAuthFailure, runPool } from '../bulk.js';
import type { Job } from './store.js';
import type { MoveRecord } from '../../domain/job.js';
import { collectOpenTasks, openListingCost } from '../listing.js';
import type { JobSoFar } from '../../domain/plan.js';

/**
 * Where a job stands before a run of it: what earlier runs did, checked with the API where a stop left a call
 * without an answer. What the plan of a resumed job starts from.
 */

/** An earlier run's standing with each task, its unanswered calls checked with the API, and its shares. */
export interface SoFar extends JobSoFar {
  standing: Map<string, MoveRecord>;
  /** Calls journaled as started and found landed: to journal as moved. */
  reconciled: MoveRecord[];
}

/**
 * What the job did before this run: its standing with each task, after the calls a stop left without an
 * answer are looked up (those the API shows done count as moved); then what each successor was given and
 * which runs are begun (their rest goes to the same successor).
 */
export async function jobSoFar(
  client: ApiClient,
  job: Job | undefined,
  now: () => number,
  concurrency: number,
): Promise<SoFar> {
  const standing = job?.standing() ?? new Map<string, MoveRecord>();
  const unanswered = [...standing.values()].filter((r) => r.result === 'started');
  // Calls of an undo or a give-back a stop left without an answer, of tasks the job still counts as its own:
  // one that landed put the task back, and the cap and the shares no longer count it.
  const back = job ? unansweredBack(job).filter((r) => standing.get(r.task_id)?.result === 'moved') : [];
  const reconciled: MoveRecord[] = [];
  if (unanswered.length + back.length > 0) {
    const current = await currentTasks(client, [...unanswered, ...back], concurrency);
    const found = (r: MoveRecord): MoveRecord => ({
      ...r,
      result: 'moved',
      time: isoSeconds(now()),
      reconciled: true,
    });
    for (const r of unanswered) {
      if (current.get(r.task_id)?.assignee_user_id !== r.to) continue;
      const landed = found(r);
      standing.set(r.task_id, landed);
      reconciled.push(landed);
    }
    for (const r of back) {
      if (current.get(r.task_id)?.assignee_user_id !== r.to) continue;
      standing.delete(r.task_id);
      reconciled.push(found(r));
    }
  }
  return { standing, reconciled, ...sharesOf(standing) };
}

/** The calls of an undo or a give-back left without an answer: the last record of a task, after its last move. */
function unansweredBack(job: Job): MoveRecord[] {
  const last = new Map<string, MoveRecord>();
  for (const r of job.moves()) last.set(r.task_id, r);
  return [...last.values()].filter((r) => r.phase !== 'move' && r.result === 'started');
}

/**
 * What each successor was given by a job's moves as they stand, and which runs are begun (their rest goes to
 * the same successor).
 */
export function sharesOf(standing: ReadonlyMap<string, MoveRecord>): JobSoFar {
  const given = new Map<string, number>();
  // A run goes where what the job moved of it went (or may have: a call still unanswered); where an older
  // version split it, where most of it went.
  const votes = new Map<string, Map<string, number>>();
  for (const r of standing.values()) {
    if (r.result === 'moved') given.set(r.to, (given.get(r.to) ?? 0) + 1);
    // A failed call was read back (or refused): nothing of it landed, so it binds nobody.
    if (r.result === 'failed') continue;
    const forRun = votes.get(r.sequence_id) ?? new Map<string, number>();
    forRun.set(r.to, (forRun.get(r.to) ?? 0) + (r.result === 'moved' ? 1000 : 1));
    votes.set(r.sequence_id, forRun);
  }
  const pinned = new Map(
    [...votes].map(([run, forRun]) => [run, [...forRun].sort((a, b) => b[1] - a[1])[0]![0]]),
  );
  return { given, pinned };
}

/**
 * The moved tasks as they are now: by listing whoever got them where that takes fewer requests. A task gone
 * (404) is not found; any other failure stops here with where the job left its tasks unknown: nothing goes on
 * from a guess (a call taken as never landed would be sent again, or past the cap).
 */
export async function currentTasks(
  client: ApiClient,
  moved: MoveRecord[],
  concurrency: number,
): Promise<Map<string, Task>> {
  const current = new Map<string, Task>();
  try {
    for (const to of new Set(moved.map((r) => r.to))) {
      const ids = moved.filter((r) => r.to === to).map((r) => r.task_id);
      let toRead = ids;
      if ((await openListingCost(client, { assigneeUserId: to })) <= ids.length) {
        const wanted = new Set(ids);
        for (const t of await collectOpenTasks(client, { assigneeUserId: to }, concurrency))
          if (wanted.has(t.id)) current.set(t.id, t);
        toRead = ids.filter((id) => !current.has(id));
      }
      await runPool(toRead, concurrency, async (id) => {
        try {
          current.set(id, await getTask(client, id));
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 404)) throw error;
        }
      });
    }
  } catch (error) {
    if (error instanceof TopoError && !isAuthFailure(error))
      error.message = `could not see where the job left its tasks: ${error.message.split('\n')[0]}; nothing was changed, run the same command again`;
    throw error;
  }
  return current;
}
