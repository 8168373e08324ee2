import type { Context } from '../context.js';
import type { ItemOutcome } from '../domain/outcome.js';
import { whoFrom } from '../domain/task.js';
import { plural } from '../basics/text.js';
import { InterruptedError, type Signal } from '../errors.js';
import { makeChalk } from '../output/color.js';
import { stoppingLine } from '../output/notes.js';
import { outcomeLine, printDryRun, printOutcomes, printPreview, unchangedLine } from '../output/outcomes.js';
import {
  applyTransitions,
  previewTransition,
  transitionFailure,
  dryRunFailure,
  type TransitionSpec,
} from '../services/transition.js';
import { confirm } from './confirm.js';

/**
 * A change to tasks one by one (skip, reopen, reassign) as the person lives it: each task read first, a
 * preview and a confirmation when there are several, a line per task as it changes, the results, the summary.
 */

export interface TransitionOptions {
  yes: boolean;
  dryRun: boolean;
  concurrency: number;
}

export async function runTransition(
  ctx: Context,
  spec: TransitionSpec,
  ids: readonly string[],
  o: TransitionOptions,
): Promise<void> {
  const { terminal, output } = ctx;
  if (ids.length === 0) {
    terminal.err('Nothing to do: no task IDs were given on standard input.');
    if (output.format === 'json') await output.json([]);
    return;
  }
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  let signal: Signal | undefined;
  const dispose = terminal.onInterrupt((s) => {
    signal = s;
    terminal.err(`\n${stoppingLine(s)}`);
  });
  try {
    const shouldStop = () => signal !== undefined;
    const items = await previewTransition(client, spec, ids, { concurrency: o.concurrency, shouldStop });
    if (signal) throw new InterruptedError('interrupted before any change: nothing was changed', signal);
    if (o.dryRun) {
      await printDryRun(output, items, who, output.chalk());
      const failure = dryRunFailure(items);
      if (failure) throw failure;
      return;
    }
    const toSend = items.filter((i) => i.result !== 'unchanged' && i.result !== 'failed');
    const c = makeChalk(terminal.stderrColor);
    if (ids.length > 1 && !o.yes && toSend.length > 0) {
      printPreview(output, items, who, c);
      const verb = spec.verb.charAt(0).toUpperCase() + spec.verb.slice(1);
      await confirm(terminal, o, `${verb} ${plural(toSend.length, 'task')}?`);
    }
    const several = items.length > 1;
    const said = (outcome: ItemOutcome) => {
      // A single task that failed is told by the error line alone.
      const failed = outcome.result === 'failed';
      if ((terminal.stderrIsTTY && (several || !failed)) || (failed && several))
        terminal.err(
          outcome.result === 'unchanged' && outcome.task
            ? unchangedLine(outcome.task, spec.why(outcome.task, 'done'), c)
            : outcomeLine(outcome, spec.past, c, outcome.result === 'changed' ? (spec.detail ?? '') : ''),
        );
    };
    const applied = await applyTransitions(client, spec, items, {
      concurrency: o.concurrency,
      shouldStop,
      onOutcome: said,
    });
    await printOutcomes(output, applied.outcomes);
    if (several) {
      const n = (r: string) => applied.outcomes.filter((x) => x.result === r).length;
      const left = n('not_attempted');
      terminal.err(
        `${n('changed')} ${spec.past}, ${n('unchanged')} unchanged, ${n('failed')} failed${left ? `, ${left} not attempted` : ''}.`,
      );
    }
    const failure = transitionFailure(spec, items, applied, signal);
    if (failure) throw failure;
  } finally {
    dispose();
  }
}
