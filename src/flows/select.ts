import { BULK_CONCURRENCY } from '../input/choices.js';
import { UsageError } from '../errors.js';
import type { Task } from '../api/types.js';
import type { Context } from '../context.js';
import type { Choice } from '../prompt.js';
import { isUuid } from '../basics/ids.js';
import { enumLabel, relativeTime, shortId, typeLabel } from '../output/format.js';
import { safeText } from '../basics/text.js';
import { truncate } from '../output/width.js';
import { contactLabel } from '../output/tasks.js';
import { whoFrom, type TaskRow } from '../domain/task.js';
import { reassignChange } from '../services/reassign.js';
import { reopenChange, skipChange } from '../services/transition.js';
import { runTransition } from './transition.js';

/**
 * Picking tasks from a list and acting on the ticked ones: skip, reopen or reassign, through the same bulk
 * course as the commands (preview, confirmation, per-task results, exit codes).
 */

type Act = 'skip' | 'reopen' | 'reassign' | 'nothing';

export async function pickAndAct(ctx: Context, rows: readonly TaskRow[]): Promise<void> {
  const { terminal } = ctx;
  if (rows.length === 0) {
    terminal.err('No tasks match: nothing to pick.');
    return;
  }
  const names = await ctx.people.names();
  const who = whoFrom(names);
  const now = ctx.now();
  const width = Math.max(30, terminal.columns - 4);
  // The short ID first: what tells two lines apart stays whole when a narrow terminal cuts the line's end.
  const line = (r: TaskRow) =>
    truncate(
      [
        shortId(r.task.id),
        typeLabel(r.task.type),
        safeText(r.task.priority),
        enumLabel(r.task.status),
        who(r.task.assignee_user_id),
        contactLabel(r.related) || safeText(shortId(r.task.sequence_id)),
        relativeTime(r.task.created_at, now),
      ]
        .filter(Boolean)
        .join(' · '),
      width,
    );
  const prompter = await terminal.prompter();
  const ids = await prompter.tick(
    'Tick the tasks to act on',
    rows.map((r) => ({ name: line(r), value: r.task.id, short: shortId(r.task.id) })),
  );
  // Only what the state of every ticked task allows: an action refused for one of them, or that would change
  // nothing for one of them (reopen of a pending task, skip of a skipped one), is not offered.
  const ticked = rows.filter((r) => ids.includes(r.task.id)).map((r) => r.task);
  const allows = (spec: { state: (t: Task) => string }) =>
    ticked.length > 0 && ticked.every((t) => spec.state(t) === 'possible');
  const offered: Choice<Act>[] = [
    { key: 's', name: 'skip', value: 'skip' },
    { key: 'o', name: 'reopen', value: 'reopen' },
    { key: 'r', name: 'reassign to someone', value: 'reassign' },
    { key: 'q', name: 'nothing', value: 'nothing' },
  ];
  const allowed = {
    skip: allows(skipChange()),
    reopen: allows(reopenChange()),
    reassign: true,
    nothing: true,
  };
  const act = await prompter.choose<Act>(
    `Do what with ${ids.length === 1 ? 'it' : `these ${ids.length}`}?`,
    offered.filter((c) => allowed[c.value]),
  );
  const options = { yes: false, dryRun: false, concurrency: BULK_CONCURRENCY.default };
  if (act === 'nothing') {
    terminal.err('Nothing was changed.');
    return;
  }
  if (act === 'skip') return runTransition(ctx, skipChange(), ids, options);
  if (act === 'reopen') return runTransition(ctx, reopenChange(), ids, options);
  const aliases = await ctx.people.aliases();
  const picked = await prompter.search(
    'Reassign to (an alias, or a user UUID):',
    Object.entries(aliases).map(([name, id]) => ({ name, value: name, description: id })),
    isUuid,
  );
  if (!picked) throw new UsageError('nobody to reassign to');
  const to = await ctx.people.resolve(picked, 'reassign to');
  await runTransition(ctx, reassignChange(to, picked, who), ids, options);
}
