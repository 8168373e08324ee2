import type { ReassignScope, Task } from '../api/types.js';
import { plural } from '../basics/text.js';

/**
 * Planning a bulk reassignment: who gets which sequence run (one contact keeps one rep), and as few calls as
 * possible without moving anybody else's work.
 */

/** The leaver's tasks of one sequence run, and where they go. */
export interface RunMove {
  sequence_id: string;
  /** The tasks to move (the leaver's, within the filters). */
  task_ids: string[];
  /** The successor, or null when the run stays with the leaver (every successor at the cap). */
  to: string | null;
  /** SEQUENCE: the run's open tasks are all being moved, one call does it (after a check of the run). */
  scope: ReassignScope;
  /** Why a run is moved task by task, or stays. */
  reason: string | null;
  /**
   * The run moves whole or not at all (a rebalance): if any of its open tasks changed hands since the plan, or
   * it holds open tasks the plan does not, none of it moves.
   */
  whole?: boolean;
}

export interface PlannedCall {
  scope: ReassignScope;
  /** The task named in the call. */
  task_id: string;
  sequence_id: string;
  from: string | null;
  to: string;
  /** Every task the call moves. */
  task_ids: string[];
}

export interface SuccessorShare {
  id: string;
  weight: number;
  runs: number;
  tasks: number;
  by_priority: Record<string, number>;
}

export interface ReassignPlan {
  tasks: number;
  runs: number;
  /** Upper bound of calls: one per whole run, one per task of a shared run. */
  calls: number;
  by_type: Record<string, number>;
  by_priority: Record<string, number>;
  moves: RunMove[];
  successors: SuccessorShare[];
  /** Tasks that stay with the leaver because of --cap. */
  kept: string[];
  /** What stays with the leaver (the cap), counted apart from what moves. */
  staying: {
    tasks: number;
    runs: number;
    by_type: Record<string, number>;
    by_priority: Record<string, number>;
  };
  /** Runs handled with one TASK call per task, and why. */
  task_by_task: { sequence_id: string; reason: string; task_ids: string[] }[];
}

export interface Successor {
  id: string;
  /** Share of the work: `--to bob=2,carla=1`; 1 each for round-robin. */
  weight: number;
}

const PRIORITY_RANK: Record<string, number> = { HOT: 0, TODAY: 1, EXTRA: 2 };

/** What earlier runs of the same job did: it counts toward the cap and the split, and keeps runs whole. */
export interface JobSoFar {
  /** Tasks each successor was given by earlier runs (and still has from the job: not undone). */
  given: ReadonlyMap<string, number>;
  /** Runs an earlier run began to move, and to whom: the rest of such a run goes to the same successor. */
  pinned: ReadonlyMap<string, string>;
}

const NOTHING_BEFORE: JobSoFar = { given: new Map(), pinned: new Map() };

/**
 * Distributes the runs of the tasks to move among the successors by weight (the most urgent runs first, so a
 * cap keeps the least urgent with the leaver): each run goes whole to the successor furthest below their
 * share, so the split matches the weights within one run. A run whose open tasks are all being moved takes
 * one SEQUENCE call; a run that also holds other open tasks (someone else's, or outside the filters) is moved
 * task by task, so nothing else moves. Over a whole job: what earlier runs gave each successor counts toward
 * the cap and the shares, and a run an earlier run began goes to the same successor (or stays, at the cap).
 */
export function planOffboard(
  tasks: readonly Task[],
  openTasksOfRun: (sequenceId: string) => readonly Task[],
  successors: readonly Successor[],
  cap: number | undefined,
  who: (userId: string | null) => string,
  before: JobSoFar = NOTHING_BEFORE,
): ReassignPlan {
  const ids = new Set(successors.map((s) => s.id));
  const pinnedTo = (runId: string) => {
    const to = before.pinned.get(runId);
    return to !== undefined && ids.has(to) ? to : undefined;
  };
  const plan: ReassignPlan = {
    tasks: 0,
    runs: 0,
    calls: 0,
    // Each breakdown adds up to what it breaks down: the tasks that move, and apart, those that stay.
    by_type: {},
    by_priority: {},
    moves: [],
    successors: successors.map((s) => ({ id: s.id, weight: s.weight, runs: 0, tasks: 0, by_priority: {} })),
    kept: [],
    staying: { tasks: 0, runs: 0, by_type: {}, by_priority: {} },
    task_by_task: [],
  };
  /** What a successor has from the whole job once this plan is done: earlier runs and this one. */
  const total = (s: SuccessorShare) => (before.given.get(s.id) ?? 0) + s.tasks;
  for (const [sequenceId, run] of orderedRuns(tasks, pinnedTo)) {
    const pinned = pinnedTo(sequenceId);
    const fits = plan.successors.filter(
      (s) => (pinned === undefined || s.id === pinned) && (cap === undefined || total(s) + run.length <= cap),
    );
    if (fits.length === 0) {
      keep(plan, sequenceId, run, pinned ? 'its successor is at the cap' : 'every successor is at the cap');
      continue;
    }
    // The successor furthest below their share once this run is theirs (ties: the order given).
    const to = fits.reduce((best, s) =>
      (total(s) + run.length) / s.weight < (total(best) + run.length) / best.weight ? s : best,
    );
    give(plan, sequenceId, run, to, openTasksOfRun(sequenceId), who);
  }
  plan.tasks = tasks.length - plan.kept.length;
  plan.runs = plan.moves.filter((m) => m.to !== null).length;
  return plan;
}

