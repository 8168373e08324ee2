import type { ApiClient } from '../api/client.js';
import { listTasksPage } from '../api/tasks.js';
import { OPEN_STATUSES, type Task, type TaskQuery } from '../api/types.js';
import { planOffboard } from '../domain/plan.js';
import type { JobHeader } from '../domain/job.js';
import type { Job } from './jobs/store.js';
import { sharesOf } from './jobs/state.js';
import { collectOpenTasks } from './listing.js';
import type { Gate } from './queue.js';

/**
 * A sweep re-applies a finished offboarding's rules to its leaver's open tasks that match its subset: the
 * work that reached the leaver after the job (new tasks of their runs, reminders, a colleague's reassignment).
 * What it would move, and how many, are answered here.
 */

/** The subset of a job as its header records it (`-t`, `-p`, `--template`, `--created-…`): what a sweep matches. */
export function jobSubset(filters: Record<string, unknown>): Omit<TaskQuery, 'status' | 'assigneeUserId'> {
  const strings = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const subset: Omit<TaskQuery, 'status' | 'assigneeUserId'> = {};
  const types = strings(filters.types);
  const priorities = strings(filters.priorities);
  const templateIds = strings(filters.templateIds);
  const createdAfter = text(filters.createdAfter);
  const createdBefore = text(filters.createdBefore);
  if (types) subset.types = types;
  if (priorities) subset.priorities = priorities;
  if (templateIds) subset.templateIds = templateIds;
  if (createdAfter) subset.createdAfter = createdAfter;
  if (createdBefore) subset.createdBefore = createdBefore;
  return subset;
}

/** The open tasks a sweep of the job would take: the leaver's, within the job's subset. */
export function sweepQuery(job: Pick<JobHeader, 'filters'> & { from: string }): Omit<TaskQuery, 'status'> {
  return { ...jobSubset(job.filters), assigneeUserId: job.from };
}

/** How many open tasks a sweep of the job would move now: one small page per open status, side by side. */
export async function countSweepable(
  client: ApiClient,
  job: Pick<JobHeader, 'filters'> & { from: string },
  gate: Gate = (send) => send(),
): Promise<number> {
  const query = sweepQuery(job);
  const pages = await Promise.all(
    OPEN_STATUSES.map((status) => gate(() => listTasksPage(client, { ...query, status }, 1, 1))),
  );
  return pages.reduce((sum, page) => sum + page.total_count, 0);
}

/** A job as a sweep sees it: its leaver, its subset, and when it was started (the newest rules win). */
export interface SweepRule {
  id: string;
  created: string;
  from: string;
  filters: Record<string, unknown>;
  /** How many of the given tasks its --cap keeps with the leaver (undefined: no cap). */
  keeps?: ((tasks: readonly Task[]) => number) | undefined;
  /**
   * A plan file applied: when it was planned. Only what reached the leaver after it (created or changed since)
   * is its work: the tasks the leaver held then and the plan left out (its cap kept them) were not approved.
   */
  since?: string | undefined;
}

/** When a job's plan file was planned (a plan job's sweep takes only what reached the leaver after it). */
export function sinceOf(job: Job): string | undefined {
  return job.header?.plan?.planned_by.at;
}

/**
 * How many of the tasks a job's --cap keeps with its leaver: its runs shared out as a sweep would share them
 * (whole, after what the job gave each successor as its journal stands, a begun run to the same successor);
 * undefined without a cap. What the cap keeps with the leaver has not "reached" them.
 */
export function capKeeps(job: Job): ((tasks: readonly Task[]) => number) | undefined {
  // The terms its last run had (a rerun may raise the cap or change the weights).
  const terms = job.terms();
  if (!terms || terms.cap === null) return undefined;
  const cap = terms.cap;
  const soFar = sharesOf(job.standing());
  const successors = terms.to.map((t) => ({ id: t.id, weight: t.weight }));
  return (tasks) => planOffboard(tasks, () => [], successors, cap, String, soFar).kept.length;
}

