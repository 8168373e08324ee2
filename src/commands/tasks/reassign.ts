import { Option, type Command } from 'commander';
import { action, type App } from '../../app.js';
import { UsageError } from '../../api/errors.js';
import { TASK_PRIORITIES, TASK_TYPES } from '../../api/types.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, helpDetails } from '../../help.js';
import { SCOPE_CHOICES } from '../../input/choices.js';
import { collect, parseChoice, parseEnumList, parsePositiveInt } from '../../input/parse.js';
import { addOutputFlags } from '../../output/flags.js';

const OUTCOME_FIELDS = ['id', 'result', 'task', 'error'] as const;
export const JOB_REPORT_FIELDS = [
  'kind',
  'from',
  'to',
  'journal',
  'plan',
  'calls',
  'moved',
  'failed',
  'not_started',
  'remaining',
  'skipped',
  'interrupted',
  'dry_run',
] as const;

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
}

export function registerReassign(tasks: Command, app: App): void {
  const cmd = tasks
    .command('reassign [ids...]')
    .summary('move tasks, a sequence run, or every open task of a rep, to someone else')
    .description(
      'Moves tasks to another user (give IDs, or - to read them from standard input). With --scope sequence, ' +
        "every open (pending or in progress) task of the task's sequence run moves too — whoever holds it — after a " +
        'preview and a confirmation. With --from, every open task of a user moves (offboarding), planned, ' +
        'confirmed, journaled and resumable; --undo reverses it.',
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
    .option('--concurrency <n>', 'calls at once (at most 16)', '4');
  addOutputFlags(cmd, {
    fields: OUTCOME_FIELDS,
    alt: {
      label: 'with --from or --undo',
      fields: JOB_REPORT_FIELDS,
      when: (opts) => opts.from !== undefined || opts.undo !== undefined,
    },
  });
  helpDetails(cmd, {
    examples: [
      'topo tasks reassign 7f3e9c2a-… --to bob',
      'topo tasks list -a alice -p hot | topo tasks reassign - --to bob --yes',
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

Results (task IDs or --scope sequence; --json prints an array of {id, result, task, error}):
  changed    the task moved to the new assignee
  unchanged  it was already assigned to them (not an error)
  failed     it should have moved but did not; the reason is shown`,
  });
  cmd.action(
    action(app, async (ctx, ids: string[], flags: ReassignFlags) => {
      if (flags.undo !== undefined || flags.from !== undefined) await runBulkReassign(ctx, ids, flags);
      else await runTaskReassign(ctx, ids, flags);
    }),
  );
}

async function runBulkReassign(ctx: Context, ids: string[], flags: ReassignFlags): Promise<void> {
  if (ids.length > 0)
    throw new UsageError(
      `a task ID and ${flags.undo !== undefined ? '--undo' : '--from'} cannot be used together`,
    );
  if (flags.scope !== undefined)
    throw new UsageError('--scope goes with a task ID, not with --from or --undo');
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 16);
  const common = { dryRun: Boolean(flags.dryRun), yes: Boolean(flags.yes), concurrency };
  const { requireConfirmable } = await import('../../services/bulk.js');
  const { runOffboard, runUndo } = await import('../../services/offboard.js');
  if (flags.undo !== undefined) {
    if (flags.from !== undefined || flags.to !== undefined || flags.type || flags.priority) {
      throw new UsageError('--undo takes only the journal: the users and tasks come from it');
    }
    requireConfirmable(ctx.terminal, flags, 'undoing a reassignment');
    await runUndo(ctx, { journal: flags.undo, ...common });
    return;
  }
  if (!flags.to)
    throw new UsageError("--to is required: who should get the tasks (a UUID, an alias, or 'me')");
  const types = flags.type ? parseEnumList(flags.type, TASK_TYPES, '--type') : undefined;
  const priorities = flags.priority
    ? parseEnumList(flags.priority, TASK_PRIORITIES, '--priority')
    : undefined;
  const from = await ctx.people.resolve(flags.from!, '--from');
  const to = await ctx.people.resolve(flags.to, '--to');
  requireConfirmable(ctx.terminal, flags, 'moving every open task of a user');
  await runOffboard(ctx, { from, to, ...(types && { types }), ...(priorities && { priorities }), ...common });
}

/** Task IDs to someone: one by one, or one task's whole sequence run with --scope sequence. */
async function runTaskReassign(ctx: Context, args: string[], flags: ReassignFlags): Promise<void> {
  if (!flags.to)
    throw new UsageError("--to is required: who should get the tasks (a UUID, an alias, or 'me')");
  if (flags.type || flags.priority) throw new UsageError('--type and --priority go with --from');
  const scope = parseChoice(flags.scope ?? 'task', SCOPE_CHOICES, '--scope');
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 16);
  if (args.length === 0) throw new UsageError('give the IDs of the tasks to reassign (or - to read them)');
  const [{ readTaskIds }, bulk] = await Promise.all([
    import('../../input/ids.js'),
    import('../../services/bulk.js'),
  ]);
  const ids = await readTaskIds(ctx.terminal, args);
  const to = await ctx.people.resolve(flags.to, '--to');
  const common = { yes: Boolean(flags.yes), dryRun: Boolean(flags.dryRun) };
  if (scope === 'sequence') {
    if (ids.length !== 1)
      throw new UsageError('--scope sequence takes one task ID: the run is the one it belongs to');
    bulk.requireConfirmable(ctx.terminal, flags, 'reassigning a whole sequence run');
    const { runSequenceReassign } = await import('../../services/reassign.js');
    await runSequenceReassign(ctx, { id: ids[0]!, to, toLabel: flags.to, ...common });
    return;
  }
  if (ids.length > 1) bulk.requireConfirmable(ctx.terminal, flags, `reassigning ${ids.length} tasks`);
  const [{ reassignChange }, { runTransition }, { whoFrom }] = await Promise.all([
    import('../../services/reassign.js'),
    import('../../services/transition.js'),
    import('../../output/tasks.js'),
  ]);
  const who = whoFrom(await ctx.people.names());
  await runTransition(ctx, reassignChange(to, flags.to, who), ids, { ...common, concurrency });
}
