import type { ApiClient } from '../../api/client.js';
import { getTask } from '../../api/tasks.js';
import type { Task } from '../../api/types.js';
import type { JobMove, JobSpec, MoveRecord, TaskFate } from '../../domain/job.js';
import { isOpen, type Who } from '../../domain/task.js';
import { runPool } from '../bulk.js';
import type { JobWork } from '../jobs/run.js';
import { preflight } from '../jobs/runs.js';
import { currentTasks } from '../jobs/state.js';
import type { Job } from '../jobs/store.js';

/**
 * Undoing a job, or giving back a temporary cover (a return): each task back to whom it came from, where it
 * is still open and still with whom the job gave it. Planned here; run by the common course (jobs/run.ts).
 */

export interface UndoPlan {
  work: JobWork;
  job: Job;
  /** The tasks going back, and the record of the move each undoes. */
  back: { record: MoveRecord; task: Task }[];
  /** Tasks the job moved that stay where they are now, and why. */
  leftAlone: { task_id: string; reason: string }[];
  /** Every task the job moved (failed calls aside). */
  moved: MoveRecord[];
}

export async function planUndo(
  d: { client: ApiClient; who: Who },
  o: { job: Job; phase: 'undo' | 'return'; dryRun: boolean; concurrency: number },
): Promise<UndoPlan> {
  const { client, who } = d;
  const { job } = o;
  if (!o.dryRun) await preflight(client);
  const moved = [...job.outcomes('move').values()].filter((r) => r.result !== 'failed');
  // What each moved task is now: one request per task, or by listing whoever got them when cheaper.
  const current = await currentTasks(client, moved, o.concurrency);
  const { back, leftAlone } = sortOut(job, moved, current, who);
  const fates = new Map<string, TaskFate>(
    back.map(({ record, task }) => [
      task.id,
      { task, from: record.to, to: record.from, result: 'not_started', reason: null },
    ]),
  );
  const work: JobWork = {
    kind: o.phase,
    phase: o.phase,
    spec: job.header ?? specOf(moved),
    plan: null,
    moves: movesBack(back),
    fates,
    earlier: [],
    reconciled: [],
    planned: back.length,
    skipped: leftAlone.map((l) => ({
      task: { id: l.task_id, sequence_id: '' } as Task,
      from: null,
      to: null,
      result: 'skipped',
      reason: l.reason,
    })),
    openJournal: (observer) => {
      job.prepareAppend((m) => observer.note(m));
      return job;
    },
    left: async () => {
      const still: string[] = [];
      await runPool(back, o.concurrency, async ({ record, task }) => {
        const t = await getTask(client, task.id).catch(() => undefined);
        if (t && isOpen(t) && t.assignee_user_id === record.to) still.push(t.id);
      });
      return still;
    },
    kept: [],
    blockedCheck: null,
  };
  return { work, job, back, leftAlone, moved };
}

/** Which of the moved tasks go back, and which stay where they are now (and why). */
function sortOut(
  job: Job,
  moved: MoveRecord[],
  current: Map<string, Task>,
  who: Who,
): Pick<UndoPlan, 'back' | 'leftAlone'> {
  const restored = new Map(
    [...job.outcomes('undo').values(), ...job.outcomes('return').values()]
      .filter((r) => r.result === 'moved')
      .map((r) => [r.task_id, r]),
  );
  const back: UndoPlan['back'] = [];
  const leftAlone: UndoPlan['leftAlone'] = [];
  for (const r of moved) {
    const t = current.get(r.task_id);
    const reason = whyLeftAlone(r, t, restored.get(r.task_id), who);
    if (reason) leftAlone.push({ task_id: r.task_id, reason });
    else back.push({ record: r, task: t! });
  }
  return { back, leftAlone };
}

/** Why a task the job moved stays where it is now; undefined when it goes back. */
function whyLeftAlone(
  r: MoveRecord,
  t: Task | undefined,
  restored: MoveRecord | undefined,
  who: Who,
): string | undefined {
  if (restored && t?.assignee_user_id === r.from)
    return `already back with ${who(r.from)} (by an earlier ${restored.phase})`;
  if (!t) return 'not found any more';
  if (!isOpen(t)) return `${String(t.status).toLowerCase()} since`;
  if (t.assignee_user_id !== r.to) return `now with ${who(t.assignee_user_id)}`;
  if (r.from_unknown) return 'taken along with its run by a whole-run call; who had it before is not known';
  if (!r.from) return 'was unassigned before; the API cannot unassign';
  return undefined;
}

/** Back by run: a run whose tasks all go back to one person, and hold nothing else, takes one call. */
function movesBack(back: UndoPlan['back']): JobMove[] {
  const groups = new Map<string, JobMove>();
  for (const { record, task } of back) {
    const key = `${task.sequence_id} ${record.to} ${record.from}`;
    const g = groups.get(key) ?? {
      sequence_id: task.sequence_id,
      task_ids: [],
      to: record.from,
      scope: 'SEQUENCE',
      reason: null,
      from: record.to,
    };
    g.task_ids.push(task.id);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ ...g, scope: g.task_ids.length > 1 ? 'SEQUENCE' : 'TASK' }));
}

/** A journal without its header (an older one): what can be said of the job from its moves. */
function specOf(moved: MoveRecord[]): JobSpec {
  return { api_url: '', profile: '', from: moved[0]?.to ?? '', to: [], cap: null, filters: {}, until: null };
}
