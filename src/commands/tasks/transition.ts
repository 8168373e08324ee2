import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import { UsageError } from '../../errors.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, helpDetails } from '../../help.js';
import { BULK_CONCURRENCY } from '../../input/choices.js';
import { readTaskIds } from '../../input/ids.js';
import { parsePositiveInt } from '../../input/parse.js';
import { OUTCOME_FIELDS } from '../../output/fields.js';
import { addOutputFlags } from '../../output/flags.js';
import { requireConfirmable } from '../../flows/confirm.js';
import type { TransitionSpec } from '../../services/transition.js';

/** skip and reopen: the same shape of command, a different transition. */

interface TransitionFlags {
  yes?: boolean;
  dryRun?: boolean;
  concurrency: string;
}

export function registerTransition(
  tasks: Command,
  app: App,
  spec: () => Promise<TransitionSpec>,
  meta: { verb: string; summary: string; description: string; examples: string[] },
): void {
  const cmd = tasks
    .command(`${meta.verb} <ids...>`)
    .summary(meta.summary)
    .description(meta.description)
    .optionsGroup(FLAG_GROUPS.safety)
    .option('-y, --yes', 'do not ask for confirmation when changing several tasks')
    .option('--dry-run', 'show what would change and why, change nothing')
    .option(
      '--concurrency <n>',
      `most tasks changed at once (at most ${BULK_CONCURRENCY.max}); fewer while the API limits the rate`,
      String(BULK_CONCURRENCY.default),
    );
  addOutputFlags(cmd, { fields: OUTCOME_FIELDS, csv: true });
  helpDetails(cmd, {
    examples: meta.examples,
    notes: `Results:
  changed    the task moved to the new state
  unchanged  it was already there before (nothing is sent)
  failed     the API refused or could not be reached; the reason and request id are shown
  not_attempted  a stop came first (a key without the scope, which fails the first task; Ctrl-C)

Output:
  On a terminal, a line per task on stderr; piped, the IDs that changed, one per line;
  --json, an array of {id, result, task, error}. --dry-run prints the preview on stdout:
  a table, or piped: id, result, type, priority, status, assignee_user_id, sequence_id, target
  (--csv: the same columns with a header row).`,
  });
  cmd.action(
    action(app, async (ctx: Context, args: string[], flags: TransitionFlags) => {
      // As every preview: --csv prints the dry run's; a run that changes tasks prints their IDs.
      if (ctx.output.format === 'csv' && !flags.dryRun)
        throw new UsageError("--csv prints a dry run's preview: add --dry-run");
      const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', BULK_CONCURRENCY.max);
      const ids = await readTaskIds(ctx.terminal, args);
      if (ids.length > 1) requireConfirmable(ctx.terminal, flags, `${meta.verb} of ${ids.length} tasks`);
      const { runTransition } = await import('../../flows/transition.js');
      await runTransition(ctx, await spec(), ids, {
        yes: Boolean(flags.yes),
        dryRun: Boolean(flags.dryRun),
        concurrency,
      });
    }),
  );
}