/** The tasks by run, in the order runs are shared out: runs begun by an earlier run, the most urgent, the oldest. */
function orderedRuns(
  tasks: readonly Task[],
  pinnedTo: (runId: string) => string | undefined,
): [string, Task[]][] {
  const byRun = new Map<string, Task[]>();
  for (const t of tasks) {
    const list = byRun.get(t.sequence_id) ?? [];
    list.push(t);
    byRun.set(t.sequence_id, list);
  }
  const rank = (run: Task[]) => Math.min(...run.map((t) => PRIORITY_RANK[t.priority] ?? 3));
  const oldest = (run: Task[]) =>
    run.reduce((m, t) => (t.created_at < m ? t.created_at : m), run[0]!.created_at);
  // Runs begun by an earlier run first: they are finished before anything new is shared out.
  return [...byRun.entries()].sort(
    ([ia, a], [ib, b]) =>
      Number(pinnedTo(ib) !== undefined) - Number(pinnedTo(ia) !== undefined) ||
      rank(a) - rank(b) ||
      (oldest(a) < oldest(b) ? -1 : oldest(a) > oldest(b) ? 1 : 0),
  );
}

function count(run: Task[], type: Record<string, number>, priority: Record<string, number>): void {
  for (const t of run) {
    type[t.type] = (type[t.type] ?? 0) + 1;
    priority[t.priority] = (priority[t.priority] ?? 0) + 1;
  }
}

/** A run that stays with the leaver (the cap), counted apart. */
function keep(plan: ReassignPlan, sequenceId: string, run: Task[], reason: string): void {
  plan.moves.push({
    sequence_id: sequenceId,
    task_ids: run.map((t) => t.id),
    to: null,
    scope: 'TASK',
    reason,
  });
  plan.kept.push(...run.map((t) => t.id));
  plan.staying.tasks += run.length;
  plan.staying.runs++;
  count(run, plan.staying.by_type, plan.staying.by_priority);
}

/** A run to a successor: whole in one call when it holds nothing else, task by task otherwise. */
function give(
  plan: ReassignPlan,
  sequenceId: string,
  run: Task[],
  to: SuccessorShare,
  openNow: readonly Task[],
  who: (userId: string | null) => string,
): void {
  to.runs++;
  to.tasks += run.length;
  count(run, plan.by_type, plan.by_priority);
  for (const t of run) to.by_priority[t.priority] = (to.by_priority[t.priority] ?? 0) + 1;
  const moving = new Set(run.map((t) => t.id));
  const others = openNow.filter((t) => !moving.has(t.id));
  const whole = others.length === 0 && run.length > 1;
  const reason = others.length > 0 ? sharedReason(others, run, who) : null;
  const ids = run.map((t) => t.id);
  plan.moves.push({
    sequence_id: sequenceId,
    task_ids: ids,
    to: to.id,
    scope: whole ? 'SEQUENCE' : 'TASK',
    reason,
  });
  plan.calls += whole ? 1 : run.length;
  if (reason) plan.task_by_task.push({ sequence_id: sequenceId, reason, task_ids: ids });
}

function sharedReason(others: Task[], moving: Task[], who: (id: string | null) => string): string {
  const movers = new Set(moving.map((m) => m.assignee_user_id));
  const counts = new Map<string, number>();
  let sameOwner = 0;
  for (const t of others) {
    if (movers.has(t.assignee_user_id)) sameOwner++;
    else counts.set(who(t.assignee_user_id), (counts.get(who(t.assignee_user_id)) ?? 0) + 1);
  }
  const parts = [...counts].map(([name, n]) => `${name} ×${n}`);
  if (sameOwner > 0) parts.push(`${sameOwner} outside the filters`);
  return `the run also holds open tasks not being moved (${parts.join(', ')})`;
}

/**
 * The calls that move one run now, given what the run holds just before them: one SEQUENCE call when its
 * open tasks are still exactly the planned ones, all still with the leaver; otherwise a TASK call for each
 * planned task still with the leaver (the others changed hands or closed since the plan, and stay). A run that
 * moves whole (`move.whole`) and changed since is not moved at all: its tasks still with the leaver are `kept`.
 */
export function callsForRun(
  move: RunMove,
  leaver: string | null,
  openNow: readonly Task[],
): { calls: PlannedCall[]; gone: Task[]; closed: string[]; kept?: { task_ids: string[]; reason: string } } {
  const planned = new Set(move.task_ids);
  const held = openNow.filter((t) => planned.has(t.id) && t.assignee_user_id === leaver);
  const gone = openNow.filter((t) => planned.has(t.id) && t.assignee_user_id !== leaver);
  const closed = move.task_ids.filter((id) => !openNow.some((t) => t.id === id));
  const others = openNow.filter((t) => !planned.has(t.id));
  const to = move.to!;
  if (move.whole && (gone.length > 0 || others.length > 0)) {
    const why = [
      gone.length > 0 && `${plural(gone.length, 'task')} of it changed hands`,
      others.length > 0 && `it holds ${plural(others.length, 'open task')} not in the plan`,
    ].filter(Boolean);
    const reason = `its run changed since the plan (${why.join('; ')}): a run moves whole or not at all`;
    return { calls: [], gone, closed, kept: { task_ids: held.map((t) => t.id), reason } };
  }
  if (move.scope === 'SEQUENCE' && others.length === 0 && gone.length === 0 && held.length > 1) {
    return {
      calls: [
        {
          scope: 'SEQUENCE',
          task_id: held[0]!.id,
          sequence_id: move.sequence_id,
          from: leaver,
          to,
          task_ids: held.map((t) => t.id),
        },
      ],
      gone,
      closed,
    };
  }
  return {
    calls: held.map((t) => ({
      scope: 'TASK',
      task_id: t.id,
      sequence_id: move.sequence_id,
      from: leaver,
      to,
      task_ids: [t.id],
    })),
    gone,
    closed,
  };
}
