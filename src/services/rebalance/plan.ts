import pLimit from 'p-limit';
import { createHash } from 'node:crypto';
import { holdJob, jobBusy, type JobLock } from '../locks.js';
import type { ApiClient } from '../../api/client.js';
import type { Task, TaskQuery } from '../../api/types.js';
import { MAX_PAGE_SIZE } from '../../api/wire.js';
import { isoSeconds } from '../../basics/time.js';
import type { JobSpec, TaskFate, Workspace } from '../../domain/job.js';
import { UNFINISHED_STATES } from '../../domain/status.js';
import {
  balanceMoves,
  isActive,
  planBalance,
  type DonorRun,
  type TeamBalance,
} from '../../domain/rebalance.js';
import { collectOpenTasks, openListingCost } from '../listing.js';
import type { JobWork } from '../jobs/run.js';
import { openTasksByRun, preflight } from '../jobs/runs.js';
import { jobSoFar } from '../jobs/state.js';
import { jobRows } from '../jobs/rows.js';
import { inWorkspace, Job } from '../jobs/store.js';
import { countSweepable } from '../sweep.js';
import { STATUS_REQUESTS_AT_ONCE } from '../status.js';

/**
 * `tasks rebalance`: each member's open tasks counted by the API (`total_count`, two small pages each, side by
 * side); the runs of the members above the mean listed, with what each run holds open; then the plan (domain/
 * rebalance.ts) as a job that runs as any other (journal, calls, checks, report, undo).
 */

export interface RebalanceOptions {
  team: string[];
  /** A fraction of the mean: 0.15. */
  tolerance: number;
  includeActive: boolean;
  /** The subset that counts and may move (types, priorities, templates, creation bounds), as for `tasks list`. */
  filters: Omit<TaskQuery, 'status' | 'assigneeUserId'>;
  dryRun: boolean;
  concurrency: number;
}

export interface RebalanceDeps {
  client: ApiClient;
  now: () => number;
  stateDir: string;
  workspace: Workspace;
  /** Takes the team's rebalance lock before its jobs are read (not for a dry run): one at a time. */
  lock?: JobLock | undefined;
}

export interface RebalancePlan {
  work: JobWork;
  balance: TeamBalance;
  /** The donors' open tasks in the subset, by id. */
  tasks: Map<string, Task>;
  /** An unfinished rebalance of the same team this run continues, if any. */
  continues: Job | undefined;
}

export async function planRebalancing(d: RebalanceDeps, o: RebalanceOptions): Promise<RebalancePlan> {
  const { client } = d;
  if (!o.dryRun)
    await d.lock?.(
      `rebalance-${teamKey(o.team)}`,
      'a rebalance of this team is running in another topo process',
    );
  let { away, unfinished } = jobsOfTeam(d, o);
  // The job it continues is held too (an undo of it waits, or refuses this), and read again once held: an undo
  // that ended it meanwhile leaves a new rebalance to plan.
  if (!o.dryRun && unfinished) {
    await d.lock?.(unfinished.id, jobBusy(unfinished.id));
    ({ away, unfinished } = jobsOfTeam(d, o));
  }
  const limit = pLimit(STATUS_REQUESTS_AT_ONCE);
  // Reads only, side by side: the key's scopes (nothing is written without them), each member's count,
  // what a walk of the workspace's open tasks would cost, and where the job this run continues stands.
  const [, loads, workspaceCost, sofar] = await Promise.all([
    o.dryRun ? undefined : preflight(client),
    Promise.all(o.team.map((id) => countSweepable(client, { from: id, filters: { ...o.filters } }, limit))),
    openListingCost(client, {}),
    unfinished ? jobSoFar(client, unfinished, d.now, o.concurrency) : undefined,
  ]);
  const counts = new Map(o.team.map((id, i) => [id, loads[i]!]));
  const present = o.team.filter((id) => !away.has(id));
  const mean = present.reduce((n, id) => n + counts.get(id)!, 0) / Math.max(1, present.length);
  // Only the members above the mean give: only their runs are read.
  const donors = present.filter((id) => counts.get(id)! > mean);
  const quiet = planBalance({
    counts,
    away,
    runs: [],
    tolerance: o.tolerance,
    includeActive: o.includeActive,
  });
  const { tasks, openOfRun } = quiet.within
    ? { tasks: [], openOfRun: new Map<string, Task[]>() }
    : await donorsWork(client, donors, counts, workspaceCost, o);
  const balance = planBalance({
    counts,
    away,
    runs: donorRuns(tasks, openOfRun),
    tolerance: o.tolerance,
    includeActive: o.includeActive,
  });
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const spec: JobSpec = unfinished?.header ?? {
    ...d.workspace,
    from: null,
    to: o.team.map((id) => ({ id, weight: 1 })),
    cap: null,
    filters: { ...o.filters },
    until: null,
    rebalance: {
      team: o.team,
      tolerance: o.tolerance,
      include_active: o.includeActive,
      started: isoSeconds(d.now()),
    },
  };
  // A new job is held from before its journal is written: an undo of it started mid-run waits.
  if (!o.dryRun && !unfinished) {
    if (d.lock) await holdJob(d.lock, () => Job.idOf(d.stateDir, spec));
  }
  const moves = balanceMoves(balance);
  const fates = new Map<string, TaskFate>();
  for (const m of moves)
    for (const id of m.task_ids)
      fates.set(id, { task: byId.get(id)!, from: m.from, to: m.to, result: 'not_started', reason: null });
  const work: JobWork = {
    kind: 'rebalance',
    phase: 'move',
    spec,
    plan: null,
    moves,
    fates,
    // What the runs this one continues moved (late answers found included): the report covers the whole job.
    earlier: [...(sofar?.standing.values() ?? [])].filter(
      (r) => r.result === 'moved' && !fates.has(r.task_id),
    ),
    reconciled: sofar?.reconciled ?? [],
    planned: balance.tasks,
    team: balance,
    openJournal: (observer) => {
      const job = Job.open(d.stateDir, spec, new Date(d.now()), (m) => observer.note(m));
      observer.opened(job);
      return job;
    },
    // What the donors still hold of what the plan moves.
    left: async () => {
      const still: string[] = [];
      const givers = [...new Set(moves.map((m) => m.from))];
      const held = await Promise.all(
        givers.map((id) => collectOpenTasks(client, { ...o.filters, assigneeUserId: id }, o.concurrency)),
      );
      for (const t of held.flat()) if (fates.get(t.id)?.from === t.assignee_user_id) still.push(t.id);
      return still;
    },
    kept: [],
    blockedCheck: null,
  };
  return { work, balance, tasks: byId, continues: unfinished };
}

