import { ApiError } from '../api/errors.js';
import { EXIT, TopoError } from '../errors.js';
import { getTask, reassignTask } from '../api/tasks.js';
import type { Task } from '../api/types.js';
import type { Context } from '../context.js';
import { makeChalk } from '../output/color.js';
import { describeError } from '../output/errors.js';
import { plural } from '../domain/text.js';
import { printDryRun, printOutcomes, printPreview } from '../output/outcomes.js';
import { type ItemOutcome, type PreviewItem } from '../domain/outcome.js';
import { taskLabel } from '../output/tasks.js';
import { whoFrom, type Who } from '../domain/task.js';
import { confirm } from './bulk.js';
import type { TransitionSpec } from './transition.js';
import { collectOpenTasks } from './listing.js';

/** Reassigning one task, or every open task of its sequence run. */

export interface ReassignOptions {
  id: string;
  to: string;
  /** The name the person gave for the new assignee, for messages. */
  toLabel: string;
  yes: boolean;
  dryRun: boolean;
}

function preview(task: Task, to: string, who: Who): PreviewItem {
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

/** Every open task of a task's sequence run to one person, after a preview and a confirmation. */
export async function runSequenceReassign(ctx: Context, o: ReassignOptions): Promise<void> {
  const { terminal, output } = ctx;
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const c = makeChalk(terminal.stderrColor);
  const task = await getTask(client, o.id);
  // scope sequence: preview the run's open tasks, confirm, move, then list again to report what moved.
  const runTasks = () => collectOpenTasks(client, { sequenceId: task.sequence_id }, 4);
  const listed = await runTasks();
  const before = listed.some((t) => t.id === task.id) ? [...listed] : [task, ...listed];
  const items = before.map((t) => preview(t, o.to, who));
  const owner = task.assignee_user_id;
  const others = before.filter((t) => t.assignee_user_id !== owner);
  if (o.dryRun) {
    await printDryRun(output, items, who, output.chalk());
  } else {
    terminal.err(`Open tasks of sequence run ${task.sequence_id}:`);
    printPreview(output, items, who, c);
  }
  if (others.length > 0) {
    const names = [...new Set(others.map((t) => who(t.assignee_user_id)))].join(', ');
    terminal.err(
      `Note: ${others.length} of these belong to someone other than ${who(owner)} (${names}); they move too.`,
    );
  }
  const moving = items.filter((i) => i.result === 'would_change');
  if (o.dryRun) return;
  if (moving.length === 0) {
    terminal.err(
      `All ${before.length} open tasks of the run are already assigned to ${who(o.to)}: nothing to do.`,
    );
    await printOutcomes(
      output,
      before.map((t) => ({ id: t.id, result: 'unchanged', task: t, error: null })),
    );
    return;
  }
  await confirm(
    terminal,
    o,
    `Reassign these ${before.length} open tasks of sequence run ${task.sequence_id} to ${who(o.to)}?`,
  );
  if (!o.yes) {
    // The person confirmed what the preview showed: the run must still hold exactly that.
    const now = await runTasks();
    const same =
      now.length === listed.length &&
      now.every((t) => listed.some((b) => b.id === t.id && b.assignee_user_id === t.assignee_user_id));
    if (!same) {
      throw new TopoError(
        `the open tasks of sequence run ${task.sequence_id} changed since the preview; nothing was moved. Run the command again to see them`,
        EXIT.state,
      );
    }
  }
  await reassignTask(client, task.id, o.to, 'SEQUENCE').catch((error: unknown) => {
    throw explainReassignError(error, o.toLabel);
  });
  let after: Map<string, Task> | undefined;
  let checkError: unknown;
  try {
    after = new Map((await runTasks()).map((t) => [t.id, t]));
  } catch (error) {
    checkError = error;
  }
  const outcomes: ItemOutcome[] = before.map((t) => {
    if (t.assignee_user_id === o.to) return { id: t.id, result: 'unchanged', task: t, error: null };
    // Without the check, the call's success is all that is known: the API moves every open task of the run.
    if (!after) return { id: t.id, result: 'changed', task: { ...t, assignee_user_id: o.to }, error: null };
    const now = t.id === task.id && !after.has(t.id) ? { ...t, assignee_user_id: o.to } : after.get(t.id);
    if (now?.assignee_user_id === o.to) return { id: t.id, result: 'changed', task: now, error: null };
    const why = now ? `still assigned to ${who(now.assignee_user_id)}` : 'no longer open';
    return {
      id: t.id,
      result: now ? 'failed' : 'unchanged',
      task: now ?? t,
      error: now ? { status: null, type: null, message: why, request_id: null } : null,
    };
  });
  for (const out of outcomes) {
    if (out.result === 'changed' && terminal.stderrIsTTY)
      terminal.err(`${c.green('✓')} reassigned ${taskLabel(out.task!)} to ${who(o.to)}`);
    if (out.result === 'failed')
      terminal.err(`${c.red('✗')} ${taskLabel(out.task!)} did not move: ${out.error!.message}`);
  }
  const newcomers = after ? [...after.values()].filter((t) => !before.some((b) => b.id === t.id)) : [];
  if (newcomers.length > 0)
    terminal.err(
      `Note: ${plural(newcomers.length, 'open task')} appeared in the run meanwhile and were not part of this move.`,
    );
  await printOutcomes(output, outcomes);
  const moved = outcomes.filter((x) => x.result === 'changed').length;
  const failed = outcomes.filter((x) => x.result === 'failed').length;
  terminal.err(`${moved} moved, ${outcomes.length - moved - failed} unchanged, ${failed} failed.`);
  if (checkError) {
    throw new TopoError(
      `the run was moved, but listing it again to check failed (${describeError(checkError)}); check with 'topo tasks list --sequence ${task.sequence_id}'`,
      EXIT.partial,
    );
  }
  if (failed > 0)
    throw new TopoError(`${failed} task(s) of the run did not move`, moved > 0 ? EXIT.partial : EXIT.failure);
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
