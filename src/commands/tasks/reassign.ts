import { Option, type Command } from 'commander';
import { whoFrom } from '../../domain/task.js';
import { action, type App } from '../../app.js';
import { isoSeconds } from '../../basics/time.js';
import { UsageError } from '../../errors.js';
import type { TaskQuery } from '../../api/types.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, helpDetails } from '../../help.js';
import { BULK_CONCURRENCY, SCOPE_CHOICES } from '../../input/choices.js';
import { ageMs, collect, parseChoice, parseNames, parsePositiveInt, parseWhen } from '../../input/parse.js';
import { JOB_LIST_FIELDS, JOB_REPORT_FIELDS, OUTCOME_FIELDS } from '../../output/fields.js';
import type { Successor } from '../../domain/plan.js';
import { addOutputFlags } from '../../output/flags.js';
import { addPlanFlags } from '../../input/plan-flags.js';
import { requireConfirmable } from '../../flows/confirm.js';
import { parseSubset, resolveFilterNames } from '../../input/filters.js';
import { checkOutputPath } from '../../input/outfile.js';

interface ReassignFlags {
  to?: string;
  from?: string;
  undo?: string;
  jobs?: boolean;
  return?: boolean;
  sweep?: boolean;
  cap?: string;
  until?: string;
  report?: string;
  type?: string[];
  priority?: string[];
  template?: string[];
  createdAfter?: string;
  createdBefore?: string;
  concurrency: string;
  scope?: string;
  yes?: boolean;
  dryRun?: boolean;
  planOut?: string;
  needsApproval?: boolean;
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
    .option(
      '--to <users>',
      'the new assignee: a UUID, an alias, or me; with --from, several: bob,carla (in turn) or bob=2,carla=1 (by weight)',
    )
    .addOption(new Option('--scope <scope>', 'with a task ID: task (default) or sequence'))
    .option('--from <user>', 'move every open task of this user (offboarding); not with a task ID')
    .option('--cap <n>', 'with --from: at most this many tasks to any one successor; the rest stay')
    .option(
      '--until <when>',
      'with --from: a temporary cover until this date (or for 14d, 2w); --return then gives the tasks back',
    )
    .option(
      '--report <file>',
      'with --from: write what moved to a CSV file, or Markdown when it ends in .md (with --dry-run: the plan)',
    )
    .option(
      '--undo <job>',
      "move a job's tasks back where they were: its id, 'last' (of this workspace), or a journal file",
    )
    .option('--jobs', 'list the jobs of this workspace: when, from, to, moved, left, swept, state')
    .option('--return', 'give back the tasks of cover jobs (of this workspace) whose --until date has passed')
    .option(
      '--sweep',
      'apply every finished offboarding (and cover still covering) again to open tasks that reached its leaver since',
    )
    .optionsGroup(FLAG_GROUPS.filters)
    .option('-t, --type <types>', 'with --from: only these types (comma-separated or repeated)', collect)
    .option(
      '-p, --priority <priorities>',
      'with --from: only these priorities (comma-separated or repeated)',
      collect,
    )
    .option('--template <names>', 'with --from: only tasks of these campaigns (names or UUIDs)', collect)
    .option('--created-after <when>', 'with --from: only tasks created after this (as for tasks list)')
    .option('--created-before <when>', 'with --from: only tasks created before this (as for tasks list)')
    .optionsGroup(FLAG_GROUPS.safety)
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show what would move, change nothing');
  addPlanFlags(cmd);
  addOutputFlags(cmd, {
    fields: OUTCOME_FIELDS,
    modes: [
      { label: 'with --jobs', fields: JOB_LIST_FIELDS, flags: ['--jobs'] },
      {
        label: 'with --from, --undo, --return or --sweep',
        fields: JOB_REPORT_FIELDS,
        flags: ['--from', '--undo', '--return', '--sweep'],
      },
    ],
    csv: true,
  });
  helpDetails(cmd, {
    examples: [
      'topo tasks reassign 8d52182c-ceee-4e6a-a23d-42061dae08b6 --to bob',
      'topo tasks list -a alice -p hot | topo tasks reassign - --to carla --yes',
      'topo tasks reassign 1d808549-f48e-404c-b905-f780dd4ef1f3 --to dev --scope sequence --yes',
      'topo tasks reassign --from alice --to bob,carla --dry-run       # offboarding: the plan',
      'topo tasks reassign --from alice --to bob=2,carla=1 --cap 20 --yes',
      'topo tasks reassign --from erin --to dev --until 14d --yes     # cover for two weeks',
      'topo tasks reassign --jobs',
      'topo tasks reassign --undo last --dry-run',
      'topo tasks reassign --return --yes                             # give back covers that ended',
      'topo tasks reassign --from femi --to bob,carla --plan-out femi.plan.json --needs-approval',
      'topo tasks reassign --sweep --yes                              # work that reached a leaver since',
    ],
    notes: `Offboarding (--from):
  Finds every open task of --from (every page), groups them by sequence run, moves runs held wholly
  by --from with one SEQUENCE call and the rest task by task so nobody else's work moves, journals
  each move, then checks what is left. Ctrl-C (at any point) lets the calls in flight finish, says
  and journals what moved and what is left; re-running continues. The same leaver, successors (in
  any order) and filters are the same job: another --cap or other weights go on with it (noted),
  counted over the whole job; a cover keeps the end its first run recorded.
  --json prints {kind, from, to, journal, plan, calls, moved, failed, not_started, remaining, …}.
  Each task's result: would_move or kept (dry run; kept: held back by --cap), then moved, failed,
  not_started (the job stopped first), kept, or skipped (changed hands or closed since the plan).

Plans as files (--plan-out FILE, with --from or task IDs):
  Writes the plan instead of running it: the key that planned it, the workspace, the rules and
  every task with where it is and where it goes, sealed by a SHA-256 digest (0600; never contact
  details). Nothing moves. --needs-approval: it must be applied with another key. Then
  'topo plan show FILE' and 'topo plan apply FILE' (see topo help automation).

Jobs (--jobs), their states:
  done             the last run ended with nothing of the plan left
  incomplete       the last run ended with tasks failed or not started (LEFT): run it again
  interrupted      the last run was stopped by Ctrl-C or SIGTERM with tasks left; it said and
                   journaled what moved and what was left: run the same command again
  stopped mid-run  the last run (moves, an undo or a return) ended without a word (killed, a
                   crash): LEFT is unknown (?); run the same command again, it looks up the
                   calls left without an answer, reads what is left and records the end
  covering, due for return, undone, partly undone, given back

Results (task IDs or --scope sequence; --json prints an array of {id, result, task, error}):
  changed    the task moved to the new assignee
  unchanged  it was already assigned to them (not an error)
  failed     it should have moved but did not; the reason is shown`,
  });
  cmd.action(
    action(app, async (ctx, ids: string[], flags: ReassignFlags) => {
      // A run that changes tasks prints their IDs (or JSON), never CSV: --csv alone there would be ignored.
      if (ctx.output.format === 'csv' && !flags.jobs && !flags.dryRun)
        throw new UsageError(
          flags.from !== undefined
            ? "--csv prints a dry run's preview: add --dry-run, or write what moved with --report <file>.csv"
            : "--csv prints a dry run's preview or the --jobs list: add --dry-run",
        );
      if (flags.needsApproval && flags.planOut === undefined)
        throw new UsageError('--needs-approval goes with --plan-out: it marks the plan file');
      if (flags.planOut !== undefined) {
        if (flags.jobs || flags.undo !== undefined || flags.return || flags.dryRun || flags.yes)
          throw new UsageError(
            '--plan-out writes a plan and moves nothing: not with --jobs, --undo, --return, --dry-run or --yes',
          );
        checkOutputPath(flags.planOut, '--plan-out');
      }
      if (flags.jobs) {
        if (ids.length > 0 || flags.from || flags.to || flags.undo || flags.return)
          throw new UsageError('--jobs lists the jobs: give it no other selection');
        await (await import('../../flows/jobs-list.js')).listJobs(ctx);
      } else if (flags.sweep) await runSweep(ctx, ids, flags);
      else if (flags.undo !== undefined || flags.from !== undefined || flags.return)
        await runBulkReassign(ctx, ids, flags);
      else await runTaskReassign(ctx, ids, flags);
    }),
  );
}

