import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { sandbox, spawnTopo, tempDir, topo, waitFor } from '../helpers.js';

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

function world(s: Sandbox) {
  const [alice, bob] = s.store.users;
  const snapshot = new Map(s.store.state.tasks.map((t) => [t.id, { ...t }]));
  const aliceOpen = s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t));
  const runs = new Map<string, Task[]>();
  for (const t of aliceOpen) runs.set(t.sequence_id, s.store.sequence(t.sequence_id).filter(isOpen));
  const wholeMulti = [...runs.values()].filter(
    (open) => open.every((t) => t.assignee_user_id === alice!.id) && open.length > 1,
  );
  const sharedTasks = aliceOpen.filter((t) =>
    runs.get(t.sequence_id)!.some((o) => o.assignee_user_id !== alice!.id),
  );
  const single = [...runs.values()].filter((open) => open.length === 1);
  return { alice: alice!, bob: bob!, snapshot, aliceOpen, wholeMulti, sharedTasks, single };
}

function stateEnv() {
  const dir = tempDir();
  return { dir, env: { TOPO_STATE_DIR: dir } };
}

describe('tasks reassign --from (offboarding)', () => {
  it('moves every open task of --from and nothing else, with the planned calls, and journals each move', async () => {
    const s = await sandbox();
    const w = world(s);
    expect(w.sharedTasks.length).toBeGreaterThan(0);
    expect(w.wholeMulti.length).toBeGreaterThan(0);
    const { dir, env } = stateEnv();
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'], {
      sandbox: s,
      env,
    });
    expect(r.stderr).toContain(
      `Plan: move ${w.aliceOpen.length} open tasks from ${w.alice.id} to ${w.bob.id}`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');

    // afterwards alice holds no open task; closed tasks of alice and every task of others are untouched
    for (const t of s.store.state.tasks) {
      const before = w.snapshot.get(t.id)!;
      if (before.assignee_user_id === w.alice.id && isOpen(before)) expect(t.assignee_user_id).toBe(w.bob.id);
      else expect(t).toEqual(before);
    }
    // the calls made match the plan, within the bound of the issue
    const patches = s
      .received('PATCH')
      .map((q) => ({ path: q.path, body: JSON.parse(q.body) as { scope: string } }));
    const sequenceCalls = patches.filter((p) => p.body.scope === 'SEQUENCE');
    expect(sequenceCalls).toHaveLength(w.wholeMulti.length);
    expect(patches).toHaveLength(w.wholeMulti.length + w.single.length + w.sharedTasks.length);
    expect(patches.length).toBeLessThanOrEqual(w.wholeMulti.length + w.single.length + w.sharedTasks.length);
    // the journal: path printed at the start and the end, a line per moved task
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const path = join(dir, files[0]!);
    expect(r.stderr.split('\n').filter((l) => l === `Journal: ${path}`)).toHaveLength(2);
    const all = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    // each call is recorded when it starts and again with its outcome
    expect(all.filter((l) => l.result === 'started')).toHaveLength(w.aliceOpen.length);
    const lines = all.filter((l) => l.result === 'moved');
    expect(lines.map((l) => l.task_id).sort()).toEqual(w.aliceOpen.map((t) => t.id).sort());
    for (const l of lines) {
      expect(l).toMatchObject({ from: w.alice.id, to: w.bob.id, result: 'moved' });
      expect(['TASK', 'SEQUENCE']).toContain(l.scope);
      expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect(r.stderr).toContain(`Done: ${w.aliceOpen.length} tasks moved, 0 calls failed.`);
  });

  it('--dry-run prints the plan (JSON with --json) and changes nothing', async () => {
    const s = await sandbox();
    const w = world(s);
    const before = JSON.stringify(s.store.state.tasks);
    const text = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--dry-run'], {
      sandbox: s,
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Plan: move ${w.aliceOpen.length} open tasks`);
    expect(text.stdout).toContain('runs handled task by task, so nobody else’s work moves:');
    const json = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--dry-run', '--json'],
      { sandbox: s },
    );
    const report = JSON.parse(json.stdout) as { plan: { tasks: number; calls: unknown[] }; dry_run: boolean };
    expect(report.dry_run).toBe(true);
    expect(report.plan.tasks).toBe(w.aliceOpen.length);
    expect(report.plan.calls).toHaveLength(w.wholeMulti.length + w.single.length + w.sharedTasks.length);
    expect(s.received('PATCH')).toHaveLength(0);
    expect(JSON.stringify(s.store.state.tasks)).toBe(before);
  });

  it('narrows by type and priority, and never moves the user’s other tasks with a SEQUENCE call', async () => {
    const s = await sandbox();
    const w = world(s);
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '-t', 'call', '-p', 'hot,today', '--yes'],
      { sandbox: s },
    );
    expect(r.code).toBe(0);
    for (const t of s.store.state.tasks) {
      const before = w.snapshot.get(t.id)!;
      const selected =
        before.assignee_user_id === w.alice.id &&
        isOpen(before) &&
        before.type === 'CALL' &&
        before.priority !== 'EXTRA';
      expect(t.assignee_user_id).toBe(selected ? w.bob.id : before.assignee_user_id);
    }
  });

  it('needs --yes without a terminal, and rejects bad combinations before any request', async () => {
    const s = await sandbox();
    const w = world(s);
    const cases: [string[], string][] = [
      [
        ['--from', w.alice.id, '--to', w.bob.id],
        'error: moving every open task of a user needs confirmation, but there is no terminal to ask: pass --yes (or --dry-run to preview)',
      ],
      [
        [w.aliceOpen[0]!.id, '--from', w.alice.id, '--to', w.bob.id],
        'error: a task ID and --from cannot be used together',
      ],
      [
        ['--from', w.alice.id, '--to', w.bob.id, '--scope', 'sequence'],
        'error: --scope goes with a task ID, not with --from or --undo',
      ],
      [
        ['--from', w.alice.id],
        "error: --to is required: who should get the tasks (a UUID, an alias, or 'me')",
      ],
      [['--from', w.alice.id, '--to', w.alice.id, '--yes'], 'error: --from and --to are the same user'],
      [
        ['--from', 'ghost', '--to', w.bob.id],
        "error: --from: 'ghost' is neither a UUID nor a known alias (see 'topo alias list')",
      ],
      [
        ['--from', w.alice.id, '--to', w.bob.id, '-t', 'fax'],
        "error: --type: invalid value 'fax' (allowed: call, email_reply, linkedin_reply, new_lead_review)",
      ],
      [
        ['--undo', '/nonexistent/journal.jsonl', '--yes'],
        'error: cannot read journal /nonexistent/journal.jsonl: ENOENT',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await topo(['tasks', 'reassign', ...args], { sandbox: s });
      expect(r.stderr).toBe(`${message}\n`);
      expect(r.code).toBe(2);
    }
    expect(s.requests).toHaveLength(0);
  });

  it('a failed call does not stop the others; exit 6 says what is left; re-running finishes the job', async () => {
    const s = await sandbox();
    const w = world(s);
    s.injectFault({ method: 'PATCH', status: 409, times: 1 });
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--json'], {
      sandbox: s,
    });
    expect(r.code).toBe(6);
    const report = JSON.parse(r.stdout) as {
      failed: number;
      remaining: string[];
      moved: number;
      calls: { result: string }[];
    };
    expect(report.failed).toBe(1);
    expect(report.remaining.length).toBeGreaterThan(0);
    expect(report.moved + report.remaining.length).toBe(w.aliceOpen.length);
    expect(r.stderr).toMatch(/✗ (TASK|SEQUENCE) call for [0-9a-f-]{36}: Injected 409 \(request req_\w+\)/);
    expect(r.stderr).toContain('left to move; run the same command again to retry them');
    const again = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'], {
      sandbox: s,
    });
    expect(again.code).toBe(0);
    expect(s.store.state.tasks.filter((t) => t.assignee_user_id === w.alice.id && isOpen(t))).toHaveLength(0);
  });

  it('Ctrl-C stops starting calls, lets those in flight finish, says what is left, exits 130; a re-run finishes', async () => {
    const s = await sandbox({ latencyMs: 40 });
    const w = world(s);
    const { dir, env } = stateEnv();
    const run = spawnTopo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--concurrency', '1'],
      {
        sandbox: s,
        env,
      },
    );
    run.child.stdout.resume();
    await waitFor(() => s.received('PATCH').length >= 3);
    run.child.kill('SIGINT');
    const code = await run.exit;
    const stderr = run.stderr();
    expect(code).toBe(130);
    expect(stderr).toMatch(
      /error: interrupted: \d+ tasks? moved, \d+ tasks? left; run the same command again to finish/,
    );
    const movedNow = s.store.state.tasks.filter(
      (t) => w.aliceOpen.some((a) => a.id === t.id) && t.assignee_user_id === w.bob.id,
    );
    expect(movedNow.length).toBeGreaterThan(0);
    expect(movedNow.length).toBeLessThan(w.aliceOpen.length);
    // every move that happened is journaled: nothing half-recorded
    const journal = readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { task_id: string; result: string });
    const recorded = journal.filter((l) => l.result === 'moved').map((l) => l.task_id);
    expect(recorded.sort()).toEqual(movedNow.map((t) => t.id).sort());
    // nothing half-recorded: every started call has its outcome
    expect(journal.filter((l) => l.result === 'started')).toHaveLength(recorded.length);

    const again = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'], {
      sandbox: s,
    });
    expect(again.code).toBe(0);
    expect(s.store.state.tasks.filter((t) => t.assignee_user_id === w.alice.id && isOpen(t))).toHaveLength(0);
  });

  it('--undo moves recorded tasks back, leaving alone those changed since', async () => {
    const s = await sandbox();
    const w = world(s);
    const { dir, env } = stateEnv();
    expect(
      (
        await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'], {
          sandbox: s,
          env,
        })
      ).code,
    ).toBe(0);
    const journal = join(dir, readdirSync(dir)[0]!);
    const [changedOwner, closed] = w.aliceOpen;
    const carla = s.store.users[2]!;
    s.store.reassign(changedOwner!.id, carla.id, 'TASK');
    s.store.skip(closed!.id);
    const before = s.received('PATCH').length;
    const dry = await topo(['tasks', 'reassign', '--undo', journal, '--dry-run'], { sandbox: s, env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      `Undo plan: move ${w.aliceOpen.length - 2} tasks back to ${w.alice.id} (2 left alone: changed since)`,
    );
    expect(s.received('PATCH')).toHaveLength(before);
    const r = await topo(['tasks', 'reassign', '--undo', journal, '--yes', '--json'], { sandbox: s, env });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { skipped: { task_id: string; reason: string }[]; moved: number };
    expect(report.moved).toBe(w.aliceOpen.length - 2);
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { task_id: changedOwner!.id, reason: `now assigned to ${carla.id}` },
        { task_id: closed!.id, reason: 'no longer open' },
      ]),
    );
    expect(s.store.get(changedOwner!.id)!.assignee_user_id).toBe(carla.id);
    expect(s.store.get(closed!.id)!.assignee_user_id).toBe(w.bob.id);
    for (const t of w.aliceOpen.slice(2)) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.alice.id);
    // nobody else's task moved along the way
    for (const t of s.store.state.tasks) {
      const was = w.snapshot.get(t.id)!;
      if (!w.aliceOpen.some((a) => a.id === t.id)) expect(t.assignee_user_id).toBe(was.assignee_user_id);
    }
  });
});
