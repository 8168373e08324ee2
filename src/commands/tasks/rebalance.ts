import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { FLAG_GROUPS, helpDetails } from '../../help.js';
import { BULK_CONCURRENCY } from '../../input/choices.js';
import { parseSubset, resolveFilterNames } from '../../input/filters.js';
import { collect, parseNames, parsePositiveInt } from '../../input/parse.js';
import { checkOutputPath } from '../../input/outfile.js';
import { requireConfirmable } from '../../flows/confirm.js';
import { JOB_REPORT_FIELDS } from '../../output/fields.js';
import { addOutputFlags } from '../../output/flags.js';
import { addPlanFlags } from '../../input/plan-flags.js';

interface RebalanceFlags {
  team?: string;
  tolerance: string;
  includeActive?: boolean;
  report?: string;
  type?: string[];
  priority?: string[];
  template?: string[];
  createdAfter?: string;
  createdBefore?: string;
  concurrency: string;
  yes?: boolean;
  dryRun?: boolean;
  planOut?: string;
  needsApproval?: boolean;
}

export function registerRebalance(tasks: Command, app: App): void {
  const cmd = tasks
    .command('rebalance')
    .summary("even out a team's open tasks by moving whole sequence runs")
    .description(
      "Counts each member's open tasks and moves whole sequence runs from the members above the team's mean to " +
        'those below it, the least disruptive first, until every member is within the tolerance of the mean (or ' +
        'no whole-run move narrows the gap). Planned, confirmed, journaled and undoable as an offboarding is.',
    )
    .option('--team <users>', 'the members: UUIDs, aliases or me, comma-separated (at least two)')
    .option('--tolerance <percent>', 'how far from the mean a member may end (15%, or 0 to 99)', '15%')
    .option(
      '--include-active',
      'also move runs with a task in progress or a reply (a conversation under way): last of all',
    )
    .option(
      '--report <file>',
      'write what moved to a CSV file, or Markdown when it ends in .md (with --dry-run: the plan)',
    )
    .optionsGroup(FLAG_GROUPS.filters)
    .option('-t, --type <types>', 'count and move only these types (comma-separated or repeated)', collect)
    .option('-p, --priority <priorities>', 'count and move only these priorities', collect)
    .option('--template <names>', 'count and move only tasks of these campaigns (names or UUIDs)', collect)
    .option('--created-after <when>', 'only tasks created after this (as for tasks list)')
    .option('--created-before <when>', 'only tasks created before this (as for tasks list)')
    .optionsGroup(FLAG_GROUPS.safety)
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan, change nothing');
  addPlanFlags(cmd);
  addOutputFlags(cmd, { fields: [...JOB_REPORT_FIELDS, 'team'], csv: true });
  helpDetails(cmd, {
    examples: [
      'topo tasks rebalance --team gia,hugo,ines,jon,kai --dry-run',
      'topo tasks rebalance --team gia,hugo,ines,jon,kai --tolerance 20% --yes',
      'topo tasks rebalance --team gia,hugo,ines -t call --dry-run --json team',
      'topo tasks reassign --undo last --yes                        # every task back',
      'topo tasks rebalance --team gia,hugo,ines,jon,kai --plan-out team.plan.json',
      'topo plan show team.plan.json                                # then another key: topo plan apply',
    ],
    notes: `How it plans:
  Counts each member's open tasks (in the filters) with the API's totals, then moves whole sequence
  runs from the member furthest above the mean to the member furthest below, while anyone is
  outside the tolerance and a run smaller than their gap is left. A run moves only if all its open
  tasks are with the giver (and in the filters): one call moves it. Least disruption first: runs of
  EXTRA tasks, then TODAY, then HOT, smaller before larger; a run with a task in progress or a reply
  (EMAIL_REPLY, LINKEDIN_REPLY) never moves unless --include-active. A member away (the --from of a
  cover still covering) receives nothing and is left out of the mean.

It runs as a job: 'topo tasks reassign --jobs' lists it, '--undo last' puts every task back, Ctrl-C
stops it with what moved journaled (running the same command again continues it).

Plans as files (--plan-out FILE): the same plan written to a file (who planned it, the team's counts
before and after, every task of each run that moves), nothing moved; --json prints the file too.
'topo plan show FILE' prints it, 'topo plan apply FILE' runs it as a job: a run moves only if its
open tasks are all still with the giver and it holds no other open task, else the whole run stays
and is reported as skipped. --needs-approval: it must be applied with another key.

--json prints the job's report (as 'tasks reassign --from' does) with team: {members (before,
gives, gets, after, away), mean, tolerance, band, spread, widest, within, held, moves}.`,
  });
  cmd.action(action(app, (ctx, flags: RebalanceFlags) => runRebalance(ctx, flags)));
}

async function runRebalance(ctx: Context, flags: RebalanceFlags): Promise<void> {
  if (!flags.team)
    throw new UsageError('--team is required: the members to balance, comma-separated (at least two)');
  const names = parseNames(flags.team, '--team');
  if (names.length < 2) throw new UsageError('--team: name at least two members, comma-separated');
  const tolerance = parseTolerance(flags.tolerance);
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', BULK_CONCURRENCY.max);
  const filters = parseSubset(flags, ctx.now(), (m) => ctx.terminal.warn(m));
  if (flags.needsApproval && flags.planOut === undefined)
    throw new UsageError('--needs-approval goes with --plan-out: it marks the plan file');
  if (flags.planOut !== undefined) {
    if (flags.dryRun || flags.yes)
      throw new UsageError('--plan-out writes a plan and moves nothing: not with --dry-run or --yes');
    if (flags.report !== undefined)
      throw new UsageError('--report goes with the run: give it to topo plan apply, not with --plan-out');
    checkOutputPath(flags.planOut, '--plan-out');
  }
  if (flags.report !== undefined) checkOutputPath(flags.report, '--report');
  if (flags.planOut === undefined) requireConfirmable(ctx.terminal, flags, 'rebalancing a team');
  const team: string[] = [];
  for (const name of names) {
    const id = await ctx.people.resolve(name, '--team');
    if (team.includes(id)) throw new UsageError(`--team: '${name}' is named twice`);
    team.push(id);
  }
  await resolveFilterNames(ctx.lookups(), { template: flags.template }, { query: filters });
  const { rebalance } = await import('../../flows/rebalance.js');
  await rebalance(ctx, {
    team,
    tolerance,
    includeActive: Boolean(flags.includeActive),
    filters,
    // A plan written to a file only reads: no key with tasks:write is needed to plan.
    dryRun: Boolean(flags.dryRun) || flags.planOut !== undefined,
    yes: Boolean(flags.yes),
    concurrency,
    report: flags.report,
    ...(flags.planOut !== undefined && {
      planOut: { path: flags.planOut, needsApproval: Boolean(flags.needsApproval) },
    }),
  });
}

/** `15%` or `15`: a share of the mean, from 0 to 99 percent. */
function parseTolerance(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n < 100))
    throw new UsageError(`--tolerance: '${value}' is not a percentage from 0 to 99 (such as 15%)`);
  return n / 100;
}