async function runBulkReassign(ctx: Context, ids: string[], flags: ReassignFlags): Promise<void> {
  const mode = flags.undo !== undefined ? '--undo' : flags.return ? '--return' : '--from';
  if (ids.length > 0) throw new UsageError(`a task ID and ${mode} cannot be used together`);
  if (flags.scope !== undefined) throw new UsageError(`--scope goes with a task ID, not with ${mode}`);
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', BULK_CONCURRENCY.max);
  const common = { dryRun: Boolean(flags.dryRun), yes: Boolean(flags.yes), concurrency };
  const jobs = await import('../../flows/job.js');
  const moveFlags = [
    'to',
    'from',
    'cap',
    'until',
    'report',
    'type',
    'priority',
    'template',
    'createdAfter',
    'createdBefore',
  ] as const;
  if (mode !== '--from') {
    const extra = moveFlags.find((f) => flags[f] !== undefined);
    if (extra || (flags.undo !== undefined && flags.return))
      throw new UsageError(`${mode} takes no other selection: the job says who and what`);
    const back = await import('../../flows/undo.js');
    const job = mode === '--undo' ? await back.findJob(ctx, flags.undo!) : undefined;
    requireConfirmable(ctx.terminal, flags, mode === '--undo' ? 'undoing a job' : 'giving back cover jobs');
    if (job) await back.undo(ctx, { job, phase: 'undo', ...common });
    else await back.giveBack(ctx, common);
    return;
  }
  if (!flags.to)
    throw new UsageError(
      "--to is required: who should get the tasks (a UUID, an alias, or 'me'; several with commas)",
    );
  const now = ctx.now();
  const filters: Omit<TaskQuery, 'status' | 'assigneeUserId'> = parseSubset(flags, now, (m) =>
    ctx.terminal.warn(m),
  );
  const cap = flags.cap === undefined ? undefined : parsePositiveInt(flags.cap, '--cap');
  const until = flags.until === undefined ? undefined : parseUntil(flags.until, now);
  if (flags.report !== undefined) checkOutputPath(flags.report, '--report');
  const wanted = parseSuccessors(flags.to);
  const from = await ctx.people.resolve(flags.from!, '--from');
  const successors: Successor[] = [];
  for (const w of wanted) {
    const id = await ctx.people.resolve(w.name, '--to');
    if (id === from) throw new UsageError(`--to: '${w.name}' is the person leaving (--from)`);
    if (successors.some((s) => s.id === id)) throw new UsageError(`--to: '${w.name}' is named twice`);
    successors.push({ id, weight: w.weight });
  }
  if (flags.planOut === undefined)
    requireConfirmable(ctx.terminal, flags, 'moving every open task of a user');
  await resolveFilterNames(ctx.lookups(), { template: flags.template }, { query: filters });
  if (flags.planOut !== undefined) {
    if (flags.report !== undefined)
      throw new UsageError('--report goes with the run: give it to topo plan apply, not with --plan-out');
    const { offboardPlanOut } = await import('../../flows/planfile.js');
    const needsApproval = Boolean(flags.needsApproval);
    const o = { from, successors, cap, filters, until, concurrency, needsApproval };
    await offboardPlanOut(ctx, { ...o, path: flags.planOut });
    return;
  }
  const untilSpan = flags.until === undefined ? undefined : ageMs(flags.until);
  await jobs.offboard(ctx, {
    from,
    successors,
    cap,
    filters,
    until,
    ...(untilSpan !== undefined && { untilSpan }),
    report: flags.report,
    ...common,
  });
}

