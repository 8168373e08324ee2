import type { ApiClient } from '../../api/client.js';
import { getTask } from '../../api/tasks.js';
import type { Task } from '../../api/types.js';
import type { JobMove, JobSpec, MoveRecord, TaskFate } from '../../domain/job.js';
import { isOpen, type Who } from '../../domain/task.js';
import { isoSeconds } from '../../basics/time.js';
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
  /** Calls of an earlier undo or return left without an answer that the API shows landed. */
  reconciled: MoveRecord[];
}

export async function planUndo(
  d: { client: ApiClient; who: Who; now: () => number },
  o: { job: Job; phase: 'undo' | 'return'; dryRun: boolean; concurrency: number },
): Promise<UndoPlan> {
  const { client, who } = d;
  const { job } = o;
  if (!o.dryRun) await preflight(client);
  const calls = [...job.outcomes('move').values()].filter((r) => r.result !== 'failed');
  // What each moved task is now: one request per task, or by listing whoever got them when cheaper.
  const current = await currentTasks(client, calls, o.concurrency);
  const landed = (r: MoveRecord) =>
    r.result === 'started' && current.get(r.task_id)?.assignee_user_id === r.to;
  // A call of the job's moves a kill left without an answer: moved if the API shows it landed (journaled so,
  // as a resumed job would, so that --jobs counts it); never moved otherwise, and nothing to undo.
  const moved = calls.filter((r) => r.result === 'moved' || landed(r));
  const found = (r: MoveRecord): MoveRecord => ({
    ...r,
    result: 'moved',
    time: isoSeconds(d.now()),
    reconciled: true,
  });
  // Calls of an earlier undo or return that a kill left without an answer: those the API shows landed (the
  // task is back with whom it came from) are journaled as moved, as a resumed job's moves are.
  const reconciled = [
    ...calls.filter(landed).map(found),
    ...[...backOutcomes(job).values()].filter(landed).map(found),
  ];
  const { back, leftAlone, earlier } = sortOut(
    job,
    moved,
    current,
    reconciled.filter((r) => r.phase !== 'move'),
    who,
  );
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
    earlier,
    reconciled,
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
  return { work, job, back, leftAlone, moved, reconciled };
}

/** The last record of each task an undo or a return dealt with ('started' last: a call left unanswered). */
function backOutcomes(job: Job): Map<string, MoveRecord> {
  return new Map(
    job
      .moves()
      .filter((r) => r.phase !== 'move')
      .map((r) => [r.task_id, r]),
  );
}

/**
 * Which of the moved tasks go back, which are back already (an earlier undo or return moved them: counted
 * with this run's, as a resumed job's moves are), and which stay where they are now (and why).
 */
function sortOut(
  job: Job,
  moved: MoveRecord[],
  current: Map<string, Task>,
  reconciled: MoveRecord[],
  who: Who,
): Pick<UndoPlan, 'back' | 'leftAlone'> & { earlier: MoveRecord[] } {
  const restored = backOutcomes(job);
  for (const r of reconciled) restored.set(r.task_id, r);
  // Where in the journal each record is (one found landed only now comes last).
  const at = (r: MoveRecord) => {
    const i = job.lines.indexOf(r);
    return i < 0 ? Infinity : i;
  };
  const back: UndoPlan['back'] = [];
  const leftAlone: UndoPlan['leftAlone'] = [];
  const earlier: MoveRecord[] = [];
  for (const r of moved) {
    const t = current.get(r.task_id);
    const done = restored.get(r.task_id);
    // Moved back after the job moved it (a later move of the task makes it the job's to undo again).
    if (done?.result === 'moved' && at(done) > at(r)) {
      earlier.push(done);
      continue;
    }
    const reason = whyLeftAlone(r, t, who);
    if (reason) leftAlone.push({ task_id: r.task_id, reason });
    else back.push({ record: r, task: t! });
  }
  return { back, leftAlone, earlier };
}

/** Why a task the job moved stays where it is now; undefined when it goes back. */
function whyLeftAlone(r: MoveRecord, t: Task | undefined, who: Who): string | undefined {
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
