import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import { isActive, planBalance, type DonorRun } from '../../src/domain/rebalance.js';
import { describeBalance } from '../../src/output/rebalance.js';

let n = 0;
function task(run: string, assignee: string, extra: Partial<Task> = {}): Task {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    organization_id: 'org',
    type: 'CALL',
    priority: 'TODAY',
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

/** A donor's run of `size` tasks of one priority. */
function run(id: string, from: string, size: number, extra: Partial<Task> = {}): DonorRun {
  const tasks = Array.from({ length: size }, () => task(id, from, extra));
  return { sequence_id: id, from, tasks, active: isActive(tasks) };
}

const plan = (
  counts: [string, number][],
  runs: DonorRun[],
  o: { away?: string[]; includeActive?: boolean } = {},
) =>
  planBalance({
    counts: new Map(counts),
    away: new Map((o.away ?? []).map((id) => [id, { job: 'abcd0001', until: null }])),
    runs,
    tolerance: 0.15,
    includeActive: Boolean(o.includeActive),
  });

describe('planBalance', () => {
  it('moves the least disruptive runs first: EXTRA before TODAY before HOT, smaller before larger', () => {
    const runs = [
      run('hot1', 'a', 1, { priority: 'HOT' }),
      run('today2', 'a', 2),
      run('extra3', 'a', 3, { priority: 'EXTRA' }),
      run('extra1', 'a', 1, { priority: 'EXTRA' }),
      run('rest', 'a', 6),
    ];
    const b = plan(
      [
        ['a', 13],
        ['b', 7],
      ],
      runs,
    );
    // Mean 10, band 8.5–11.5: EXTRA runs first (the smaller first), then stop once both are within.
    expect(b.moves.map((m) => m.sequence_id)).toEqual(['extra1', 'extra3']);
    expect(b.members.map((m) => m.after)).toEqual([9, 11]);
    expect(b.within).toBe(true);
  });

  it('never moves a run with a reply or a task in progress unless asked, and then last', () => {
    const runs = [
      run('reply', 'a', 2, { type: 'EMAIL_REPLY', priority: 'EXTRA' }),
      run('doing', 'a', 1, { status: 'IN_PROGRESS', priority: 'EXTRA' }),
      run('hot', 'a', 2, { priority: 'HOT' }),
    ];
    const quiet = plan(
      [
        ['a', 10],
        ['b', 2],
      ],
      runs,
    );
    expect(quiet.moves.map((m) => m.sequence_id)).toEqual(['hot']);
    expect(quiet.held.active).toBe(2);
    expect(quiet.within).toBe(false);
    const loud = plan(
      [
        ['a', 10],
        ['b', 2],
      ],
      runs,
      { includeActive: true },
    );
    expect(loud.moves.map((m) => m.sequence_id)).toEqual(['hot', 'doing']);
    expect(loud.held.active).toBe(0);
  });

  it('stops when no whole-run move narrows the gap, and leaves a run held elsewhere alone', () => {
    const b = plan(
      [
        ['a', 10],
        ['b', 0],
      ],
      [run('big', 'a', 10), { ...run('shared', 'a', 1), held: 'shared' }],
    );
    expect(b.moves).toEqual([]);
    expect(b.within).toBe(false);
    expect(b.held.shared).toBe(1);
    expect(b.spread).toEqual({ before: 10, after: 10 });
  });

  it('when no run fits the band, a move at most evens the pair out: no member is pushed past it the other way', () => {
    // Mean 8, band 6.8–9.2. The 11-task run narrows the gap (11 < 14 − 2) but would leave a at 3 and b at 13:
    // the giver below the band, the receiver above it, the two swapped. It stays.
    const b = plan(
      [
        ['a', 14],
        ['b', 2],
      ],
      [run('big', 'a', 11, { priority: 'EXTRA' })],
    );
    expect(b.moves).toEqual([]);
    expect(b.within).toBe(false);
    const some = plan(
      [
        ['a', 14],
        ['b', 2],
      ],
      [run('big', 'a', 11, { priority: 'EXTRA' }), run('three', 'a', 3, { priority: 'HOT' })],
    );
    // A smaller run goes instead, though the EXTRA one is less disruptive; after it the big one is wider than
    // the gap and the plan ends short of the band, as even as whole runs allow.
    expect(some.moves.map((m) => m.sequence_id)).toEqual(['three']);
    expect(some.members.map((m) => [m.id, m.after])).toEqual([
      ['a', 11],
      ['b', 5],
    ]);
  });

  it('a member away receives nothing and is left out of the mean', () => {
    const runs = Array.from({ length: 10 }, (_, i) => run(`r${i}`, 'a', 1));
    const b = plan(
      [
        ['a', 12],
        ['b', 4],
        ['away', 0],
      ],
      runs,
      { away: ['away'] },
    );
    expect(b.mean).toBe(8);
    expect(b.members.find((m) => m.id === 'away')).toMatchObject({
      gets: 0,
      after: 0,
      away: { job: 'abcd0001' },
    });
    // Band 6.8–9.2: it stops as soon as both are within.
    expect(b.members.map((m) => m.after)).toEqual([9, 7, 0]);
    expect(b.within).toBe(true);
  });
});

describe('describeBalance', () => {
  it('a member who gives and gets says both in one parenthesis; the box titles every column', () => {
    const b = plan(
      [
        ['a', 13],
        ['b', 7],
      ],
      [run('extra1', 'a', 1, { priority: 'EXTRA' })],
    );
    const both = { ...b, members: b.members.map((m) => (m.id === 'a' ? { ...m, gives: 4, gets: 2 } : m)) };
    const lines = describeBalance(both, (id) => id ?? '—');
    expect(lines).toContain('    a: 13 → 12 (gives 4, gets 2), above\n');
    expect(lines).toContain('    b: 7 → 8 (gets 1), below\n');
    const boxed = describeBalance(both, (id) => id ?? '—', { width: 80, styleHead: (t) => t });
    expect(boxed).toMatch(/│ member │ before │ gives │ gets │ after │ +band +│/);
  });
});
