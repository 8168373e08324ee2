import { holdJob, holdLeaver, type JobLock } from '../locks.js';
import type { ApiClient } from '../../api/client.js';
import type { Task, TaskQuery } from '../../api/types.js';
import type { JobChange, JobSpec, JobTerms, MoveReport, TaskFate, Workspace } from '../../domain/job.js';
import { planOffboard, type ReassignPlan, type Successor } from '../../domain/plan.js';
import type { Who } from '../../domain/task.js';
import { collectOpenTasks, openListingCost } from '../listing.js';
import { buildReport } from '../jobs/report.js';
import { closeIdleJob, type JobWork } from '../jobs/run.js';
import { openTasksByRun, preflight } from '../jobs/runs.js';
import { jobSoFar, type SoFar } from '../jobs/state.js';
import { Job } from '../jobs/store.js';
import { blockedRuns } from '../jobs/verify.js';
import { describeLines } from '../jobs/journal.js';
import { UsageError } from '../../errors.js';

/**
 * Offboarding's plan: every open task of a leaver to one or several successors, by sequence run, as a job
 * that keeps its promises across runs (the cap and the weights count what earlier runs gave).
 */

export interface OffboardOptions {
  from: string;
  successors: Successor[];
  cap: number | undefined;
  /** The subset to move (types, priorities, templates, creation bounds), as for `tasks list`. */
  filters: Omit<TaskQuery, 'status' | 'assigneeUserId'>;
  until: string | undefined;
  /**
   * `--until` was a time from now (`14d`), this long in ms: the same words again, on another day, are the same
   * cover (said without a note); other words (`7d`) are noted.
   */
  untilSpan?: number;
  dryRun: boolean;
  concurrency: number;
  /** Only these of the leaver's tasks (a sweep's, where a newer job of the same leaver takes the rest). */
  only?: ReadonlySet<string>;
  /**
   * The job to go on with, as its header says it (a sweep's: a plan file applied, or a cover started again,
   * is a job of its own that the same rules said again would not find).
   */
  spec?: JobSpec;
}

export interface OffboardDeps {
  client: ApiClient;
  now: () => number;
  who: Who;
  /** Where journals are kept, and this run's workspace (a job belongs to one). */
  stateDir: string;
  workspace: Workspace;
  /** Told the job as earlier runs left it, as soon as it is read (before the API is asked anything). */
  onEarlier?: (job: Job) => void;
  /**
   * Takes the leaver's lock and the job's before its journal is read (not for a dry run): one run of a job,
   * and one offboarding of a person, at a time.
   */
  lock?: JobLock | undefined;
}

/** An offboarding planned: the work to run, and what the plan was made from. */
export interface OffboardPlan {
  work: JobWork;
  plan: ReassignPlan;
  /** The leaver's open tasks in the subset, by id. */
  tasks: Map<string, Task>;
  /** The job as earlier runs left it (undefined: never ran). */
  before: Job | undefined;
  sofar: SoFar;
  /** The job goes on with terms other than its earlier runs had, or keeps the end its first run recorded. */
  changed: JobChange | undefined;
}

export async function planOffboarding(d: OffboardDeps, o: OffboardOptions): Promise<OffboardPlan> {
  const { client } = d;
  const query = { assigneeUserId: o.from, ...o.filters };
  const spec: JobSpec = o.spec
    ? { ...o.spec }
    : {
        ...d.workspace,
        from: o.from,
        to: o.successors.map((s) => ({ id: s.id, weight: s.weight })),
        cap: o.cap ?? null,
        filters: { ...o.filters },
        until: o.until ?? null,
      };
  if (!o.dryRun && d.lock) {
    await holdLeaver(d.lock, o.from, d.who(o.from));
    await holdJob(d.lock, () => Job.idOf(d.stateDir, spec));
  }
  // What earlier runs of this job did: read before the plan, which must keep the job's promises.
  const before = Job.existing(d.stateDir, spec);
  if (before) d.onEarlier?.(before);
  // With lines of its moves unreadable, what a capped job gave each successor is not known: it does not go on
  // from a guess (past the cap). The header's line aside: a damaged header is written again, its moves whole.
  const lost = before?.lostMoves() ?? [];
  if (before && lost.length > 0 && !o.dryRun && (spec.cap ?? before.terms()?.cap ?? null) !== null)
    throw new UsageError(
      `journal ${before.path}: ${describeLines(lost)} cannot be read, so what job ${before.id} gave each successor under its --cap is not known; restore ${lost.length === 1 ? 'that line' : 'those lines'} (or undo the job: --undo ${before.id} works on the others)`,
    );
  const changed = before?.header ? changeOf(before, spec, o.untilSpan) : undefined;
  // A cover keeps the end its first run recorded: `--until 14d` run again is the same cover.
  if (before?.header?.until) spec.until = before.header.until;
  const plannedAt = d.now();
  // Reads only, side by side: the key's scopes (nothing is written without them), the leaver's open tasks,
  // what a walk of the workspace's open tasks would cost, and the calls an earlier run left unanswered.
  const mine = (all: Task[]) => (o.only ? all.filter((t) => o.only!.has(t.id)) : all);
  const [, tasks, workspaceCost, sofar] = await Promise.all([
    o.dryRun ? undefined : preflight(client),
    collectOpenTasks(client, query, o.concurrency).then(mine),
    openListingCost(client, {}),
    jobSoFar(client, before, d.now, o.concurrency),
  ]);
  const runIds = [...new Set(tasks.map((t) => t.sequence_id))];
  const runs = await openTasksByRun(client, runIds, workspaceCost, o.concurrency);
  const plan = planOffboard(tasks, (id) => runs.get(id) ?? [], o.successors, o.cap, d.who, sofar);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const fates = fatesOf(plan, byId, o.from);
  // What earlier runs moved (late answers found included): the report covers the whole job.
  const earlier = [...sofar.standing.values()].filter((r) => r.result === 'moved' && !fates.has(r.task_id));
  // Runs that may still wait on a task nobody does: one unassigned, or one the leaver keeps outside the subset
  // (a rerun checks the runs the job moved; this run checks the same ones, knowing them from the plan).
  const stuckRuns = [...runs]
    .filter(([, open]) =>
      open.some((t) => t.assignee_user_id === null || (t.assignee_user_id === o.from && !byId.has(t.id))),
    )
    .map(([id]) => id);
  const work: JobWork = {
    kind: 'reassign',
    phase: 'move',
    spec,
    plan,
    moves: plan.moves.filter((m) => m.to).map((m) => ({ ...m, from: o.from })),
    fates,
    earlier,
    reconciled: sofar.reconciled,
    planned: plan.tasks,
    plannedAt,
    openJournal: (observer) => {
      const job = Job.open(d.stateDir, spec, new Date(d.now()), (m) => observer.note(m));
      observer.opened(job);
      return job;
    },
    // What the leaver holds now, within the subset: failures, tasks created meanwhile, the cap's share.
    left: async () => mine(await collectOpenTasks(client, query, o.concurrency)).map((t) => t.id),
    kept: plan.kept,
    blockedCheck: (remaining) => ({
      leaver: o.from,
      known: blockedCandidates(fates, remaining, plan.kept, stuckRuns),
      // A resumed job's report checks the runs earlier runs moved too.
      earlier: earlier.map((r) => r.sequence_id),
    }),
  };
  return { work, plan, tasks: byId, before, sofar, changed };
}

