import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type {
  JobMove,
  JobObserver,
  JobSpec,
  MoveRecord,
  MoveReport,
  Phase,
  TaskFate,
} from '../../domain/job.js';
import type { ReassignPlan } from '../../domain/plan.js';
import type { Who } from '../../domain/task.js';
import { plural } from '../../basics/text.js';
import { isoSeconds } from '../../basics/time.js';
import { InterruptedError, PartialFailureError, type Signal } from '../../errors.js';
import { isAuthFailure } from '../bulk.js';
import { execute, type ExecuteOptions, type Execution } from './execute.js';
import { buildReport } from './report.js';
import type { Stop } from './stop.js';
import { Job } from './store.js';
import { verify, type Verification, type VerifyOptions } from './verify.js';

/**
 * The course every kind of job runs once planned and confirmed: its journal opened, the run's start written,
 * the calls (execute), the checks (verify), the run's end written, the report. A kind of job is a planner that
 * makes a JobWork; this runs it.
 */

export interface JobWork {
  kind: MoveReport['kind'];
  phase: Phase;
  spec: JobSpec;
  /** The distribution, for a job that shares work out (null for an undo or a return). */
  plan: ReassignPlan | null;
  moves: JobMove[];
  /** Every task this run deals with, by id ('not_started' until its call; 'kept', 'skipped' as planned). */
  fates: Map<string, TaskFate>;
  /** What earlier runs of the job moved (and this run did not plan again): reported with this run's. */
  earlier: MoveRecord[];
  /** Calls an earlier run left unanswered that the API shows landed: journaled as moved first. */
  reconciled: MoveRecord[];
  /** Tasks left alone, known before the run: reported as skipped with what it does. */
  skipped?: TaskFate[];
  /** Tasks planned to move, for the run's first journal line. */
  planned: number;
  /** Opens the journal (a new job, more of one, or an undo appended to its job). */
  openJournal(observer: JobObserver): Job;
  /** Afterwards: what the holder still holds of what the job should have moved. */
  left: VerifyOptions['left'];
  kept: string[];
  blockedCheck: VerifyOptions['blocked'];
  stopsJob?: ExecuteOptions['stopsJob'];
  /** A sweep's run (its run and end lines say so, for `--jobs`). */
  sweep?: boolean;
  /** A rebalance's loads and moves, for its report. */
  team?: MoveReport['team'];
  /** When the plan read the runs (ms): the runs are then looked at by batches just before their calls. */
  plannedAt?: number;
}

export interface JobRunOptions {
  client: ApiClient;
  now: () => number;
  who: Who;
  stop: Stop;
  observer: JobObserver;
  concurrency: number;
  /** When the job started for its cost (the time at the confirmation left out). */
  started: number;
}

export interface JobResult {
  report: MoveReport;
  execution: Execution;
  verification: Verification;
  /** Tasks of this run's plan not moved (not started or failed). */
  left: number;
}

export async function runJob(work: JobWork, o: JobRunOptions): Promise<JobResult> {
  const { client, stop } = o;
  const job = work.openJournal(o.observer);
  for (const fate of work.skipped ?? []) work.fates.set(fate.task.id, fate);
  job.append(work.reconciled);
  job.append([
    {
      kind: 'run',
      phase: work.phase,
      time: isoSeconds(o.now()),
      planned: work.planned,
      // What this run gives each successor: a later run that changes it goes on with the same job.
      ...(work.phase === 'move' && { cap: work.spec.cap, to: work.spec.to }),
      ...(work.sweep && { sweep: true }),
    },
  ]);
  const execution = await execute({
    ...o,
    job,
    phase: work.phase,
    moves: work.moves,
    fates: work.fates,
    progress: o.observer.progress,
    ...(work.stopsJob && { stopsJob: work.stopsJob }),
    ...(work.plannedAt !== undefined && { plannedAt: work.plannedAt }),
  });
  const verification = await verify({
    client,
    stop,
    check: !isAuthFailure(execution.stopError),
    left: work.left,
    kept: work.kept,
    blocked: work.blockedCheck,
    concurrency: o.concurrency,
  });
  // Requests a stop let go are not waited for at exit.
  if (stop.signal) client.abandon();
  const n = (r: TaskFate['result']) => [...work.fates.values()].filter((x) => x.result === r).length;
  const left = n('not_started') + n('failed');
  job.append([
    {
      kind: 'end',
      phase: work.phase,
      time: isoSeconds(o.now()),
      moved: n('moved'),
      failed: n('failed'),
      left,
      interrupted: stop.signal !== undefined,
      verified: verification.remaining !== null,
      ...(work.sweep && { sweep: true }),
    },
  ]);
  const report = buildReport({
    ...work,
    dryRun: false,
    job,
    calls: execution.calls,
    remaining: verification.remaining,
    blocked: verification.blocked,
    interrupted: stop.signal !== undefined,
    stats: costOf(client, o.now() - o.started),
  });
  return { report, execution, verification, left };
}

