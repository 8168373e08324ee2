import type { Context } from '../context.js';
import { whoFrom } from '../domain/task.js';
import { plural } from '../basics/text.js';
import { makeChalk } from '../output/color.js';
import { describeError } from '../output/errors.js';
import { printDryRun, printOutcomes, printPreview } from '../output/outcomes.js';
import { taskLabel } from '../output/tasks.js';
import { moveRun, preview, readRun, runMoveFailure } from '../services/reassign.js';
import { confirm } from './confirm.js';

/** `reassign <id> --scope sequence`: every open task of the task's run to one person, previewed and confirmed. */
export async function reassignRun(
  ctx: Context,
  o: { id: string; to: string; toLabel: string; yes: boolean; dryRun: boolean },
): Promise<void> {
  const { terminal, output } = ctx;
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const c = makeChalk(terminal.stderrColor);
  const view = await readRun(client, o.id);
  const { task, before } = view;
  const items = before.map((t) => preview(t, o.to, who));
  if (o.dryRun) await printDryRun(output, items, who, output.chalk());
  else {
    terminal.err(`Open tasks of sequence run ${task.sequence_id}:`);
    printPreview(output, items, who, c);
  }
  const owner = task.assignee_user_id;
  const others = before.filter((t) => t.assignee_user_id !== owner);
  if (others.length > 0) {
    const names = [...new Set(others.map((t) => who(t.assignee_user_id)))].join(', ');
    terminal.err(
      `Note: ${others.length} of these belong to someone other than ${who(owner)} (${names}); they move too.`,
    );
  }
  if (o.dryRun) return;
  if (!items.some((i) => i.result === 'would_change')) {
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
  // The person confirmed what the preview showed: the run must still hold exactly that.
  const moved = await moveRun(client, view, { to: o.to, toLabel: o.toLabel, recheck: !o.yes, who });
  for (const out of moved.outcomes) {
    if (out.result === 'changed' && terminal.stderrIsTTY)
      terminal.err(`${c.green('✓')} reassigned ${taskLabel(out.task!)} to ${who(o.to)}`);
    if (out.result === 'failed')
      terminal.err(`${c.red('✗')} ${taskLabel(out.task!)} did not move: ${out.error!.message}`);
  }
  if (moved.newcomers.length > 0)
    terminal.err(
      `Note: ${plural(moved.newcomers.length, 'open task')} appeared in the run meanwhile and were not part of this move.`,
    );
  await printOutcomes(output, moved.outcomes);
  const n = (r: string) => moved.outcomes.filter((x) => x.result === r).length;
  terminal.err(`${n('changed')} moved, ${n('unchanged')} unchanged, ${n('failed')} failed.`);
  const failure = runMoveFailure(moved, task.sequence_id, describeError);
  if (failure) throw failure;
}
