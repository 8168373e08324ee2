import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import { planMoves } from '../../src/services/plan.js';

let n = 0;
function task(run: string, assignee: string | null, extra: Partial<Task> = {}): Task {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    organization_id: 'org',
    type: 'CALL',
    priority: 'HOT',
    status: 'PENDING',
    sequence_id: run,
    assignee_user_id: assignee,
    disposition: null,
    reopened_at: null,
    reopen_reason: null,
    skipped_at: null,
    completed_at: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

describe('planMoves', () => {
  it('moves a run held wholly by the user in one SEQUENCE call and a shared run task by task', () => {
    const whole = [task('r1', 'alice'), task('r1', 'alice', { type: 'EMAIL_REPLY' }), task('r1', 'alice')];
    const shared = [task('r2', 'alice'), task('r2', 'alice')];
    const carla = task('r2', 'carla');
    const lone = task('r3', 'alice');
    const open = new Map([
      ['r1', whole],
      ['r2', [...shared, carla]],
      ['r3', [lone]],
    ]);
    const moves = [...whole, ...shared, lone].map((t) => ({ task: t, to: 'bob' }));
    const plan = planMoves(
      moves,
      (id) => open.get(id) ?? [],
      (id) => id ?? 'unassigned',
    );
    expect(plan.calls.map((c) => [c.scope, c.sequence_id, c.task_ids.length])).toEqual([
      ['SEQUENCE', 'r1', 3],
      ['TASK', 'r2', 1],
      ['TASK', 'r2', 1],
      ['TASK', 'r3', 1],
    ]);
    expect(plan.tasks).toBe(6);
    expect(plan.runs).toBe(3);
    expect(plan.by_type).toEqual({ CALL: 5, EMAIL_REPLY: 1 });
    expect(plan.task_by_task).toEqual([
      {
        sequence_id: 'r2',
        reason: 'the run also holds open tasks not being moved (carla ×1)',
        task_ids: shared.map((t) => t.id),
      },
    ]);
    // The bound of the offboarding issue: calls ≤ whole runs + tasks in shared runs.
    expect(plan.calls.length).toBeLessThanOrEqual(2 + 2);
  });

  it('goes task by task when the user has open tasks of the run outside the filters', () => {
    const call = task('r1', 'alice');
    const email = task('r1', 'alice', { type: 'EMAIL_REPLY' });
    const other = task('r1', 'alice');
    const plan = planMoves(
      [call, other].map((t) => ({ task: t, to: 'bob' })),
      () => [call, email, other],
      (id) => id ?? '',
    );
    expect(plan.calls.every((c) => c.scope === 'TASK')).toBe(true);
    expect(plan.task_by_task[0]!.reason).toBe(
      'the run also holds open tasks not being moved (1 outside the filters)',
    );
  });

  it('never sends one SEQUENCE call for tasks going back to different people', () => {
    const a = task('r1', 'bob');
    const b = task('r1', 'bob');
    const plan = planMoves(
      [
        { task: a, to: 'alice' },
        { task: b, to: 'carla' },
      ],
      () => [a, b],
      (id) => id ?? '',
    );
    expect(plan.calls.map((c) => c.scope)).toEqual(['TASK', 'TASK']);
  });
});
