import type { ApiClient } from '../api/client.js';
import type { Context } from '../context.js';
import type { MoveRecord, MoveReport, Workspace } from '../domain/job.js';
import { whoFrom, type Who } from '../domain/task.js';
import { plural } from '../basics/text.js';
import { EXIT, InterruptedError, PartialFailureError, TopoError, type Signal } from '../errors.js';
import { blockedLines, jobChangeLines, summaryLines } from '../output/jobs.js';
import { describePlan, printMovePreview, renderReport } from '../output/offboard.js';
import { jobObserver } from '../output/progress.js';
import { describeError } from '../output/errors.js';
import { makeChalk } from '../output/color.js';
import { campaignNames, buildReport, NAMES_AFTER_STOP_MS, writeReportFile } from '../services/jobs/report.js';
import { jobFailure, runJob, type JobWork } from '../services/jobs/run.js';
import { Stop } from '../services/jobs/stop.js';
import {
  closeIdle,
  planOffboarding,
  type OffboardDeps,
  type OffboardOptions,
  type OffboardPlan,
} from '../services/offboard/plan.js';
import { Job, inWorkspace } from '../services/jobs/store.js';
import type { JobLock } from '../services/locks.js';

/**
 * The course of a job as the person lives it, whatever its kind: the plan said, a dry run or a confirmation
 * (the task count typed), the run with its progress and Ctrl-C, then the report, `--json` and the summary. A
 * kind of job brings its planner (services/) and how its plan reads (output/); the rest is here.
 */

/** Runs a planned job: journal, calls, checks, report file, `--json`, summary; then its exit code. */
export async function runWork(
  ctx: Context,
  client: ApiClient,
  work: JobWork,
  o: {
    who: Who;
    started: number;
    concurrency: number;
    report: string | undefined;
    /** Several jobs in one command (a sweep): each report is kept here for one JSON array, not printed. */
    reports?: MoveReport[];
  },
): Promise<void> {
  const { terminal, output } = ctx;
  const observer = jobObserver(terminal, ctx.now);
  const stop = new Stop((handler) => terminal.onInterrupt(handler), observer.stopping);
  try {
    const result = await runJob(work, {
      client,
      now: ctx.now,
      who: o.who,
      stop,
      observer,
      concurrency: o.concurrency,
      started: o.started,
    });
    const unwritten = o.report
      ? await writeReport(ctx, client, o.report, result.report, o.who, stop)
      : undefined;
    // A Ctrl-C from here on comes too late to change what the journal says.
    const interrupted = stop.signal;
    stop.doing = 'finishing the summary';
    if (o.reports) o.reports.push(result.report);
    else if (output.format === 'json') await output.json(result.report);
    for (const line of summaryLines(result.report, o.who)) terminal.err(line);
    const { verifyError, blockedUnknown } = result.verification;
    if (verifyError)
      terminal.err(
        `Not verified: listing what is left failed (${describeError(verifyError)}); check with 'topo tasks list${work.spec.from ? ` -a ${work.spec.from}` : ''}'.`,
      );
    if (blockedUnknown)
      terminal.err(
        "note: which runs are still blocked could not be checked: the key lacks 'sequences:read'.",
      );
    const failure = jobFailure(result, interrupted, unwritten);
    if (failure) throw failure;
  } finally {
    stop.end();
  }
}

/**
 * `--report <file>`, with each run's campaign name (after a Ctrl-C, looked up for a few seconds at most). A report that cannot
 * be written is printed on stderr instead; the reason is returned, for exit 6 once the summary is said.
 */
