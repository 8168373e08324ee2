import { Option, type Command } from 'commander';
import { action, type App } from '../../app.js';
import { ApiError, TopoError, UsageError, EXIT } from '../../api/errors.js';
import { TASK_PRIORITIES, TASK_TYPES, type Task } from '../../api/types.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, addOutputFlags, helpDetails } from '../../help.js';
import { collect, parseChoice, parseEnumList, parsePositiveInt, parseUuid } from '../parse.js';
import { confirm, errorOf, printItemOutcomes, requireConfirmable, type ItemOutcome } from './bulk.js';
import { collectOpenTasks } from './list.js';

export const SCOPE_CHOICES = ['task', 'sequence'] as const;

interface ReassignFlags {
  to?: string;
  from?: string;
  undo?: string;
  type?: string[];
  priority?: string[];
  concurrency: string;
  scope?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export interface ReassignOptions {
  id: string;
  to: string;
  toLabel: string;
  scope: 'task' | 'sequence';
  yes: boolean;
  dryRun: boolean;
  json: boolean;
}

export function registerReassign(tasks: Command, app: App): void {
  const cmd = tasks
    .command('reassign [id]')
    .summary('move a task, a sequence run, or every open task of a rep, to someone else')
    .description(
      'Moves one task to another user. With --scope sequence, every open (pending or in progress) task of the ' +
        "task's sequence run moves too — whoever holds it — after a preview and a confirmation. With --from, every " +
        'open task of a user moves (offboarding), planned, confirmed, journaled and resumable; --undo reverses it.',
    )
    .option('--to <user>', 'the new assignee: a UUID, an alias, or me')
    .addOption(new Option('--scope <scope>', 'with a task ID: task (default) or sequence'))
    .option('--from <user>', 'move every open task of this user (offboarding); not with a task ID')
    .option('--undo <journal>', 'move the tasks recorded in a journal back where they were')
    .optionsGroup(FLAG_GROUPS.filters)
    .option('-t, --type <types>', 'with --from: only these types (comma-separated or repeated)', collect)
    .option(
      '-p, --priority <priorities>',
      'with --from: only these priorities (comma-separated or repeated)',
      collect,
    )
    .optionsGroup(FLAG_GROUPS.safety)
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show what would move, change nothing')
    .option('--concurrency <n>', 'with --from or --undo: calls at once', '4');
  addOutputFlags(cmd, false);
  helpDetails(cmd, {
    examples: [
      'topo tasks reassign 7f3e9c2a-… --to bob',
      'topo tasks reassign 7f3e9c2a-… --to bob --scope sequence --dry-run',
      'topo tasks reassign 7f3e9c2a-… --to 5d1c2e4a-… --scope sequence --yes',
      'topo tasks reassign --from alice --to bob --dry-run       # offboarding: the plan',
      'topo tasks reassign --from alice --to bob                 # asks you to type the task count',
      'topo tasks reassign --from alice --to bob -p hot --yes --json',
      'topo tasks reassign --undo ~/.local/state/topo/reassign-20261129T180102Z-k3j9.jsonl',
    ],
    notes: `Offboarding (--from):
  Finds every open task of --from (every page), groups them by sequence run, moves runs held wholly
  by --from with one SEQUENCE call and the rest task by task so nobody else's work moves, journals
  each move, then checks what is left. Ctrl-C stops after the calls in flight; re-running continues.
  --json prints {kind, from, to, journal, plan, calls, moved, failed, not_started, remaining, …}.

Results (one task or --scope sequence; --json prints an array of {id, result, task, error}):
  changed    the task moved to the new assignee
  unchanged  it was already assigned to them (not an error)
  failed     it should have moved but did not; the reason is shown`,
    jsonFields: ['id', 'result', 'task', 'error'],
  });
  cmd.action(
    action(app, async (ctx, id: string | undefined, flags: ReassignFlags) => {
      if (flags.undo !== undefined || flags.from !== undefined) {
        await runBulkReassign(ctx, id, flags);
        return;
      }
      const options = await parseReassignFlags(ctx, id, flags);
      await runReassign(ctx, options);
    }),
  );
}

async function runBulkReassign(ctx: Context, id: string | undefined, flags: ReassignFlags): Promise<void> {
  if (id !== undefined)
    throw new UsageError(
      `a task ID and ${flags.undo !== undefined ? '--undo' : '--from'} cannot be used together`,
    );
  if (flags.scope !== undefined)
    throw new UsageError('--scope goes with a task ID, not with --from or --undo');
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 16);
  const common = {
    dryRun: Boolean(flags.dryRun),
    yes: Boolean(flags.yes),
    concurrency,
    json: Boolean(flags.json),
  };
  const { runOffboard, runUndo } = await import('./offboard.js');
  if (flags.undo !== undefined) {
    if (flags.from !== undefined || flags.to !== undefined || flags.type || flags.priority) {
      throw new UsageError('--undo takes only the journal: the users and tasks come from it');
    }
    requireConfirmable(ctx, flags, 'undoing a reassignment');
    await runUndo(ctx, { journal: flags.undo, ...common });
    return;
  }
  if (!flags.to)
    throw new UsageError("--to is required: who should get the tasks (a UUID, an alias, or 'me')");
  const types = flags.type ? parseEnumList(flags.type, TASK_TYPES, '--type') : undefined;
  const priorities = flags.priority
    ? parseEnumList(flags.priority, TASK_PRIORITIES, '--priority')
    : undefined;
  const from = await ctx.resolveUser(flags.from!, '--from');
  const to = await ctx.resolveUser(flags.to, '--to');
  requireConfirmable(ctx, flags, 'moving every open task of a user');
  await runOffboard(ctx, { from, to, ...(types && { types }), ...(priorities && { priorities }), ...common });
}

