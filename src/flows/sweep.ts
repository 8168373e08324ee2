import type { Context } from '../context.js';
import type { MoveReport } from '../domain/job.js';
import { whoFrom } from '../domain/task.js';
import { plural } from '../basics/text.js';
import { isoSeconds } from '../basics/time.js';
import { PartialFailureError, UsageError } from '../errors.js';
import { planOffboarding } from '../services/offboard/plan.js';
import {
  reachedSince,
  recordSweep,
  rulesOf,
  stillSweepable,
  sweepableJobs,
  sweepLock,
} from '../services/offboard/sweep.js';
import { jobBusy, LockedError } from '../services/locks.js';
import { cancellable, confirmCount, jobLock, runWork } from './job.js';
import { printMovePreviews } from '../output/offboard.js';
import { buildReport } from '../services/jobs/report.js';

/**
 * `tasks reassign --sweep`: every offboarding done (and cover covering) of the workspace applied again to what
 * reached its leaver since, by its own rules, journaled into the same job. Made for cron: one at a time, one
 * line when there is nothing to sweep.
 */
export async function sweep(
  ctx: Context,
  o: { yes: boolean; dryRun: boolean; concurrency: number },
): Promise<void> {
  const { terminal, output } = ctx;
  const { stateDir: stateDirOf } = await import('../config/paths.js');
  const stateDir = stateDirOf(ctx.session.env);
  const workspace = await ctx.session.workspace();
  const lock = await jobLock(ctx);
  const release = o.dryRun ? undefined : await sweepLock(stateDir);
  try {
    const problems: string[] = [];
    const jobs = sweepableJobs(stateDir, workspace, ctx.now(), problems);
    for (const problem of problems) terminal.err(`note: ${problem}`);
    const client = await ctx.session.api();
    const who = whoFrom(await ctx.people.names());
    const candidates = await cancellable(ctx, client, () => reachedSince(client, jobs));
    const reached = candidates.filter((c) => c.reached > 0);
    const total = reached.reduce((n, c) => n + c.reached, 0);
    if (total === 0) {
      const capped = candidates.reduce((n, c) => n + c.capped, 0);
      const finished = plural(
        jobs.length,
        'finished offboarding or cover',
        'finished offboardings or covers',
      );
      terminal.err(
        jobs.length === 0
          ? 'Nothing to sweep: no offboarding of this workspace is done and no cover is covering.'
          : capped > 0
            ? `Nothing to sweep: ${plural(capped, 'open task')} ${capped === 1 ? 'stays' : 'stay'} with the leaver of ${finished}: the room the successors have left under --cap takes no whole run of ${capped === 1 ? 'it' : 'them'}.`
            : `Nothing to sweep: no open task has reached the leaver of ${finished} since.`,
      );
      if (!o.dryRun) recordSweep(stateDir, workspace, { time: isoSeconds(ctx.now()), moved: 0 });
      if (output.format === 'json') await output.json([]);
      return;
    }
    for (const c of reached)
      terminal.err(
        `Job ${c.job.id} (${who(c.header.from)} → ${c.header.to.map((t) => who(t.id)).join(', ')}): ${plural(c.reached, 'open task')} reached ${who(c.header.from)} since.`,
      );
    if (o.dryRun) {
      // Each job's plan, as its sweep would make it: the tasks on stdout, the jobs' planned reports in --json.
      const planned = [];
      for (const c of reached) {
        const rules = rulesOf(c.job, { dryRun: true, concurrency: o.concurrency, only: c.only });
        if (!rules) continue;
        planned.push(
          await cancellable(ctx, client, () =>
            planOffboarding({ client, now: ctx.now, who, stateDir, workspace }, rules),
          ),
        );
      }
      if (output.format === 'json')
        await output.json(
          planned.map((p) => buildReport({ ...p.work, dryRun: true, ...(p.before && { job: p.before }) })),
        );
      else await printMovePreviews(output, planned, who);
      terminal.err('Dry run: nothing was changed.');
      return;
    }
    await confirmCount(ctx, o.yes, total, `Sweep ${total} tasks to the successors of their jobs?`);
    const reports: MoveReport[] = [];
    let failure: unknown;
    for (const c of reached) {
      // A job held by another run, or whose journal cannot be counted on, is said and left; the others go on.
      const skipped = (error: unknown) => {
        if (!(error instanceof LockedError || error instanceof UsageError)) throw error;
        terminal.err(
          `note: job ${c.job.id} not swept: ${error instanceof LockedError ? 'another topo process is using it (a run, an undo or a sweep of it)' : error.message}`,
        );
        failure ??= new PartialFailureError(`job ${c.job.id} was not swept; run the sweep again`);
      };
      // The job is held from here to the end of its sweep, and read again: an undo or a give-back that ended it
      // since the sweep began takes it out (its work is not moved again, as a new job).
      try {
        await lock(c.job.id, jobBusy(c.job.id));
      } catch (error) {
        skipped(error);
        continue;
      }
      if (!stillSweepable(c.job, ctx.now())) {
        terminal.err(
          `note: job ${c.job.id} has ended since the sweep began (undone, given back, or its cover over): not swept.`,
        );
        continue;
      }
      const rules = rulesOf(c.job, { dryRun: false, concurrency: o.concurrency, only: c.only });
      if (!rules) {
        terminal.err(
          `note: job ${c.job.id} was recorded by an older version; its rules cannot be applied again.`,
        );
        continue;
      }
      const began = ctx.now();
      // A stop while a job is planned: nothing of it changed (what jobs before it moved is said above).
      let p;
      try {
        p = await cancellable(
          ctx,
          client,
          () => planOffboarding({ client, now: ctx.now, who, stateDir, workspace, lock }, rules),
          reports.length === 0
            ? 'cancelled: nothing was changed'
            : `cancelled before job ${c.job.id}: what the jobs before it moved stays moved`,
        );
      } catch (error) {
        skipped(error);
        continue;
      }
      if (p.plan.tasks === 0) {
        terminal.err(
          p.plan.kept.length > 0
            ? `Job ${c.job.id}: every task stays with ${who(c.header.from)} (its successors are at --cap).`
            : `Job ${c.job.id}: nothing left to move (what reached ${who(c.header.from)} was closed or moved since).`,
        );
        continue;
      }
      p.work.sweep = true;
      try {
        await runWork(ctx, client, p.work, {
          who,
          started: began,
          concurrency: o.concurrency,
          report: undefined,
          reports,
        });
      } catch (error) {
        // One job's trouble does not keep the others from their sweep; it is said, and the exit code says it.
        if (!(error instanceof PartialFailureError)) throw error;
        failure ??= error;
      }
    }
    recordSweep(stateDir, workspace, {
      time: isoSeconds(ctx.now()),
      moved: reports.reduce(
        (n, r) => n + r.tasks.filter((t) => t.result === 'moved' && t.reason !== 'in an earlier run').length,
        0,
      ),
    });
    if (output.format === 'json') await output.json(reports);
    if (failure) throw failure;
  } finally {
    await release?.();
  }
}
