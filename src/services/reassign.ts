import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { EXIT, PartialFailureError, TopoError } from '../errors.js';
import { getTask, reassignTask } from '../api/tasks.js';
import type { Task } from '../api/types.js';
import { type ItemOutcome, type PreviewItem } from '../domain/outcome.js';
import type { Who } from '../domain/task.js';
import type { TransitionSpec } from './transition.js';
import { collectOpenTasks } from './listing.js';

/** Reassigning one task, or every open task of its sequence run. */

export function preview(task: Task, to: string, who: Who): PreviewItem {
  const already = task.assignee_user_id === to;
  return {
    id: task.id,
    result: already ? 'unchanged' : 'would_change',
    task,
    error: null,
    target: to,
    why: already ? `already with ${who(to)}` : `would move to ${who(to)}`,
  };
}

/** Moving tasks one by one to someone: the course of skip and reopen, with the assignee as the state. */
export function reassignChange(to: string, toLabel: string, who: Who): TransitionSpec {
  return {
    verb: 'reassign',
    past: 'reassigned',
    target: to,
    detail: ` to ${who(to)}`,
    state: (t) => (t.assignee_user_id === to ? 'done' : 'possible'),
    why: (t, state) => (state === 'done' ? `already with ${who(to)}` : `would move to ${who(to)}`),
    send: (client, id) =>
      reassignTask(client, id, to, 'TASK').catch((error: unknown) => {
        throw explainReassignError(error, toLabel);
      }),
    // A 422 on reassign says the new assignee is not in the workspace: the same for every task.
    stopsAll: (error) => error instanceof ApiError && error.status === 422,
  };
}

/** A task's sequence run as it is now: the task, and every open task of its run (the task first if closed). */
export interface RunView {
  task: Task;
  /** The run's open tasks as listed. */
  listed: Task[];
  /** What the move would touch: the listed tasks, and the task itself when it is not open. */
  before: Task[];
}

const runTasks = (client: ApiClient, sequenceId: string) => collectOpenTasks(client, { sequenceId }, 4);

export async function readRun(client: ApiClient, id: string): Promise<RunView> {
  const task = await getTask(client, id);
  const listed = await runTasks(client, task.sequence_id);
  const before = listed.some((t) => t.id === task.id) ? [...listed] : [task, ...listed];
  return { task, listed, before };
}

export interface RunMoved {
  outcomes: ItemOutcome[];
  /** Open tasks that appeared in the run meanwhile (not part of the move). */
  newcomers: Task[];
  /** Why listing the run again to check failed, if it did: what moved is then what the call says. */
  checkError: unknown;
}

/**
 * Every open task of the run to `to` in one SEQUENCE call. With `recheck` (the person confirmed a preview),
 * the run must still hold exactly what was shown. Afterwards the run is listed again to say what moved.
 */
export async function moveRun(
  client: ApiClient,
  view: RunView,
  o: { to: string; toLabel: string; recheck: boolean; who: Who },
): Promise<RunMoved> {
  const { task, listed, before } = view;
  if (o.recheck) {
    const now = await runTasks(client, task.sequence_id);
    const same =
      now.length === listed.length &&
      now.every((t) => listed.some((b) => b.id === t.id && b.assignee_user_id === t.assignee_user_id));
    if (!same)
      throw new TopoError(
        `the open tasks of sequence run ${task.sequence_id} changed since the preview; nothing was moved. Run the command again to see them`,
        EXIT.state,
      );
  }
  await reassignTask(client, task.id, o.to, 'SEQUENCE').catch((error: unknown) => {
    throw explainReassignError(error, o.toLabel);
  });
  let after: Map<string, Task> | undefined;
  let checkError: unknown;
  try {
    after = new Map((await runTasks(client, task.sequence_id)).map((t) => [t.id, t]));
  } catch (error) {
    checkError = error;
  }
  const outcomes = before.map((t) => outcomeOf(t, task.id, after, o.to, o.who));
  const newcomers = after ? [...after.values()].filter((t) => !before.some((b) => b.id === t.id)) : [];
  return { outcomes, newcomers, checkError };
}

function outcomeOf(
  t: Task,
  taskId: string,
  after: Map<string, Task> | undefined,
  to: string,
  who: Who,
): ItemOutcome {
  if (t.assignee_user_id === to) return { id: t.id, result: 'unchanged', task: t, error: null };
  // Without the check, the call's success is all that is known: the API moves every open task of the run.
  if (!after) return { id: t.id, result: 'changed', task: { ...t, assignee_user_id: to }, error: null };
  const now = t.id === taskId && !after.has(t.id) ? { ...t, assignee_user_id: to } : after.get(t.id);
  if (now?.assignee_user_id === to) return { id: t.id, result: 'changed', task: now, error: null };
  const why = now ? `still assigned to ${who(now.assignee_user_id)}` : 'no longer open';
  return {
    id: t.id,
    result: now ? 'failed' : 'unchanged',
    task: now ?? t,
    error: now ? { status: null, type: null, message: why, request_id: null } : null,
  };
}

/** The error a run's move ends with: a check that failed (the move was made), or tasks that did not move. */
export function runMoveFailure(
  r: RunMoved,
  sequenceId: string,
  describe: (error: unknown) => string,
): Error | undefined {
  const moved = r.outcomes.filter((x) => x.result === 'changed').length;
  const failed = r.outcomes.filter((x) => x.result === 'failed').length;
  if (r.checkError)
    return new PartialFailureError(
      `the run was moved, but listing it again to check failed (${describe(r.checkError)}); check with 'topo tasks list --sequence ${sequenceId}'`,
    );
  if (failed > 0) {
    const message = `${failed} task(s) of the run did not move`;
    return moved > 0 ? new PartialFailureError(message) : new TopoError(message);
  }
  return undefined;
}

/** A 422 on reassign most often means the user is not in the workspace: say so plainly. */
export function explainReassignError(error: unknown, toLabel: string): unknown {
  if (error instanceof ApiError && error.status === 422) {
    return new ApiError(
      `cannot assign to '${toLabel}': ${error.message}`,
      error.status,
      error.type,
      error.requestId,
      error.body,
    );
  }
  return error;
}
