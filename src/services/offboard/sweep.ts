import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type WriteFileAtomic from 'write-file-atomic';
import type { ApiClient } from '../../api/client.js';
import type { JobHeader, Workspace } from '../../domain/job.js';
import { takeLock } from '../locks.js';
import { UNFINISHED_STATES } from '../../domain/status.js';
import { jobRows } from '../jobs/rows.js';
import { jobsDir } from '../../config/paths.js';
import { inWorkspace, Job } from '../jobs/store.js';
import { claimSweepable, jobSubset, newestFirst, capKeeps, sinceOf } from '../sweep.js';
import type { OffboardOptions } from './plan.js';

/**
 * `tasks reassign --sweep`: the offboardings of a workspace that are done, and the covers still covering, each
 * with how many open tasks reached its leaver since (within its subset); one sweep at a time (a lock); when the
 * last sweep of the workspace ran.
 */

export interface SweepCandidate {
  job: Job;
  header: JobHeader;
  /** Open tasks of the leaver in the job's subset now (those a newer job of the same leaver takes aside). */
  reached: number;
  /** What reached the leaver that the job's --cap keeps with them. */
  capped: number;
  /** The tasks this job takes, when a newer job of the same leaver matches some of its subset too. */
  only: ReadonlySet<string> | undefined;
}

/** The jobs a sweep applies: offboardings done and covers covering (an undone or returned job is not). */
export function sweepableJobs(
  stateDir: string,
  workspace: Workspace,
  now: number,
  problems: string[],
): Job[] {
  // A job with one leaver only: not a rebalance, nor a plan file of several people's tasks.
  const jobs = Job.all(stateDir, problems).filter(
    (j) => inWorkspace(j, workspace) && !j.header?.rebalance && typeof j.header?.from === 'string',
  );
  const states = new Map(jobRows(jobs, now).map((r) => [r.id, r.state]));
  return jobs.filter((j) => sweepableIn(j, states.get(j.id)!, now));
}

/**
 * Whether a job is still one a sweep applies, read again from its journal (a sweep takes each job's lock
 * before it moves anything: an undo or a give-back that ended it meanwhile takes it out).
 */
export function stillSweepable(job: Job, now: number): boolean {
  const fresh = Job.read(job.path);
  return fresh.header !== null && sweepableIn(fresh, jobRows([fresh], now)[0]!.state, now);
}

function sweepableIn(j: Job, state: string, now: number): boolean {
  const cover = j.header!.until;
  // A sweep stopped half-way (Ctrl-C, a kill, failed calls) leaves its job unfinished: the next sweep goes on.
  if (j.lastRun()?.sweep && UNFINISHED_STATES.includes(state)) return !cover || Date.parse(cover) > now;
  return cover ? state === 'covering' : state === 'done';
}

/**
 * How many tasks reached each job's leaver since: two small listings a job, side by side; a task that two jobs
 * of one leaver match is the newest job's. The most recently started job comes first (the order a sweep runs).
 */
export async function reachedSince(client: ApiClient, jobs: readonly Job[]): Promise<SweepCandidate[]> {
  const rules = jobs.map((job) => ({
    ...job.header!,
    from: job.header!.from!,
    keeps: capKeeps(job),
    since: sinceOf(job),
  }));
  const claims = await claimSweepable(client, rules);
  return newestFirst(rules).map((i) => {
    const job = jobs[i]!;
    return { job, header: job.header!, ...claims.get(job.id)! };
  });
}

/**
 * The job's own rules as an offboarding's options — its cap and weights as its last run had them — journaled
 * into that very job (its spec as its header says it: a plan file applied or a cover started again is found
 * by it, not by the rules alone).
 */
export function rulesOf(
  job: Job,
  o: { dryRun: boolean; concurrency: number; only?: ReadonlySet<string> | undefined },
): OffboardOptions | undefined {
  const header = job.header;
  if (!header || header.from === null) return undefined;
  const terms = job.terms() ?? { cap: header.cap, to: header.to };
  const { kind: _kind, id: _id, created: _created, ...first } = header;
  const spec = { ...first, cap: terms.cap, to: terms.to };
  const options: OffboardOptions = {
    from: header.from,
    successors: terms.to.map((t) => ({ id: t.id, weight: t.weight })),
    cap: terms.cap ?? undefined,
    filters: jobSubset(header.filters),
    until: header.until ?? undefined,
    spec,
    ...o,
  };
  // A header whose subset cannot be said again exactly (one of an older version) is not swept.
  const entries = (f: Record<string, unknown>) =>
    JSON.stringify(
      Object.entries(f)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return entries(options.filters as Record<string, unknown>) === entries(header.filters)
    ? options
    : undefined;
}

/** The lock that keeps sweeps one at a time (per state folder); released by what it returns. */
export async function sweepLock(stateDir: string): Promise<() => Promise<void>> {
  return takeLock(jobsDir(stateDir), 'sweep', 'another sweep is running');
}

const load = createRequire(import.meta.url);

/** When the last sweep of each workspace ran, and what it moved: `<state>/jobs/sweeps.json`. */
export interface LastSweep {
  time: string;
  moved: number;
}

const sweepsFile = (stateDir: string) => join(jobsDir(stateDir), 'sweeps.json');
const key = (w: Workspace) => `${w.profile} ${w.api_url}`;

export function lastSweep(stateDir: string, workspace: Workspace): LastSweep | undefined {
  const file = sweepsFile(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, LastSweep>;
    const last = all[key(workspace)];
    return last && typeof last.time === 'string' && typeof last.moved === 'number' ? last : undefined;
  } catch {
    return undefined;
  }
}

export function recordSweep(stateDir: string, workspace: Workspace, last: LastSweep): void {
  updateSweeps(stateDir, (all) => (all[key(workspace)] = last));
}

/** Forgets a workspace's last sweep (the sandbox's, when it is reset). */
export function forgetSweep(stateDir: string, workspace: Workspace): void {
  if (lastSweep(stateDir, workspace)) updateSweeps(stateDir, (all) => delete all[key(workspace)]);
}

function updateSweeps(stateDir: string, change: (all: Record<string, LastSweep>) => void): void {
  const file = sweepsFile(stateDir);
  let all: Record<string, LastSweep> = {};
  try {
    if (existsSync(file)) all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, LastSweep>;
  } catch {
    all = {};
  }
  change(all);
  const writeFileAtomic = load('write-file-atomic') as typeof WriteFileAtomic;
  writeFileAtomic.sync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
}
