import type { ReassignScope, Task } from '../api/types.js';

/** Planning a bulk reassignment: as few calls as possible without moving anybody else's work. */

export interface Move {
  task: Task;
  /** The new assignee. */
  to: string;
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

export interface TaskByTaskRun {
  sequence_id: string;
  reason: string;
  task_ids: string[];
}

export interface ReassignPlan {
  tasks: number;
  runs: number;
  calls: PlannedCall[];
  by_type: Record<string, number>;
  by_priority: Record<string, number>;
  /** Runs handled with one TASK call per task, and why. */
  task_by_task: TaskByTaskRun[];
}

/**
 * Groups the moves by sequence run. A run whose open tasks are all being moved to one person takes one
 * SEQUENCE call; a run that also holds other open tasks (someone else's, or outside the filters) takes a
 * TASK call per moved task, so nothing else moves. Calls ≤ whole runs + tasks in shared runs.
 */
export function planMoves(
  moves: Move[],
  openTasksOfRun: (sequenceId: string) => Task[],
  who: (userId: string | null) => string,
): ReassignPlan {
  const byRun = new Map<string, Move[]>();
  const byType: Record<string, number> = {};
  const byPriority: Record<string, number> = {};
  for (const move of moves) {
    const list = byRun.get(move.task.sequence_id) ?? [];
    list.push(move);
    byRun.set(move.task.sequence_id, list);
    byType[move.task.type] = (byType[move.task.type] ?? 0) + 1;
    byPriority[move.task.priority] = (byPriority[move.task.priority] ?? 0) + 1;
  }
  const calls: PlannedCall[] = [];
  const taskByTask: TaskByTaskRun[] = [];
  for (const [sequenceId, runMoves] of byRun) {
    const moving = new Set(runMoves.map((m) => m.task.id));
    const others = openTasksOfRun(sequenceId).filter((t) => !moving.has(t.id));
    const destinations = new Set(runMoves.map((m) => m.to));
    const first = runMoves[0]!;
    if (others.length === 0 && destinations.size === 1 && runMoves.length > 1) {
      calls.push({
        scope: 'SEQUENCE',
        task_id: first.task.id,
        sequence_id: sequenceId,
        from: first.task.assignee_user_id,
        to: first.to,
        task_ids: runMoves.map((m) => m.task.id),
      });
      continue;
    }
    for (const m of runMoves) {
      calls.push({
        scope: 'TASK',
        task_id: m.task.id,
        sequence_id: sequenceId,
        from: m.task.assignee_user_id,
        to: m.to,
        task_ids: [m.task.id],
      });
    }
    if (others.length > 0 || destinations.size > 1) {
      taskByTask.push({
        sequence_id: sequenceId,
        reason: sharedReason(others, runMoves, who),
        task_ids: runMoves.map((m) => m.task.id),
      });
    }
  }
  return {
    tasks: moves.length,
    runs: byRun.size,
    calls,
    by_type: byType,
    by_priority: byPriority,
    task_by_task: taskByTask,
  };
}

function sharedReason(others: Task[], moves: Move[], who: (id: string | null) => string): string {
  if (others.length === 0) return 'its tasks go back to different people';
  const movers = new Set(moves.map((m) => m.task.assignee_user_id));
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