export async function parseReassignFlags(
  ctx: Context,
  id: string | undefined,
  flags: ReassignFlags,
): Promise<ReassignOptions> {
  if (!id) throw new UsageError('give the task ID to reassign');
  const taskId = parseUuid(id, 'task id');
  if (!flags.to)
    throw new UsageError("--to is required: who should get the task (a UUID, an alias, or 'me')");
  if (flags.type || flags.priority) throw new UsageError('--type and --priority go with --from');
  const scope = parseChoice(flags.scope ?? 'task', SCOPE_CHOICES, '--scope');
  const to = await ctx.resolveUser(flags.to, '--to');
  if (scope === 'sequence') requireConfirmable(ctx, flags, 'reassigning a whole sequence run');
  return {
    id: taskId,
    to,
    toLabel: flags.to,
    scope,
    yes: Boolean(flags.yes),
    dryRun: Boolean(flags.dryRun),
    json: Boolean(flags.json),
  };
}

export async function runReassign(ctx: Context, o: ReassignOptions): Promise<void> {
  const client = await ctx.api();
  const { getTask, reassignTask } = await import('../../api/tasks.js');
  const [{ safeText }, { assigneeLabel, taskLabel: label }] = await Promise.all([
    import('../../output/format.js'),
    import('../../output/tasks.js'),
  ]);
  const aliases = await ctx.aliasNames();
  const who = (id: string | null) => safeText(assigneeLabel(id, aliases));
  const task = await getTask(client, o.id);

  if (o.scope === 'task') {
    const already = task.assignee_user_id === o.to;
    if (o.dryRun) {
      ctx.err(
        already
          ? `Dry run: ${label(task)} is already assigned to ${who(o.to)}; nothing would change.`
          : `Dry run: would move ${label(task)} from ${who(task.assignee_user_id)} to ${who(o.to)}; nothing was changed.`,
      );
      if (o.json) {
        const { printJson } = await import('../../output/json.js');
        await printJson(ctx, [
          { id: task.id, result: already ? 'unchanged' : 'would_change', task, error: null },
        ]);
      }
      return;
    }
    if (already) {
      if (ctx.io.stderrIsTTY) ctx.err(`• ${label(task)} is already assigned to ${who(o.to)}`);
      await printItemOutcomes(ctx, o.json, [{ id: task.id, result: 'unchanged', task, error: null }]);
      return;
    }
    const moved = await reassignTask(client, task.id, o.to, 'TASK').catch((error: unknown) => {
      throw explainReassignError(error, o.toLabel);
    });
    if (ctx.io.stderrIsTTY)
      ctx.err(`✓ reassigned ${label(task)} from ${who(task.assignee_user_id)} to ${who(o.to)}`);
    await printItemOutcomes(ctx, o.json, [{ id: task.id, result: 'changed', task: moved, error: null }]);
    return;
  }

  // scope sequence: preview the run's open tasks, confirm, move, then list again to report what moved.
  const runTasks = () => collectOpenTasks(ctx, { sequenceId: task.sequence_id }, 4);
  const before = await runTasks();
  if (!before.some((t) => t.id === task.id)) before.unshift(task);
  const moving = before.filter((t) => t.assignee_user_id !== o.to);
  const owner = task.assignee_user_id;
  const others = before.filter((t) => t.assignee_user_id !== owner);

  const preview = await renderPreview(ctx, before, who, !ctx.io.stderrIsTTY || o.dryRun ? 'plain' : 'table');
  if (o.dryRun) {
    if (o.json) {
      const { printJson } = await import('../../output/json.js');
      await printJson(
        ctx,
        before.map((t) => ({
          id: t.id,
          result: t.assignee_user_id === o.to ? 'unchanged' : 'would_change',
          task: t,
          error: null,
        })),
      );
    } else {
      await ctx.out(preview);
    }
  } else {
    ctx.err(`Open tasks of sequence run ${task.sequence_id}:`);
    ctx.err(preview.trimEnd());
  }
  if (others.length > 0) {
    const names = [...new Set(others.map((t) => who(t.assignee_user_id)))].join(', ');
    ctx.err(
      `Note: ${others.length} of these belong to someone other than ${who(owner)} (${names}); they move too.`,
    );
  }
  if (moving.length === 0) {
    ctx.err(
      `All ${before.length} open tasks of the run are already assigned to ${who(o.to)}: nothing to do.`,
    );
    if (!o.dryRun)
      await printItemOutcomes(
        ctx,
        o.json,
        before.map((t) => ({ id: t.id, result: 'unchanged', task: t, error: null })),
      );
    return;
  }
  if (o.dryRun) {
    ctx.err(
      `Dry run: would move ${moving.length} task${moving.length === 1 ? '' : 's'} to ${who(o.to)}; nothing was changed.`,
    );
    return;
  }
  await confirm(
    ctx,
    o,
    `Reassign these ${before.length} open tasks of sequence run ${task.sequence_id} to ${who(o.to)}?`,
  );
  await reassignTask(client, task.id, o.to, 'SEQUENCE').catch((error: unknown) => {
    throw explainReassignError(error, o.toLabel);
  });
  const after = new Map((await runTasks()).map((t) => [t.id, t]));
  const outcomes: ItemOutcome[] = before.map((t) => {
    const now = t.id === task.id && !after.has(t.id) ? { ...t, assignee_user_id: o.to } : after.get(t.id);
    if (t.assignee_user_id === o.to) return { id: t.id, result: 'unchanged', task: now ?? t, error: null };
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
    if (out.result === 'changed' && ctx.io.stderrIsTTY)
      ctx.err(`✓ reassigned ${label(out.task!)} to ${who(o.to)}`);
    if (out.result === 'failed') ctx.err(`✗ ${label(out.task!)} did not move: ${out.error!.message}`);
  }
  const newcomers = [...after.values()].filter((t) => !before.some((b) => b.id === t.id));
  if (newcomers.length > 0)
    ctx.err(
      `Note: ${newcomers.length} open task(s) appeared in the run meanwhile and were not part of this move.`,
    );
  await printItemOutcomes(ctx, o.json, outcomes);
  const moved = outcomes.filter((x) => x.result === 'changed').length;
  const failed = outcomes.filter((x) => x.result === 'failed').length;
  ctx.err(`${moved} moved, ${outcomes.length - moved - failed} unchanged, ${failed} failed.`);
  if (failed > 0)
    throw new TopoError(`${failed} task(s) of the run did not move`, moved > 0 ? EXIT.partial : EXIT.failure);
}

async function renderPreview(
  ctx: Context,
  tasks: Task[],
  who: (id: string | null) => string,
  style: 'plain' | 'table',
): Promise<string> {
  const { safeText, enumLabel } = await import('../../output/format.js');
  if (style === 'plain' && !ctx.io.stdoutIsTTY) {
    const { tsvLine } = await import('../../output/tsv.js');
    return tasks.map((t) => tsvLine([t.id, t.type, t.priority, t.status, t.assignee_user_id])).join('');
  }
  const [{ renderTable }, { makeChalk }] = await Promise.all([
    import('../../output/table.js'),
    import('../../output/color.js'),
  ]);
  const c = makeChalk(false);
  const rows = tasks.map((t) => {
    const plain = [
      safeText(t.id),
      enumLabel(t.type),
      safeText(t.priority),
      enumLabel(t.status),
      who(t.assignee_user_id),
    ];
    return { plain, styled: plain };
  });
  return renderTable(
    [
      { header: 'ID' },
      { header: 'TYPE' },
      { header: 'PRIORITY' },
      { header: 'STATUS' },
      { header: 'ASSIGNEE', shrink: 0 },
    ],
    rows,
    ctx.io.columns,
    (h) => c.bold(h),
  );
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
  return error instanceof Error ? error : new TopoError(errorOf(error).message);
}
