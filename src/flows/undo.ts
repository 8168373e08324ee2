import type { Context } from '../context.js';
import { whoFrom } from '../domain/task.js';
import { plural } from '../basics/text.js';
import { PartialFailureError, UsageError } from '../errors.js';
import { nothingBackLine, undoPlanLines } from '../output/jobs.js';
import { printBackPreview } from '../output/offboard.js';
import { buildReport } from '../services/jobs/report.js';
import { planUndo } from '../services/offboard/undo.js';
import { Job } from '../services/jobs/store.js';
import { jobBusy, LockedError } from '../services/locks.js';
import { cancellable, confirmCount, jobLock, runWork, stateDir } from './job.js';

/**
 * Undoing a job (`--undo`) and giving back covers whose end has come (`--return`): each task back to whom it came
 * from, where it is still open and still with whom the job gave it; run by the common course of a job (job.ts).
 */

/** The job `--undo` names (its id, `last` of this workspace, or a journal file): found before anything else. */
export async function findJob(ctx: Context, idOrPath: string): Promise<Job> {
  const [{ Job, inWorkspace }, { describeWorkspace }] = await Promise.all([
    import('../services/jobs/store.js'),
    import('../domain/job.js'),
  ]);
  const workspace = await ctx.session.workspace();
  const problems: string[] = [];
  const job = Job.find(await stateDir(ctx), idOrPath, workspace, problems);
  for (const problem of problems) ctx.terminal.err(`note: ${problem}`);
  // Another API is another workspace: its tasks are not here, and an undo here would act on the wrong one.
  if (job.header && job.header.api_url !== workspace.api_url) {
    const where = job.header.api_url === 'sandbox' ? '--sandbox' : `--api-url ${job.header.api_url}`;
    throw new UsageError(
      `job ${job.id} ran against another API (${describeWorkspace(job.header)}); this is ${describeWorkspace(workspace)}: undo it there (${where}, with a key of that workspace)`,
    );
  }
  // The same API under another profile's name (a journal from another machine): said, and undone here.
  if (job.header && !inWorkspace(job, workspace))
    ctx.terminal.err(
      `note: job ${job.id} ran in another workspace (${describeWorkspace(job.header)}); this is ${describeWorkspace(workspace)}.`,
    );
  return job;
}

/** Undoing a job, or giving back a temporary cover: each task back to whom it came from, if unchanged. */
export async function undo(
  ctx: Context,
  options: { job: Job; phase: 'undo' | 'return'; dryRun: boolean; yes: boolean; concurrency: number },
): Promise<void> {
  const { terminal, output } = ctx;
  const began = ctx.now();
  let o = options;
  // Held from here, and read again once held: what another run of the job journaled meanwhile (a sweep, a
  // rerun) is undone too, and a cover given back meanwhile is not given back twice.
  if (!o.dryRun) {
    await (
      await jobLock(ctx)
    )(o.job.id, jobBusy(o.job.id));
    o = { ...o, job: Job.read(o.job.path) };
    if (o.phase === 'return' && o.job.givenBack()) {
      terminal.err(`Job ${o.job.id}: given back already, meanwhile; nothing to do.`);
      return;
    }
  }
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  // What cannot be read is said, and the rest is undone.
  if (o.job.unreadable.length > 0)
    terminal.err(
      `note: ${o.job.unreadableNote()}; what the others record is ${o.phase === 'undo' ? 'undone' : 'given back'}`,
    );
  const u = await cancellable(ctx, client, () => planUndo({ client, who, now: ctx.now }, o));
  const foundMoved = u.reconciled.filter((r) => r.phase === 'move').length;
  const foundBack = u.reconciled.length - foundMoved;
  if (foundMoved > 0)
    terminal.err(
      `note: the API shows ${plural(foundMoved, 'task')} moved whose call the job left without an answer: counted as moved.`,
    );
  if (foundBack > 0)
    terminal.err(
      `note: the API shows ${plural(foundBack, 'task')} moved back whose call an earlier ${o.phase} of this job left without an answer: counted as moved back.`,
    );
  const alreadyBack = u.work.earlier.length;
  for (const line of undoPlanLines({ ...u, alreadyBack }, o.phase, terminal.stderrIsTTY)) terminal.err(line);
  if (u.back.length === 0 || o.dryRun) {
    if (u.back.length === 0) {
      // What was found landed is journaled, so --jobs counts it too.
      if (!o.dryRun && u.reconciled.length > 0) {
        o.job.prepareAppend((m) => terminal.err(`note: ${m}`));
        o.job.append(u.reconciled);
      }
      terminal.err(nothingBackLine(o.phase, u.moved.length, alreadyBack, u.leftAlone.length + alreadyBack));
    }
    const report = { ...buildReport({ ...u.work, dryRun: o.dryRun, job: o.job }), skipped: u.leftAlone };
    if (output.format === 'json') await output.json(report);
    else if (u.back.length > 0)
      await printBackPreview(
        output,
        u.back.map((b) => ({ task: b.task, to: b.record.from! })),
        who,
      );
    if (u.back.length > 0) terminal.err('Dry run: nothing was changed.');
    return;
  }
  const verb = o.phase === 'undo' ? 'Undo' : 'Give back';
  const asked = ctx.now();
  await confirmCount(ctx, o.yes, u.back.length, `${verb} ${u.back.length} tasks?`);
  await runWork(ctx, client, u.work, {
    who,
    started: began + (ctx.now() - asked),
    concurrency: o.concurrency,
    report: undefined,
  });
}

/** Covers whose end has come: each given back, when confirmed. */
export async function giveBack(
  ctx: Context,
  o: { dryRun: boolean; yes: boolean; concurrency: number },
): Promise<void> {
  const { dueReturns } = await import('../services/offboard/return.js');
  const r = dueReturns(await stateDir(ctx), await ctx.session.workspace(), ctx.now());
  for (const problem of r.problems) ctx.terminal.err(`note: ${problem}`);
  if (r.due.length === 0) {
    ctx.terminal.err(
      `Nothing to give back: no cover job has reached its --until date${r.returned ? ` and not been given back yet (${plural(r.returned, 'job')} given back already)` : ''}.`,
    );
    if (ctx.output.format === 'json') await ctx.output.json([]);
    return;
  }
  // One cover in use (another run holds it) or whose calls partly failed does not keep the others: each is
  // said, and the exit code says it (6).
  let failure: unknown;
  for (const job of r.due) {
    try {
      await undo(ctx, { job, phase: 'return', ...o });
    } catch (error) {
      if (error instanceof LockedError) {
        ctx.terminal.err(
          `note: job ${job.id} not given back: another topo process is using it (a run, an undo or a sweep of it).`,
        );
        failure ??= new PartialFailureError(`job ${job.id} was not given back; run --return again`);
      } else if (error instanceof PartialFailureError) failure ??= error;
      else throw error;
    }
  }
  if (failure) throw failure;
}
