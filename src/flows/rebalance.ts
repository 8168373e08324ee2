import type { Context } from '../context.js';
import { planTaskOf } from '../domain/planfile.js';
import { balanceRules } from '../domain/rebalance.js';
import { whoFrom } from '../domain/task.js';
import { PartialFailureError } from '../errors.js';
import { makeChalk } from '../output/color.js';
import { describeBalance, printBalancePreview } from '../output/rebalance.js';
import { buildReport } from '../services/jobs/report.js';
import { closeIdleJob } from '../services/jobs/run.js';
import { planRebalancing, type RebalanceOptions } from '../services/rebalance/plan.js';
import { cancellable, confirmCount, jobLock, reconciledNotes, runWork, writeReport } from './job.js';
import { writePlanOut } from './planfile.js';

/** A rebalance as the person lives it: the plan, a dry run or the confirmation, then the job's common course. */
export async function rebalance(
  ctx: Context,
  o: RebalanceOptions & {
    yes: boolean;
    report: string | undefined;
    /** `--plan-out FILE`: the plan written to a file, nothing moved. */
    planOut?: { path: string; needsApproval: boolean };
  },
): Promise<void> {
  const { terminal, output } = ctx;
  // The cost is counted from here, as the requests are: the counts and listings count toward the floor too.
  const began = ctx.now();
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const { stateDir } = await import('../config/paths.js');
  const workspace = await ctx.session.workspace();
  const lock = await jobLock(ctx);
  const p = await cancellable(ctx, client, () =>
    planRebalancing({ client, now: ctx.now, stateDir: stateDir(ctx.session.env), workspace, lock }, o),
  );
  const { balance, work } = p;
  if (o.planOut) {
    // The plan as a file: each run that moves, whole (applied, a run that changed since stays whole too); a
    // run of one task is whole too (SEQUENCE: its run held nothing else).
    const tasks = balance.moves.flatMap((m) =>
      m.task_ids.map((id) => planTaskOf(p.tasks.get(id)!, m.to, 'SEQUENCE')),
    );
    if (tasks.length === 0) terminal.err(describeBalance(balance, who).trimEnd());
    await writePlanOut(ctx, {
      path: o.planOut.path,
      kind: 'rebalance',
      rules: {
        team: o.team,
        tolerance: o.tolerance,
        include_active: o.includeActive,
        filters: { ...o.filters },
        whole_runs: true,
        balance: balanceRules(balance),
      },
      tasks,
      leftOut: [],
      needsApproval: o.planOut.needsApproval,
    });
    return;
  }
  if (p.continues)
    terminal.err(`note: continuing rebalance job ${p.continues.id}, which was left unfinished.`);
  for (const line of reconciledNotes(work.reconciled, 'job')) terminal.err(line);
  const c = makeChalk(terminal.stderrColor);
  const box = terminal.stderrIsTTY
    ? { width: terminal.columns, styleHead: (h: string) => c.bold(h) }
    : undefined;
  terminal.err(describeBalance(balance, who, box).trimEnd());
  if (balance.moves.length === 0 || o.dryRun) {
    // Nothing left to move of a rebalance stopped before: the same command ends it, as an offboarding's does.
    const closed =
      balance.moves.length === 0 && p.continues && !o.dryRun
        ? closeIdleJob(stateDir(ctx.session.env), work, ctx.now, (m) => terminal.err(`note: ${m}`))
        : undefined;
    const report = buildReport({ ...work, dryRun: !closed, ...(closed && { job: closed.job }) });
    if (output.format === 'json') await output.json(report);
    else if (balance.moves.length > 0) await printBalancePreview(output, balance, p.tasks, who);
    const unwritten =
      o.report && balance.moves.length > 0
        ? await writeReport(ctx, client, o.report, report, who, undefined)
        : undefined;
    terminal.err(
      balance.moves.length === 0
        ? balance.within
          ? 'Every member is within the tolerance: nothing to move.'
          : 'No whole-run move narrows the gap: nothing to move.'
        : 'Dry run: nothing was changed.',
    );
    if (closed?.ended) terminal.err(`Job ${closed.job.id}: nothing left to move; recorded as ended.`);
    if (unwritten) throw new PartialFailureError(unwritten);
    return;
  }
  const asked = ctx.now();
  await confirmCount(ctx, o.yes, balance.tasks, `Move ${balance.tasks} tasks in ${balance.runs} runs?`);
  await runWork(ctx, client, work, {
    who,
    started: began + (ctx.now() - asked),
    concurrency: o.concurrency,
    report: o.report,
  });
}
