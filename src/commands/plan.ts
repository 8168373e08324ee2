import type { Command } from 'commander';
import { action, type App } from '../app.js';
import { FLAG_GROUPS, helpDetails } from '../help.js';
import { BULK_CONCURRENCY } from '../input/choices.js';
import { ageMs, parsePositiveInt } from '../input/parse.js';
import { UsageError } from '../errors.js';
import { JOB_REPORT_FIELDS } from '../output/fields.js';
import { addOutputFlags } from '../output/flags.js';
import { checkOutputPath } from '../input/outfile.js';

interface ApplyFlags {
  yes?: boolean;
  maxAge?: string;
  report?: string;
  concurrency: string;
}

export function registerPlan(program: Command, app: App): void {
  const plan = program
    .command('plan')
    .summary('look at and apply plan files written by --plan-out (a second person can approve)')
    .description(
      'A plan file is a bulk move written down instead of run (tasks reassign … --plan-out FILE): who planned it ' +
        'and when, the workspace, the rules, and every task with where it is and where it goes, sealed by a ' +
        'SHA-256 digest. Look at it, hand it over, and apply exactly that plan — with another key when it was ' +
        'written with --needs-approval.',
    );
  helpDetails(plan, {
    examples: [
      'topo tasks reassign --from femi --to bob,carla --plan-out femi.plan.json --needs-approval',
      'topo plan show femi.plan.json',
    ],
  });

  const show = plan
    .command('show <file>')
    .summary('print a plan file as a preview: who planned it, what moves where')
    .description(
      'Checks the file (an edited plan is refused, exit 2), then prints who planned it, when, for which ' +
        'workspace, and what it moves, as the dry run of the same command does; --json prints the file itself.',
    );
  addOutputFlags(show, { csv: true });
  helpDetails(show, {
    examples: ['topo plan show femi.plan.json', 'topo plan show femi.plan.json --json'],
  });
  show.action(
    action(app, async (ctx, file: string) => {
      const { showPlan } = await import('../flows/planfile.js');
      await showPlan(ctx, file);
    }),
  );

  const apply = plan
    .command('apply <file>')
    .summary('run a plan file as a job: only what is still as planned moves')
    .description(
      'Checks the file before anything is sent: its digest (edited: exit 2), its age (older than 24 h: ' +
        'exit 2 unless --max-age), the workspace (another one: exit 2), and for a plan written with ' +
        '--needs-approval that this key is not the one that planned it (exit 5). Then it shows the plan with ' +
        'who planned it, asks, and runs it as a job — journal, progress, Ctrl-C, report, undo — moving each ' +
        'task only if it is still open and still with whom it was with when planned; the others are left ' +
        'alone and reported as skipped with the reason.',
    )
    .optionsGroup(FLAG_GROUPS.safety)
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--max-age <age>', 'apply a plan older than 24 h, up to this age (48h, 3d, 1w)')
    .option(
      '--report <file>',
      'write what moved to a CSV file, or Markdown when it ends in .md (with who planned and applied)',
    )
    .option(
      '--concurrency <n>',
      `most calls at once (at most ${BULK_CONCURRENCY.max}); fewer while the API limits the rate`,
      String(BULK_CONCURRENCY.default),
    );
  addOutputFlags(apply, { fields: JOB_REPORT_FIELDS });
  helpDetails(apply, {
    examples: [
      'topo plan show femi.plan.json                                        # look first',
      'TOPO_API_KEY=topo_sandbox_tasks topo plan apply femi.plan.json --yes   # a second key approves',
      'topo tasks reassign --jobs                                           # who planned, who applied',
    ],
    notes: `Exit codes:
  0    every task still as planned moved (the others were skipped, with the reason)
  1    the API or the network failed before anything moved (the error says which)
  2    the file is missing, not a plan, was edited, is of another workspace, or is too old (--max-age)
  4    the key cannot change tasks (tasks:write)
  5    the plan needs a second approver and this key planned it
  6    some calls failed or were not made: run the same command again to finish
  130  cancelled (Ctrl-C, or the confirmation declined)
  143  stopped by SIGTERM (what moved is reported; run the same command again to finish)

--json prints the job's report, as tasks reassign --from does, with planned_by and applied_by.
Undo it as any job: topo tasks reassign --undo <job>.`,
  });
  apply.action(
    action(app, async (ctx, file: string, flags: ApplyFlags) => {
      const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', BULK_CONCURRENCY.max);
      const maxAgeMs = flags.maxAge === undefined ? undefined : ageMs(flags.maxAge);
      if (flags.maxAge !== undefined && !maxAgeMs)
        throw new UsageError(`--max-age: '${flags.maxAge}' is not an age (e.g. 36h, 3d, 1w)`);
      if (flags.report !== undefined) checkOutputPath(flags.report, '--report');
      const [{ applyPlan }, { DEFAULT_MAX_AGE_MS }] = await Promise.all([
        import('../flows/planfile.js'),
        import('../services/planfile.js'),
      ]);
      await applyPlan(ctx, {
        path: file,
        yes: Boolean(flags.yes),
        maxAgeMs: maxAgeMs ?? DEFAULT_MAX_AGE_MS,
        maxAgeGiven: maxAgeMs !== undefined,
        concurrency,
        report: flags.report,
      });
    }),
  );
}