export async function writeReport(
  ctx: Context,
  client: ApiClient,
  path: string,
  report: MoveReport,
  who: Who,
  stop: Stop | undefined,
): Promise<string | undefined> {
  const { terminal } = ctx;
  const runIds = report.tasks.map((t) => t.sequence_id);
  const names = await campaignNames(client, runIds, stop, (n) => ctx.noteEnrichment(n));
  if (!names)
    terminal.err(
      `note: the report has no campaign names: looking them up took more than ${NAMES_AFTER_STOP_MS / 1000} s after the stop.`,
    );
  const text = renderReport(path, report, who, names ?? new Map());
  const reason = writeReportFile(path, text);
  if (reason === undefined) {
    terminal.err(report.dry_run ? `Report (the plan; nothing moved): ${path}` : `Report: ${path}`);
    return undefined;
  }
  // Checked before anything moved; a disk that fills or a folder removed since must not lose the report.
  terminal.err(`warning: the report could not be written to ${path} (${reason}); here it is:`);
  terminal.err(text.trimEnd());
  return `the report could not be written to ${path} (${reason}); it was printed on stderr`;
}

/**
 * Planning only reads: a Ctrl-C or SIGTERM while it runs ends it at once (its requests let go), saying that
 * nothing was changed, with 130 or 143. Nothing is journaled before the run starts.
 */
export async function cancellable<T>(
  ctx: Context,
  client: ApiClient,
  planning: () => Promise<T>,
  said = 'cancelled: nothing was changed',
): Promise<T> {
  let cancel: (signal: Signal) => void = () => undefined;
  const cancelled = new Promise<never>((_, reject) => {
    cancel = (signal) => reject(new InterruptedError(said, signal));
  });
  const dispose = ctx.terminal.onInterrupt((signal) => {
    client.abandon();
    cancel(signal);
  });
  try {
    const work = planning();
    work.catch(() => undefined);
    return await Promise.race([work, cancelled]);
  } finally {
    dispose();
  }
}

/** On a terminal the person types the number of tasks (unless --yes); anything else cancels. */
export async function confirmCount(ctx: Context, yes: boolean, count: number, what: string): Promise<void> {
  if (yes) return;
  const answer = await (await ctx.terminal.prompter()).input(`${what} Type ${count} to confirm:`);
  if (answer.trim().replace(/,/g, '') !== String(count)) {
    throw new TopoError('cancelled: the number did not match; nothing was changed', EXIT.cancelled);
  }
}

/** The state folder of this run (jobs, sweeps). */
export async function stateDir(ctx: Context): Promise<string> {
  return (await import('../config/paths.js')).stateDir(ctx.session.env);
}

/** Takes a lock of the jobs folder for the rest of the command: one run (or undo) of a job at a time. */
export async function jobLock(ctx: Context): Promise<JobLock> {
  const { jobsDir } = await import('../config/paths.js');
  const dir = jobsDir(await stateDir(ctx));
  return (name, busy) => ctx.locks.hold(dir, name, busy);
}

/** Nothing to move: said, the job closed when it was stopped before, its report and blocked runs given. */
async function idleOffboarding(
  ctx: Context,
  deps: OffboardDeps & { client: ApiClient; who: Who },
  p: OffboardPlan,
  o: OffboardOptions & { report: string | undefined },
): Promise<void> {
  const { terminal } = ctx;
  const { client, who } = deps;
  terminal.err(
    p.tasks.size === 0
      ? `${who(o.from)} holds no open tasks${Object.keys(o.filters).length ? ' matching the filters' : ''}: nothing to do.`
      : `Every task stays with ${who(o.from)} (the cap): nothing to move.`,
  );
  const idle = await closeIdle(deps, p, o, (m) => terminal.err(`note: ${m}`));
  if (idle.ended) terminal.err(`Job ${idle.ended.id}: nothing left to move; recorded as ended.`);
  const unwritten = o.report
    ? await writeReport(ctx, client, o.report, idle.report, who, undefined)
    : undefined;
  if (ctx.output.format === 'json') await ctx.output.json(idle.report);
  for (const line of blockedLines(idle.report, who)) terminal.err(line);
  if (unwritten) throw new PartialFailureError(unwritten);
}