/** `--sweep`: the jobs say who and what; only --yes, --dry-run, --json and --concurrency go with it. */
async function runSweep(ctx: Context, ids: string[], flags: ReassignFlags): Promise<void> {
  const other = (
    [
      'to',
      'from',
      'undo',
      'return',
      'cap',
      'until',
      'report',
      'type',
      'priority',
      'template',
      'createdAfter',
      'createdBefore',
      'scope',
    ] as const
  ).find((f) => flags[f] !== undefined && flags[f] !== false);
  if (ids.length > 0 || other)
    throw new UsageError('--sweep takes no other selection: each job says who and what');
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', BULK_CONCURRENCY.max);
  requireConfirmable(ctx.terminal, flags, 'a sweep');
  const { sweep } = await import('../../flows/sweep.js');
  await sweep(ctx, { yes: Boolean(flags.yes), dryRun: Boolean(flags.dryRun), concurrency });
}

/** `bob`, `bob,carla,dev` (in turn) or `bob=2,carla=1` (by weight). */
function parseSuccessors(value: string): { name: string; weight: number }[] {
  const parts = parseNames(value, '--to');
  if (parts.length === 0) throw new UsageError('--to: name who should get the tasks');
  return parts.map((part) => {
    const [name, weight] = part.split('=');
    if (!name) throw new UsageError(`--to: '${part}' names nobody`);
    if (weight === undefined) return { name, weight: 1 };
    if (!/^\d+$/.test(weight) || Number(weight) < 1)
      throw new UsageError(`--to: the weight in '${part}' must be a whole number of at least 1`);
    return { name, weight: Number(weight) };
  });
}

