import type { ReassignScope, Task } from '../api/types.js';
import type { ReassignPlan, RunMove, SuccessorShare } from './plan.js';

/**
 * A plan file (`--plan-out`): the hand-over form of a job. Whoever plans writes it; whoever applies it (the same
 * person later, or a second approver) moves exactly what it says, where each task is still as planned. Every
 * kind of job writes the same file: its own rules as a free object, and each task with where it is and where it
 * goes. Never contact details: tasks carry only ids, types, priorities and statuses.
 */

export const PLAN_FORMAT = 'topo-plan';
export const PLAN_VERSION = 1;

/** What made the plan: offboarding, a cover, task IDs, a sequence run, a rebalance (new kinds may come). */
export type PlanKind = 'offboard' | 'cover' | 'reassign' | 'reassign_sequence' | 'rebalance' | (string & {});

/** A key as the API describes it (`GET /v1/me`): never the key itself. */
export interface KeyRef {
  key_id: string;
  key_name: string;
}

export interface PlanTask {
  task_id: string;
  /** The sequence run the task belongs to. */
  sequence_id: string;
  type: string;
  priority: string;
  /** As the task was when planned: applying it moves the task only if it is still open and still with them. */
  before: { assignee_user_id: string | null; status: string };
  after: { assignee_user_id: string };
  /** SEQUENCE: the run's open tasks were all planned together (one call may move them, after a check). */
  scope: ReassignScope;
}

export interface PlanFile {
  format: typeof PLAN_FORMAT;
  version: number;
  kind: PlanKind;
  /** Where it applies: the API (`sandbox` for the sandbox) and the organization of the planning key. */
  workspace: { api_url: string; organization_id: string };
  planned_by: KeyRef & { at: string };
  /** Applying it needs another key than the planning key (four eyes). */
  needs_approval: boolean;
  /** The kind's own rules (from, to and weights, cap, filters, tolerance…), as the planner gives them. */
  rules: Record<string, unknown>;
  tasks: PlanTask[];
  /** `sha256:<hex>` over every other field (see services/planfile.ts): any edit is found. */
  digest: string;
}

/** A plan's tasks the same way the planner sees them: a task as the API would show it, from what the plan holds. */
export function taskOf(p: PlanTask): Task {
  return {
    id: p.task_id,
    sequence_id: p.sequence_id,
    type: p.type,
    priority: p.priority,
    status: p.before.status,
    assignee_user_id: p.before.assignee_user_id,
  } as Task;
}

/** The task as it goes into a plan: what it is now, and who gets it. */
export function planTaskOf(t: Task, to: string, scope: ReassignScope): PlanTask {
  return {
    task_id: t.id,
    sequence_id: t.sequence_id,
    type: t.type,
    priority: t.priority,
    before: { assignee_user_id: t.assignee_user_id, status: t.status },
    after: { assignee_user_id: to },
    scope,
  };
}

/**
 * The moves of a plan: its tasks by run, holder, successor and scope (one group each), in the file's order.
 * A run the plan moves task by task (its tasks written TASK, or several groups in one run) says why; in an
 * offboarding's plan that holds for a run of one planned task too (a run holding nothing else is written
 * SEQUENCE), so `plan show` counts runs as the dry run did.
 */
export function movesOf(file: Pick<PlanFile, 'tasks' | 'kind'>): (RunMove & { from: string | null })[] {
  const groups = new Map<string, RunMove & { from: string | null }>();
  const holders = new Map<string, Set<string>>();
  const writtenTask = new Set<string>();
  for (const t of file.tasks) {
    const key = `${t.sequence_id}\t${t.before.assignee_user_id ?? ''}\t${t.after.assignee_user_id}`;
    const group = groups.get(key) ?? {
      sequence_id: t.sequence_id,
      task_ids: [],
      to: t.after.assignee_user_id,
      from: t.before.assignee_user_id,
      scope: t.scope,
      reason: null,
    };
    group.task_ids.push(t.task_id);
    if (t.scope === 'TASK') {
      group.scope = 'TASK';
      writtenTask.add(key);
    }
    groups.set(key, group);
    const seen = holders.get(t.sequence_id) ?? new Set<string>();
    seen.add(key);
    holders.set(t.sequence_id, seen);
  }
  const offboarding = file.kind === 'offboard' || file.kind === 'cover';
  for (const [key, g] of groups) {
    const shared = (holders.get(g.sequence_id)?.size ?? 0) > 1;
    // A run shared by several groups never moves in one call; a run of one task takes a TASK call anyway.
    if (shared || g.task_ids.length < 2) g.scope = 'TASK';
    if (shared || (writtenTask.has(key) && (g.task_ids.length > 1 || offboarding)))
      g.reason = 'moved task by task: the run held other open tasks when planned';
  }
  return [...groups.values()];
}

/** The plan in the shape of an offboarding's plan: what the preview, the report and `--json` show. */
export function reassignPlanOf(
  file: Pick<PlanFile, 'tasks' | 'kind'>,
  weights: Map<string, number>,
): ReassignPlan {
  const moves = movesOf(file);
  const shares = new Map<string, SuccessorShare>();
  const plan: ReassignPlan = {
    tasks: file.tasks.length,
    runs: new Set(file.tasks.map((t) => t.sequence_id)).size,
    calls: moves.reduce((n, m) => n + (m.scope === 'SEQUENCE' ? 1 : m.task_ids.length), 0),
    by_type: {},
    by_priority: {},
    moves: moves.map(({ from: _from, ...m }) => m),
    successors: [],
    kept: [],
    staying: { tasks: 0, runs: 0, by_type: {}, by_priority: {} },
    task_by_task: moves
      .filter((m) => m.reason)
      .map((m) => ({ sequence_id: m.sequence_id, reason: m.reason!, task_ids: m.task_ids })),
  };
  for (const t of file.tasks) {
    const to = t.after.assignee_user_id;
    plan.by_type[t.type] = (plan.by_type[t.type] ?? 0) + 1;
    plan.by_priority[t.priority] = (plan.by_priority[t.priority] ?? 0) + 1;
    const share = shares.get(to) ?? {
      id: to,
      weight: weights.get(to) ?? 1,
      runs: 0,
      tasks: 0,
      by_priority: {},
    };
    share.tasks++;
    share.by_priority[t.priority] = (share.by_priority[t.priority] ?? 0) + 1;
    shares.set(to, share);
  }
  for (const m of moves) shares.get(m.to!)!.runs++;
  plan.successors = [...shares.values()];
  return plan;
}

/** Everyone who holds planned tasks now (when planned), in order of first appearance. */
export function holdersOf(file: Pick<PlanFile, 'tasks'>): (string | null)[] {
  return [...new Set(file.tasks.map((t) => t.before.assignee_user_id))];
}
