import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import { callsForRun, planOffboard } from '../../src/domain/plan.js';

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

const who = (id: string | null) => id ?? 'unassigned';

describe('planOffboard', () => {
  it('moves a run held wholly by the leaver in one SEQUENCE call and a shared run task by task', () => {
    const whole = [task('r1', 'alice'), task('r1', 'alice', { type: 'EMAIL_REPLY' }), task('r1', 'alice')];
    const shared = [task('r2', 'alice'), task('r2', 'alice')];
    const carla = task('r2', 'carla');
    const lone = task('r3', 'alice');
    const open = new Map([
      ['r1', whole],
      ['r2', [...shared, carla]],
      ['r3', [lone]],
    ]);
    const plan = planOffboard(
      [...whole, ...shared, lone],
      (id) => open.get(id) ?? [],
      [{ id: 'bob', weight: 1 }],
      undefined,
      who,
    );
    expect(plan.moves.map((m) => [m.sequence_id, m.scope, m.task_ids.length, m.to])).toEqual([
      ['r1', 'SEQUENCE', 3, 'bob'],
      ['r2', 'TASK', 2, 'bob'],
      ['r3', 'TASK', 1, 'bob'],
    ]);
    expect(plan.tasks).toBe(6);
    expect(plan.runs).toBe(3);
    // The bound of the offboarding issue: calls ≤ whole runs + tasks in shared runs.
    expect(plan.calls).toBe(1 + 2 + 1);
    expect(plan.by_type).toEqual({ CALL: 5, EMAIL_REPLY: 1 });
    expect(plan.task_by_task).toEqual([
      {
        sequence_id: 'r2',
        reason: 'the run also holds open tasks not being moved (carla ×1)',
        task_ids: shared.map((t) => t.id),
      },
    ]);
  });

  it('shares runs by weight, the most urgent first, whole runs to one successor; a cap keeps the rest', () => {
    const tasks: Task[] = [];
    for (let r = 0; r < 60; r++)
      for (let k = 0; k < 1 + (r % 3); k++)
        tasks.push(
          task(`run${r}`, 'alice', {
            priority: r % 5 === 0 ? 'HOT' : 'EXTRA',
            created_at: `2026-01-${String(1 + (r % 28)).padStart(2, '0')}T00:00:00Z`,
          }),
        );
    const byRun = (id: string) => tasks.filter((t) => t.sequence_id === id);
    const plan = planOffboard(
      tasks,
      byRun,
      [
        { id: 'bob', weight: 2 },
        { id: 'carla', weight: 1 },
      ],
      undefined,
      who,
    );
    const got = (id: string) =>
      plan.moves.filter((m) => m.to === id).reduce((n, m) => n + m.task_ids.length, 0);
    expect(got('bob') + got('carla')).toBe(tasks.length);
    expect(Math.abs(got('bob') - (tasks.length * 2) / 3)).toBeLessThanOrEqual(3);
    for (const m of plan.moves)
      expect(new Set(m.task_ids.map((id) => tasks.find((t) => t.id === id)!.sequence_id)).size).toBe(1);
    const capped = planOffboard(
      tasks,
      byRun,
      [
        { id: 'bob', weight: 2 },
        { id: 'carla', weight: 1 },
      ],
      20,
      who,
    );
    const kept = capped.moves.filter((m) => m.to === null);
    expect(capped.kept.length).toBe(tasks.length - capped.tasks);
    for (const s of capped.successors) expect(s.tasks).toBeLessThanOrEqual(20);
    // What stays is the least urgent: every HOT run found a place.
    for (const m of kept)
      for (const id of m.task_ids) expect(tasks.find((t) => t.id === id)!.priority).toBe('EXTRA');
  });
});

describe('callsForRun', () => {
  const move = (ids: string[], scope: 'TASK' | 'SEQUENCE') => ({
    sequence_id: 'r',
    task_ids: ids,
    to: 'bob',
    scope,
    reason: null,
  });

  it('one SEQUENCE call while the run holds exactly the planned tasks, all still the leaver’s', () => {
    const [a, b] = [task('r', 'alice'), task('r', 'alice')];
    const { calls } = callsForRun(move([a!.id, b!.id], 'SEQUENCE'), 'alice', [a!, b!]);
    expect(calls).toEqual([
      {
        scope: 'SEQUENCE',
        task_id: a!.id,
        sequence_id: 'r',
        from: 'alice',
        to: 'bob',
        task_ids: [a!.id, b!.id],
      },
    ]);
  });

  it('task by task, leaving alone what changed hands or closed, when the run is no longer as planned', () => {
    const [a, b, c] = [task('r', 'alice'), task('r', 'carla'), task('r', 'alice')];
    const newcomer = task('r', 'dev');
    const planned = move([a!.id, b!.id, c!.id], 'SEQUENCE');
    const { calls, gone, closed } = callsForRun(planned, 'alice', [a!, b!, newcomer]);
    expect(calls.map((x) => [x.scope, x.task_id])).toEqual([['TASK', a!.id]]);
    expect(gone.map((t) => t.id)).toEqual([b!.id]);
    expect(closed).toEqual([c!.id]);
  });

  it('a run that moves whole stays whole when it changed: nothing is called, what is still held is kept', () => {
    const [a, b, c] = [task('r', 'alice'), task('r', 'alice'), task('r', 'alice')];
    const whole = { ...move([a!.id, b!.id], 'SEQUENCE'), whole: true };
    const drifted = callsForRun(whole, 'alice', [a!, { ...b!, assignee_user_id: 'dev' }]);
    expect(drifted.calls).toEqual([]);
    expect(drifted.kept).toEqual({
      task_ids: [a!.id],
      reason: 'its run changed since the plan (1 task of it changed hands): a run moves whole or not at all',
    });
    const grown = callsForRun(whole, 'alice', [a!, b!, c!]);
    expect(grown.calls).toEqual([]);
    expect(grown.kept?.reason).toContain('it holds 1 open task not in the plan');
    // A task closed since leaves the rest whole: it moves.
    const shrunk = callsForRun({ ...move([a!.id, b!.id, c!.id], 'SEQUENCE'), whole: true }, 'alice', [
      a!,
      b!,
    ]);
    expect(shrunk.calls.map((x) => [x.scope, x.task_ids])).toEqual([['SEQUENCE', [a!.id, b!.id]]]);
    expect(shrunk.closed).toEqual([c!.id]);
  });
});