/** `--until`: a date (the cover ends at its start), a date-time, or a time from now (`14d`, `2w`). */
function parseUntil(value: string, now: number): string {
  // A time from now, in the units of ages (m is minutes, as in 45m).
  const ahead = ageMs(value);
  if (ahead === 0) throw new UsageError(`--until: ${value} from now has passed already: give a time ahead`);
  if (ahead !== undefined) return isoSeconds(now + ahead);
  const iso = parseWhen(value, '--until', now);
  if (Date.parse(iso) <= now) throw new UsageError(`--until: ${value} has passed`);
  return iso;
}

/** Task IDs to someone: one by one, or one task's whole sequence run with --scope sequence. */
async function runTaskReassign(ctx: Context, args: string[], flags: ReassignFlags): Promise<void> {
  // The flags of an offboarding mean nothing for task IDs: said, not ignored.
  const offboarding: [keyof ReassignFlags, string][] = [
    ['cap', '--cap'],
    ['until', '--until'],
    ['report', '--report'],
    ['type', '--type'],
    ['priority', '--priority'],
    ['template', '--template'],
    ['createdAfter', '--created-after'],
    ['createdBefore', '--created-before'],
  ];
  const misplaced = offboarding.find(([key]) => flags[key] !== undefined);
  if (misplaced) throw new UsageError(`${misplaced[1]} goes with --from, not with task IDs`);
  if (!flags.to)
    throw new UsageError("--to is required: who should get the tasks (a UUID, an alias, or 'me')");
  const scope = parseChoice(flags.scope ?? 'task', SCOPE_CHOICES, '--scope');
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', BULK_CONCURRENCY.max);
  if (args.length === 0) throw new UsageError('give the IDs of the tasks to reassign (or - to read them)');
  const { readTaskIds } = await import('../../input/ids.js');
  const ids = await readTaskIds(ctx.terminal, args);
  const to = await ctx.people.resolve(flags.to, '--to');
  const common = { yes: Boolean(flags.yes), dryRun: Boolean(flags.dryRun) };
  if (scope === 'sequence' && ids.length !== 1)
    throw new UsageError('--scope sequence takes one task ID: the run is the one it belongs to');
  if (flags.planOut !== undefined) {
    const { taskIdsPlanOut } = await import('../../flows/planfile.js');
    const path = flags.planOut;
    await taskIdsPlanOut(ctx, {
      ids,
      to,
      scope,
      concurrency,
      path,
      needsApproval: Boolean(flags.needsApproval),
    });
    return;
  }
  if (scope === 'sequence') {
    requireConfirmable(ctx.terminal, flags, 'reassigning a whole sequence run');
    const { reassignRun } = await import('../../flows/sequence.js');
    await reassignRun(ctx, { id: ids[0]!, to, toLabel: flags.to, ...common });
    return;
  }
  if (ids.length > 1) requireConfirmable(ctx.terminal, flags, `reassigning ${ids.length} tasks`);
  const [{ reassignChange }, { runTransition }] = await Promise.all([
    import('../../services/reassign.js'),
    import('../../flows/transition.js'),
  ]);
  const who = whoFrom(await ctx.people.names());
  await runTransition(ctx, reassignChange(to, flags.to, who), ids, { ...common, concurrency });
}