/** Offboarding: plan, then nothing to do, a dry run, or the job run after the confirmation. */
export async function offboard(
  ctx: Context,
  o: OffboardOptions & { yes: boolean; report: string | undefined },
): Promise<void> {
  const { terminal } = ctx;
  // The cost is counted from here, as the requests are: the listing's requests count toward the floor too.
  const began = ctx.now();
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const deps = {
    client,
    now: ctx.now,
    who,
    stateDir: await stateDir(ctx),
    workspace: await ctx.session.workspace(),
  };
  const lock = await jobLock(ctx);
  const p = await cancellable(ctx, client, () =>
    planOffboarding(
      {
        ...deps,
        onEarlier: (job: Job) => job.unreadable.length > 0 && terminal.err(`note: ${job.unreadableNote()}`),
        lock,
      },
      o,
    ),
  );
  const { plan, work } = p;
  if (p.changed) for (const line of jobChangeLines(p.changed, who)) terminal.err(line);
  if (!p.before) for (const line of otherJobsOf(deps, o.from, who)) terminal.err(line);
  for (const line of reconciledNotes(p.sofar.reconciled, 'job')) terminal.err(line);
  if (plan.tasks === 0) return idleOffboarding(ctx, { ...deps, client, who }, p, o);
  const title = `Plan: move ${plural(plan.tasks, 'open task')} from ${who(o.from)} to ${o.successors.map((s) => who(s.id)).join(', ')}`;
  const c = makeChalk(terminal.stderrColor);
  const box = terminal.stderrIsTTY
    ? { width: terminal.columns, styleHead: (h: string) => c.bold(h) }
    : undefined;
  terminal.err(describePlan(plan, title, who, terminal.stderrIsTTY, p.sofar.given, box).trimEnd());
  if (o.dryRun) {
    const report = buildReport({ ...work, dryRun: true });
    if (ctx.output.format === 'json') await ctx.output.json(report);
    else await printMovePreview(ctx.output, plan, p.tasks, who);
    // The planned report: what would move, to whom, for a review before the run.
    const unwritten = o.report ? await writeReport(ctx, client, o.report, report, who, undefined) : undefined;
    terminal.err('Dry run: nothing was changed.');
    if (unwritten) throw new PartialFailureError(unwritten);
    return;
  }
  const asked = ctx.now();
  await confirmCount(ctx, o.yes, plan.tasks, `Move ${plan.tasks} tasks from ${who(o.from)}?`);
  // The time at the question is the person's, not the job's.
  await runWork(ctx, client, work, {
    who,
    started: began + (ctx.now() - asked),
    concurrency: o.concurrency,
    report: o.report,
  });
}

/**
 * Calls an earlier run left without an answer, found landed: said before the plan (a job's, or a plan file's).
 * Those of an undo or a give-back the job was stopped in are said as what they are: tasks back.
 */
export function reconciledNotes(records: readonly MoveRecord[], of: 'job' | 'plan'): string[] {
  const moved = records.filter((r) => r.phase === 'move').length;
  const back = records.length - moved;
  return [
    ...(moved > 0
      ? [
          `note: the API shows ${plural(moved, 'task')} moved whose call an earlier run of this ${of} left without an answer: counted as moved.`,
        ]
      : []),
    ...(back > 0
      ? [
          `note: the API shows ${plural(back, 'task')} moved back whose call an undo or a give-back of this ${of} left without an answer: no longer counted as moved.`,
        ]
      : []),
  ];
}

/**
 * A new job of a leaver whose tasks other jobs moved before (other successors, filters, a plan): said, as its
 * cap and weights count only its own moves. Jobs given back or undone are left out.
 */
function otherJobsOf(d: { stateDir: string; workspace: Workspace }, from: string, who: Who): string[] {
  return Job.all(d.stateDir)
    .filter((j) => inWorkspace(j, d.workspace) && j.header?.from === from && !j.closed())
    .map((j) => ({
      job: j,
      moved: [...j.standing().values()].filter((r) => r.result === 'moved').length,
    }))
    .filter(({ moved }) => moved > 0)
    .map(
      ({ job, moved }) =>
        `note: job ${job.id} moved ${moved} of ${who(from)}'s tasks (to ${job.header!.to.map((t) => who(t.id)).join(', ')}${job.header!.plan ? ', a plan applied' : ''}): this is a new job, whose cap and weights do not count them (the same --to and filters again go on with that job).`,
    );
}