/** What this run asks differently from what the job holds (undefined: nothing). */
function changeOf(before: Job, spec: JobSpec, untilSpan: number | undefined): JobChange | undefined {
  const change: JobChange = { id: before.id };
  const was = before.terms();
  const weights = (t: JobTerms) =>
    JSON.stringify(t.to.map((x) => [x.id, x.weight]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
  if (was && (was.cap !== spec.cap || weights(was) !== weights(spec))) {
    change.was = was;
    change.now = { cap: spec.cap, to: spec.to };
  }
  const kept = before.header?.until;
  if (kept && spec.until && kept !== spec.until && !sameWords(before.header!.created, kept, untilSpan))
    change.until = { kept, asked: spec.until };
  return change.was || change.until ? change : undefined;
}

/**
 * A time from now asked again in the words of the cover's first run: its first run plus this span is the end it
 * recorded (give or take the minutes between reading the words and starting the job).
 */
function sameWords(created: string, kept: string, span: number | undefined): boolean {
  if (span === undefined) return false;
  const drift = Date.parse(created) + span - Date.parse(kept);
  return Math.abs(drift) <= Math.min(10 * 60_000, span / 20);
}

function fatesOf(plan: ReassignPlan, byId: Map<string, Task>, from: string): Map<string, TaskFate> {
  const fates = new Map<string, TaskFate>();
  for (const move of plan.moves)
    for (const id of move.task_ids)
      fates.set(id, {
        task: byId.get(id)!,
        from,
        to: move.to,
        result: move.to ? 'not_started' : 'kept',
        reason: move.to ? null : 'cap',
      });
  return fates;
}

/** Runs that may be blocked: those the plan saw stuck, and those of what is left or kept. */
function blockedCandidates(
  fates: Map<string, TaskFate>,
  remaining: string[],
  kept: string[],
  stuckRuns: string[],
): string[] {
  const known = new Set(stuckRuns);
  for (const fate of fates.values())
    if (remaining.includes(fate.task.id) || kept.includes(fate.task.id)) known.add(fate.task.sequence_id);
  return [...known];
}

/** An offboarding with nothing to move, closed: what its report says, and whether the job was ended now. */
export interface IdleOffboarding {
  report: MoveReport;
  /** The job this run recorded as ended (it had been stopped or interrupted before), if any. */
  ended: Job | undefined;
}

/**
 * Nothing to move: the same command run again with nothing left ends its job, stopped or interrupted before;
 * a job that ran before is checked for runs still blocked.
 */
export async function closeIdle(
  d: OffboardDeps,
  p: OffboardPlan,
  o: OffboardOptions,
  note: (m: string) => void,
): Promise<IdleOffboarding> {
  const { work } = p;
  const closed = o.dryRun || !p.before ? undefined : closeIdleJob(d.stateDir, work, d.now, note);
  const job = closed?.job;
  const ended = closed?.ended ? job : undefined;
  const blocked = job
    ? await blockedRuns(d.client, o.from, {
        known: [...new Set(p.plan.kept.map((id) => p.tasks.get(id)!.sequence_id))],
        earlier: work.earlier.map((r) => r.sequence_id),
        concurrency: o.concurrency,
      })
    : null;
  const report = buildReport({ ...work, dryRun: o.dryRun, ...(job && { job }), blocked });
  return { report, ended };
}