/**
 * The donors' open tasks in the subset, and what each of their runs holds open: without filters, one walk of the
 * workspace's open tasks says both when it takes fewer requests than listing the donors and then their runs.
 */
async function donorsWork(
  client: ApiClient,
  donors: string[],
  counts: ReadonlyMap<string, number>,
  workspaceCost: number,
  o: RebalanceOptions,
): Promise<{ tasks: Task[]; openOfRun: Map<string, Task[]> }> {
  const givers = new Set(donors);
  // Listing the donors: a page per status and per hundred tasks; then at least a request per run of four.
  const held = donors.reduce((n, id) => n + counts.get(id)!, 0);
  const listingCost = donors.reduce((n, id) => n + 2 + Math.floor(counts.get(id)! / MAX_PAGE_SIZE), 0);
  if (Object.keys(o.filters).length === 0 && workspaceCost <= listingCost + held / 4) {
    const all = await collectOpenTasks(client, {}, o.concurrency);
    const tasks = all.filter((t) => givers.has(t.assignee_user_id ?? ''));
    const runs = new Set(tasks.map((t) => t.sequence_id));
    const openOfRun = new Map<string, Task[]>([...runs].map((id) => [id, []]));
    for (const t of all) openOfRun.get(t.sequence_id)?.push(t);
    return { tasks, openOfRun };
  }
  const listed = await Promise.all(
    donors.map((id) => collectOpenTasks(client, { ...o.filters, assigneeUserId: id }, o.concurrency)),
  );
  const tasks = listed.flat();
  const runIds = [...new Set(tasks.map((t) => t.sequence_id))];
  return { tasks, openOfRun: await openTasksByRun(client, runIds, workspaceCost, o.concurrency) };
}

/**
 * The donors' runs as the plan weighs them: a run moves only when its open tasks are all the donor's and all in
 * the subset (so moving it whole moves nothing else); one with a task in progress or a reply is active.
 */
function donorRuns(tasks: readonly Task[], openOfRun: ReadonlyMap<string, Task[]>): DonorRun[] {
  const byRun = new Map<string, Task[]>();
  for (const t of tasks) byRun.set(t.sequence_id, [...(byRun.get(t.sequence_id) ?? []), t]);
  return [...byRun].map(([sequenceId, mine]) => {
    const from = mine[0]!.assignee_user_id!;
    const ids = new Set(mine.map((t) => t.id));
    const others = (openOfRun.get(sequenceId) ?? []).filter((t) => !ids.has(t.id));
    const held = others.some((t) => t.assignee_user_id !== from)
      ? 'shared'
      : others.length > 0
        ? 'outside'
        : undefined;
    return { sequence_id: sequenceId, from, tasks: mine, active: isActive(mine), ...(held && { held }) };
  });
}

/**
 * The jobs that bear on the team: members away (the `from` of a cover still covering) and an unfinished
 * rebalance of the same team and rules, which this run continues.
 */
function jobsOfTeam(
  d: RebalanceDeps,
  o: RebalanceOptions,
): { away: Map<string, { job: string; until: string | null }>; unfinished: Job | undefined } {
  const jobs = Job.all(d.stateDir).filter((j) => inWorkspace(j, d.workspace));
  const rows = new Map(jobRows(jobs, d.now()).map((r) => [r.id, r]));
  const away = new Map<string, { job: string; until: string | null }>();
  for (const row of rows.values())
    if (row.state === 'covering' && row.from !== null && o.team.includes(row.from))
      away.set(row.from, { job: row.id, until: row.until });
  const same = (j: Job) => {
    const r = j.header?.rebalance;
    // A rebalance plan applied from a file is continued by applying the file again, not by planning anew.
    return (
      r !== undefined &&
      j.header?.plan === undefined &&
      JSON.stringify([r.team, r.tolerance, r.include_active, j.header!.filters]) ===
        JSON.stringify([o.team, o.tolerance, o.includeActive, { ...o.filters }])
    );
  };
  const last = jobs.filter(same).at(-1);
  const state = last ? rows.get(last.id)?.state : undefined;
  const unfinished = state && UNFINISHED_STATES.includes(state) ? last : undefined;
  return { away, unfinished };
}

/** A team as a short name for its lock: the same members in any order, the same name. */
function teamKey(team: readonly string[]): string {
  return createHash('sha256')
    .update([...team].sort().join(' '))
    .digest('hex')
    .slice(0, 12);
}
