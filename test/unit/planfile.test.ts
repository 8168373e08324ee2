import { describe, expect, it } from 'vitest';
import { movesOf, type PlanTask } from '../../src/domain/planfile.js';
import { digestOf } from '../../src/services/planfile.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const task = (
  id: number,
  run: number,
  from: number | null,
  to: number,
  scope: PlanTask['scope'],
): PlanTask => ({
  task_id: uuid(id),
  sequence_id: uuid(100 + run),
  type: 'CALL',
  priority: 'HOT',
  before: { assignee_user_id: from === null ? null : uuid(200 + from), status: 'PENDING' },
  after: { assignee_user_id: uuid(200 + to) },
  scope,
});

describe('plan files', () => {
  it('digests the whole plan whatever the order of its keys, and any change of a value changes it', () => {
    const body = { a: 1, b: { c: [1, 2], d: null } };
    expect(digestOf(body as never)).toBe(digestOf({ b: { d: null, c: [1, 2] }, a: 1 } as never));
    expect(digestOf(body as never)).not.toBe(digestOf({ a: 1, b: { c: [2, 1], d: null } } as never));
    expect(digestOf({ ...body, digest: 'sha256:x' } as never)).toBe(digestOf(body as never));
  });

  it('moves a run in one call only when its planned tasks are one holder’s, all going to one person', () => {
    const moves = movesOf({
      kind: 'offboard',
      tasks: [
        task(1, 1, 1, 2, 'SEQUENCE'),
        task(2, 1, 1, 2, 'SEQUENCE'),
        // a run held by two people: task by task, one group each
        task(3, 2, 1, 2, 'SEQUENCE'),
        task(4, 2, 3, 2, 'SEQUENCE'),
        // planned task by task (the run held others): stays so
        task(5, 3, 1, 2, 'TASK'),
        task(6, 3, 1, 2, 'TASK'),
        // a run of one task
        task(7, 4, null, 2, 'SEQUENCE'),
        // one task of a run that held others' tasks: task by task, as the dry run counted it
        task(8, 5, 1, 2, 'TASK'),
      ],
    });
    expect(moves.map((m) => [m.sequence_id, m.from, m.task_ids.length, m.scope, Boolean(m.reason)])).toEqual([
      [uuid(101), uuid(201), 2, 'SEQUENCE', false],
      [uuid(102), uuid(201), 1, 'TASK', true],
      [uuid(102), uuid(203), 1, 'TASK', true],
      [uuid(103), uuid(201), 2, 'TASK', true],
      [uuid(104), null, 1, 'TASK', false],
      [uuid(105), uuid(201), 1, 'TASK', true],
    ]);
    // Task IDs planned one by one are not runs moved task by task.
    expect(movesOf({ kind: 'reassign', tasks: [task(9, 6, 1, 2, 'TASK')] })[0]!.reason).toBeNull();
  });
});