/** What the job cost: requests, retries, 429s waited out, the rate the API accepted, wall time. */
function costOf(client: ApiClient, wallMs: number): MoveReport['stats'] {
  const s = client.stats;
  return {
    requests: s.requests,
    retries: s.retries,
    rate_limited: s.rateLimited,
    rate_limit_wait_ms: s.rateLimitWaitMs,
    // The rate the API was found to accept (requests per second), when it limited this job.
    rate_limit: s.rateLimited > 0 && Number.isFinite(client.pacer.rate) ? client.pacer.rate : null,
    wall_ms: wallMs,
  };
}

/**
 * The error a run ends with, once all is said: a refusal that stopped it (with what was done and what is
 * left), an interruption, a check that failed, tasks left, or a report that could not be written.
 */
export function jobFailure(
  r: JobResult,
  interrupted: Signal | undefined,
  unwritten: string | undefined,
): Error | undefined {
  const refusal = r.execution.stopError;
  const { report } = r;
  if (refusal instanceof ApiError) {
    // A refusal that would hit every call: say what was done, what is left, and stop with its code.
    const rest = `${plural(report.moved, 'task')} moved, ${plural(r.left, 'task')} not; fix it and run the same command again`;
    return new ApiError(
      `${refusal.message}; ${rest}`,
      refusal.status,
      refusal.type,
      refusal.requestId,
      refusal.body,
    );
  }
  if (refusal) return refusal as Error;
  if (interrupted) {
    const again =
      r.left > 0
        ? 'run the same command again to finish'
        : 'what is left was not checked: run the same command again to check';
    return new InterruptedError(
      `interrupted: ${plural(report.moved, 'task')} moved, ${plural(r.left, 'task')} left; ${again}`,
      interrupted,
    );
  }
  if (r.verification.verifyError)
    return new PartialFailureError('the moves were made, but what is left could not be checked');
  const still = r.verification.remaining?.length ?? r.left;
  if (report.failed > 0 || still > 0) {
    const retry =
      report.failed > 0 || report.kind === 'reassign' || report.kind === 'rebalance'
        ? '; run the same command again to move them'
        : '';
    return new PartialFailureError(`${plural(still, 'open task')} left${retry}`);
  }
  if (unwritten) return new PartialFailureError(unwritten);
  return undefined;
}

/**
 * A job run again with nothing left to move: the calls an earlier run left unanswered and found landed are
 * journaled, and a job stopped or interrupted before gets an empty run that ends it (`--jobs`: done). Returns
 * the job, and whether this run ended it.
 */
export function closeIdleJob(
  stateDir: string,
  work: Pick<JobWork, 'spec' | 'reconciled'>,
  now: () => number,
  note: (message: string) => void,
): { job: Job; ended: boolean } {
  const job = Job.open(stateDir, work.spec, new Date(now()), note);
  job.append(work.reconciled);
  if (job.settled()) return { job, ended: false };
  const time = isoSeconds(now());
  job.append([
    { kind: 'run', phase: 'move', time, planned: 0, cap: work.spec.cap, to: work.spec.to },
    { kind: 'end', phase: 'move', time, moved: 0, failed: 0, left: 0, interrupted: false, verified: true },
  ]);
  return { job, ended: true };
}