/** What a sweep of one job takes now: how many tasks, and which (when jobs of one leaver overlap). */
export interface SweepClaim {
  reached: number;
  /** What reached the leaver that the job's --cap keeps with them (not counted in `reached`). */
  capped: number;
  /** The tasks this job takes; undefined: every open task of its leaver in its subset. */
  only: ReadonlySet<string> | undefined;
}

/**
 * What a sweep of each job would take now. A task reaches one leaver once: where several jobs of the same
 * leaver match it (an offboarding of her calls to one rep, a later one of everything to another), the newest
 * job takes it and the others do not count it. Two small pages a job without a cap; the tasks themselves are
 * listed for a job with a cap (which of them fit is a matter of their runs) and for a leaver with two jobs or
 * more that each match something.
 */
export async function claimSweepable(
  client: ApiClient,
  jobs: readonly SweepRule[],
  gate: Gate = (send) => send(),
): Promise<Map<string, SweepClaim>> {
  // The open tasks of a plan job's leaver that reached them after the plan (listed: the API filters by
  // neither), and of the others only how many, unless their cap or several jobs of one leaver need them.
  const listed = new Map<number, Promise<Task[]>>();
  const held = (i: number): Promise<Task[]> => {
    const job = jobs[i]!;
    if (!listed.has(i))
      listed.set(
        i,
        gate(() => collectOpenTasks(client, sweepQuery(job), 1)).then((tasks) => {
          const since = job.since;
          if (!since) return tasks;
          const reached = (t: Task) => t.created_at >= since || t.updated_at >= since;
          // A run the plan left with the leaver (a task of it older than the plan) stays whole with them: a
          // task new in it is not moved on its own.
          const kept = new Set(tasks.filter((t) => !reached(t)).map((t) => t.sequence_id));
          return tasks.filter((t) => reached(t) && !kept.has(t.sequence_id));
        }),
      );
    return listed.get(i)!;
  };
  const counts = await Promise.all(
    jobs.map(async (job, i) => (job.since ? (await held(i)).length : countSweepable(client, job, gate))),
  );
  // What a job's cap keeps is not counted: a sweep would not move it.
  const claim = (job: SweepRule, tasks: readonly Task[] | undefined, n: number): SweepClaim => {
    const capped = job.keeps && tasks ? job.keeps(tasks) : 0;
    return {
      reached: n - capped,
      capped,
      only: job.since && tasks ? new Set(tasks.map((t) => t.id)) : undefined,
    };
  };
  const claims = new Map<string, SweepClaim>();
  await Promise.all(
    jobs.map(async (job, i) => {
      const tasks = counts[i]! > 0 && (job.since || job.keeps) ? await held(i) : undefined;
      claims.set(job.id, claim(job, tasks, tasks?.length ?? counts[i]!));
    }),
  );
  const byLeaver = new Map<string, number[]>();
  // A job at its cap still claims what it matches: its cap, the later word, keeps those with the leaver.
  jobs.forEach((job, i) => {
    if (counts[i]! > 0) byLeaver.set(job.from, [...(byLeaver.get(job.from) ?? []), i]);
  });
  const shared = [...byLeaver.values()].filter((group) => group.length > 1);
  await Promise.all(
    shared.map(async (group) => {
      const lists = await Promise.all(group.map(held));
      const taken = new Set<string>();
      for (const g of newestFirst(group.map((i) => jobs[i]!))) {
        const only = lists[g]!.filter((t) => !taken.has(t.id));
        for (const t of only) taken.add(t.id);
        const job = jobs[group[g]!]!;
        claims.set(job.id, { ...claim(job, only, only.length), only: new Set(only.map((t) => t.id)) });
      }
    }),
  );
  return claims;
}

/** Indexes of the jobs, the most recently started first (then by id, so the order is the same every time). */
export function newestFirst(jobs: readonly Pick<SweepRule, 'id' | 'created'>[]): number[] {
  return jobs
    .map((_, i) => i)
    .sort((a, b) => {
      const x = jobs[a]!;
      const y = jobs[b]!;
      return x.created === y.created ? (x.id < y.id ? -1 : 1) : x.created > y.created ? -1 : 1;
    });
}
