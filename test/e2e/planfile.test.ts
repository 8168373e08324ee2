import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { PlanFile } from '../../src/domain/planfile.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { sandbox, tempDir, topo, type RunOptions } from '../helpers.js';

/**
 * Plans as files: written by one key (`--plan-out`, nothing moved), applied by another (`plan apply`), moving
 * exactly what is still as planned; edited plans, plans of another workspace, old plans and a second-approver
 * plan applied by its own key are refused before anything is sent.
 */

const PLANNER = 'topo_sandbox_rw';
const APPROVER = 'topo_sandbox_tasks';
const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

function setup(s: Sandbox) {
  const dir = tempDir();
  const [alice, bob, carla, dev] = s.store.users;
  const run = (args: string[], o: RunOptions = {}) =>
    topo(args, { sandbox: s, ...o, env: { TOPO_STATE_DIR: join(dir, 'state'), ...o.env } });
  return { dir, alice: alice!.id, bob: bob!.id, carla: carla!.id, dev: dev!.id, run };
}

const patches = (s: Sandbox) => s.received('PATCH');
const readPlan = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as PlanFile;

describe('plan files: one key plans, another applies', () => {
  it('moves exactly the planned tasks still as planned, leaves drifted ones with their reason, records both keys', async () => {
    const s = await sandbox();
    const w = setup(s);
    const path = join(w.dir, 'alice.plan.json');
    const snapshot = new Map(s.store.state.tasks.map((t) => [t.id, { ...t }]));
    const planned = await w.run(
      [
        'tasks',
        'reassign',
        '--from',
        w.alice,
        '--to',
        `${w.bob},${w.carla}`,
        '--plan-out',
        path,
        '--needs-approval',
      ],
      { key: PLANNER },
    );
    expect(planned.code).toBe(0);
    expect(planned.stderr).toContain(`Plan written to ${path}`);
    expect(patches(s)).toHaveLength(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const plan = readPlan(path);
    // The sandbox has two keys that may change tasks, with identities of their own.
    const [rw, tasksKey] = await Promise.all(
      [PLANNER, APPROVER].map(async (key) => {
        const r = await fetch(`${s.url}/me`, { headers: { authorization: `Bearer ${key}` } });
        return { key: (await r.json()) as { id: string; name: string } };
      }),
    );
    expect(rw!.key.id).not.toBe(tasksKey!.key.id);
    expect(plan).toMatchObject({
      kind: 'offboard',
      needs_approval: true,
      workspace: { api_url: s.url, organization_id: s.store.state.organization_id },
      planned_by: { key_id: rw!.key.id, key_name: rw!.key.name },
      rules: { from: w.alice, cap: null, until: null },
    });
    expect(plan.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const aliceOpen = s.store.state.tasks.filter((t) => t.assignee_user_id === w.alice && isOpen(t));
    expect(plan.tasks.map((t) => t.task_id).sort()).toEqual(aliceOpen.map((t) => t.id).sort());
    for (const t of plan.tasks) {
      expect(t.before.assignee_user_id).toBe(w.alice);
      expect([w.bob, w.carla]).toContain(t.after.assignee_user_id);
    }
    // Never contact details.
    const text = readFileSync(path, 'utf8');
    for (const c of s.store.contacts().slice(0, 50))
      for (const v of [c.email, c.phone_number, c.last_name]) if (v) expect(text).not.toContain(v);

    // Meanwhile: one planned task changes hands, another closes.
    const [moved, closed] = [plan.tasks[0]!.task_id, plan.tasks.at(-1)!.task_id];
    expect((await w.run(['tasks', 'reassign', moved, '--to', w.dev])).code).toBe(0);
    expect((await w.run(['tasks', 'skip', closed])).code).toBe(0);
    const drifted = new Map(s.store.state.tasks.map((t) => [t.id, { ...t }]));
    const before = patches(s).length;

    // The planning key cannot approve its own plan: exit 5, nothing sent but the key's own description.
    const own = await w.run(['plan', 'apply', path, '--yes'], { key: PLANNER });
    expect(own.code).toBe(5);
    expect(own.stderr).toContain('this plan needs a second approver');
    expect(own.stderr).toContain("'Sandbox read-write'");
    expect(patches(s)).toHaveLength(before);

    const applied = await w.run(['plan', 'apply', path, '--yes', '--json'], { key: APPROVER });
    expect(applied.stderr).toContain("Planned by key 'Sandbox read-write'");
    expect(applied.code).toBe(0);
    const report = JSON.parse(applied.stdout) as Record<string, unknown> & {
      skipped: { task_id: string; reason: string }[];
      tasks: { task_id: string; result: string }[];
    };
    expect(report.planned_by).toMatchObject({ key_id: rw!.key.id, key_name: 'Sandbox read-write' });
    expect(report.applied_by).toEqual({ key_id: tasksKey!.key.id, key_name: 'Sandbox tasks only' });
    expect(report.moved).toBe(plan.tasks.length - 2);
    // The runs still blocked are checked as an offboarding's are; this key may not read runs, and says so.
    expect(applied.stderr).toContain(
      "note: which runs are still blocked could not be checked: the key lacks 'sequences:read'.",
    );
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { task_id: moved, reason: `now with ${w.dev}` },
        { task_id: closed, reason: 'closed since the plan' },
      ]),
    );
    // And the summary names them, with why.
    expect(applied.stderr).toContain(`– ${moved}: left alone (now with ${w.dev})\n`);
    expect(applied.stderr).toContain(`– ${closed}: left alone (closed since the plan)\n`);
    // What the sandbox holds: the planned tasks still as planned went where the plan says; nothing else moved.
    const after = new Map(plan.tasks.map((t) => [t.task_id, t.after.assignee_user_id]));
    for (const t of s.store.state.tasks) {
      if (t.id === moved || t.id === closed || !after.has(t.id)) {
        expect(t.assignee_user_id).toBe(drifted.get(t.id)!.assignee_user_id);
        if (!after.has(t.id)) expect(t.assignee_user_id).toBe(snapshot.get(t.id)!.assignee_user_id);
      } else expect(t.assignee_user_id).toBe(after.get(t.id));
    }
    // Every call of the job was made with the approving key.
    const calls = patches(s).slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.key === APPROVER)).toBe(true);

    // The job records both keys: --jobs shows them, and the journal's header holds them.
    const jobs = await w.run(['tasks', 'reassign', '--jobs', '--json']);
    const [job] = JSON.parse(jobs.stdout) as Record<string, unknown>[];
    expect(job).toMatchObject({
      from: w.alice,
      moved: plan.tasks.length - 2,
      state: 'done',
      planned_by: { key_id: rw!.key.id, key_name: 'Sandbox read-write' },
      applied_by: { key_id: tasksKey!.key.id, key_name: 'Sandbox tasks only' },
    });
    const table = await w.run(['tasks', 'reassign', '--jobs'], { tty: true, columns: 260 });
    expect(table.stdout).toContain('Sandbox read-write → Sandbox tasks only');

    // Applied again: what moved is not moved again; the drifted tasks are looked at again and left alone.
    const sentBefore = patches(s).length;
    const again = await w.run(['plan', 'apply', path, '--yes'], { key: APPROVER });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `note: ${plan.tasks.length - 2} tasks of this plan moved in an earlier run of it`,
    );
    expect(again.stderr).toContain('2 left alone (changed since)');
    expect(patches(s)).toHaveLength(sentBefore);

    // And it undoes as any job: every task back with alice.
    const undone = await w.run(['tasks', 'reassign', '--undo', 'last', '--yes']);
    expect(undone.code).toBe(0);
    for (const t of plan.tasks)
      if (t.task_id !== moved && t.task_id !== closed)
        expect(s.store.get(t.task_id)!.assignee_user_id).toBe(w.alice);
  });

  it('plan show counts whole runs and runs task by task as the dry run of the same move does', async () => {
    const s = await sandbox();
    const w = setup(s);
    // A run where alice holds one open task and dev another: alice's task moves on its own, task by task.
    const open = s.store.state.tasks.filter(isOpen);
    const shared = [...new Set(open.filter((t) => t.assignee_user_id === w.alice).map((t) => t.sequence_id))]
      .map((run) => open.filter((t) => t.sequence_id === run))
      .find((tasks) => tasks.length >= 2)!;
    for (const t of shared.slice(1)) s.store.reassign(t.id, w.dev, 'TASK');
    const move = ['tasks', 'reassign', '--from', w.alice, '--to', `${w.bob},${w.carla}`];
    const runsLine = (text: string) => text.split('\n').find((l) => l.includes('moved whole in one call'));
    const dry = await w.run([...move, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(runsLine(dry.stderr)).toMatch(/\d+ task by task\)/);
    const path = join(w.dir, 'alice.plan.json');
    const out = await w.run([...move, '--plan-out', path]);
    expect(out.code).toBe(0);
    const shown = await w.run(['plan', 'show', path]);
    expect(shown.code).toBe(0);
    expect(runsLine(shown.stderr)).toBe(runsLine(dry.stderr));
    expect(runsLine(out.stderr)).toBe(runsLine(dry.stderr));
  });

  it('refuses an edited plan, a plan of another workspace and an old plan, with nothing sent', async () => {
    const s = await sandbox();
    const w = setup(s);
    const path = join(w.dir, 'p.json');
    expect(
      (await w.run(['tasks', 'reassign', '--from', w.alice, '--to', w.bob, '--plan-out', path])).code,
    ).toBe(0);
    const text = readFileSync(path, 'utf8');
    const plan = JSON.parse(text) as PlanFile;

    // Saved again by an editor that puts a byte-order mark in front, with Windows line ends: the same plan.
    const saved = join(w.dir, 'saved.json');
    writeFileSync(saved, `\uFEFF${text.replace(/\n/g, '\r\n')}`);
    const shown = await w.run(['plan', 'show', saved]);
    expect(shown.stderr).not.toContain('error');
    expect(shown.code).toBe(0);

    // Edited: one task sent elsewhere.
    const edited = join(w.dir, 'edited.json');
    plan.tasks[0]!.after.assignee_user_id = w.dev;
    writeFileSync(edited, JSON.stringify(plan, null, 2));
    let sent = s.requests.length;
    const r1 = await w.run(['plan', 'apply', edited, '--yes']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('was changed after it was planned');
    expect(s.requests.length).toBe(sent);
    expect((await w.run(['plan', 'show', edited])).code).toBe(2);
    // The file is checked before anything else, --yes or not: its digest, or that it is there at all.
    const unasked = await w.run(['plan', 'apply', edited]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain('was changed after it was planned');
    const missing = join(w.dir, 'nonexist.json');
    for (const args of [
      ['apply', missing],
      ['apply', missing, '--yes'],
      ['show', missing],
    ])
      expect(await w.run(['plan', ...args])).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: cannot read plan file '${missing}': no such file; nothing was moved\n`,
      });
    // A sound plan, no --yes, nobody to ask: said before any request.
    const untyped = await w.run(['plan', 'apply', path]);
    expect(untyped.code).toBe(2);
    expect(untyped.stderr).toContain('no terminal to ask: pass --yes');
    expect(s.requests.length).toBe(sent);

    // Another workspace: the same plan against another sandbox.
    const other = await sandbox({ seed: 2 });
    const r2 = await topo(['plan', 'apply', path, '--yes'], {
      sandbox: other,
      env: { TOPO_STATE_DIR: join(w.dir, 'state') },
    });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('this plan was made for another workspace');
    expect(other.received('PATCH')).toHaveLength(0);

    // Too old: refused unless --max-age says more.
    sent = s.requests.length;
    const later = Date.now() + 25 * 3600_000;
    const r3 = await w.run(['plan', 'apply', path, '--yes'], { deps: { now: () => later } });
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('more than 24 hours');
    expect(s.requests.length).toBe(sent);
    const md = join(w.dir, 'applied.md');
    const r4 = await w.run(['plan', 'apply', path, '--yes', '--max-age', '2d', '--report', md], {
      deps: { now: () => later },
    });
    expect(r4.code).toBe(0);
    expect(patches(s).length).toBeGreaterThan(0);
    expect(statSync(md).mode & 0o777).toBe(0o600);
    expect(readFileSync(md, 'utf8')).toMatch(
      /^# Plan applied \(job [0-9a-f]{8}\)\n\nPlanned by key 'Sandbox read-write' \(/,
    );
    expect(readFileSync(md, 'utf8')).toContain('| result | reason | planned_by | applied_by |');
  });
});

describe('plan files of task IDs and of a sequence run', () => {
  it('plans task IDs (leaving out what is closed or already there) and applies them; a run moves in one call', async () => {
    const s = await sandbox();
    const w = setup(s);
    const open = s.store.state.tasks.filter((t) => isOpen(t) && t.assignee_user_id === w.alice).slice(0, 2);
    const done = s.store.state.tasks.find((t) => t.status === 'COMPLETED')!;
    const ids = [...open.map((t) => t.id), done.id];
    const path = join(w.dir, 'ids.json');
    const r = await w.run(['tasks', 'reassign', ...ids, '--to', w.dev, '--plan-out', path]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`note: ${done.id} is not in the plan: completed`);
    expect(patches(s)).toHaveLength(0);
    const plan = readPlan(path);
    expect(plan.kind).toBe('reassign');
    expect(plan.tasks.map((t) => t.task_id)).toEqual(open.map((t) => t.id));

    const shown = await w.run(['plan', 'show', path]);
    expect(shown.code).toBe(0);
    expect(shown.stdout.trim().split('\n')).toHaveLength(2);
    expect(shown.stderr).toContain('planned by:  key');
    expect(JSON.parse((await w.run(['plan', 'show', path, '--json'])).stdout)).toEqual(plan);

    const applied = await w.run(['plan', 'apply', path, '--yes']);
    expect(applied.code).toBe(0);
    for (const t of open) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.dev);

    // Tasks of two people in one plan: a job with no single leaver, listed and undone as any other.
    const two = [w.bob, w.carla].map((id) =>
      s.store.state.tasks.find((t) => isOpen(t) && t.assignee_user_id === id)!,
    );
    const twoPath = join(w.dir, 'two.json');
    expect(
      (await w.run(['tasks', 'reassign', ...two.map((t) => t.id), '--to', w.dev, '--plan-out', twoPath]))
        .code,
    ).toBe(0);
    expect((await w.run(['plan', 'apply', twoPath, '--yes'])).code).toBe(0);
    for (const t of two) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.dev);
    const listed = JSON.parse((await w.run(['tasks', 'reassign', '--jobs', '--json'])).stdout) as {
      id: string;
      from: string | null;
    }[];
    const mixed = listed.find((j) => j.from === null)!;
    expect(mixed).toMatchObject({ moved: 2, state: 'done' });
    expect((await w.run(['tasks', 'reassign', '--undo', mixed.id, '--yes'])).code).toBe(0);
    expect(two.map((t) => s.store.get(t.id)!.assignee_user_id)).toEqual([w.bob, w.carla]);

    // A run wholly with one person: planned with --scope sequence, moved by one SEQUENCE call.
    const runs = new Map<string, Task[]>();
    for (const t of s.store.state.tasks.filter(isOpen))
      runs.set(t.sequence_id, [...(runs.get(t.sequence_id) ?? []), t]);
    const [runId, runTasks] = [...runs].find(
      ([, ts]) => ts.length > 1 && ts.every((t) => t.assignee_user_id === w.bob),
    )!;
    const seqPath = join(w.dir, 'seq.json');
    const seq = await w.run([
      'tasks',
      'reassign',
      runTasks[0]!.id,
      '--to',
      w.carla,
      '--scope',
      'sequence',
      '--plan-out',
      seqPath,
    ]);
    expect(seq.code).toBe(0);
    expect(readPlan(seqPath)).toMatchObject({ kind: 'reassign_sequence', rules: { sequence_id: runId } });
    const before = patches(s).length;
    expect((await w.run(['plan', 'apply', seqPath, '--yes'])).code).toBe(0);
    const calls = patches(s).slice(before);
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0]!.body)).toMatchObject({ scope: 'SEQUENCE', assignee_user_id: w.carla });
    for (const t of runTasks) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.carla);
  });

  it('says which flags go with --plan-out before any request', async () => {
    const s = await sandbox();
    const w = setup(s);
    const path = join(w.dir, 'x.json');
    const cases: [string[], string][] = [
      [['--from', w.alice, '--to', w.bob, '--needs-approval'], '--needs-approval goes with --plan-out'],
      [
        ['--from', w.alice, '--to', w.bob, '--plan-out', path, '--yes'],
        '--plan-out writes a plan and moves nothing',
      ],
      [['--from', w.alice, '--to', w.bob, '--plan-out', '-'], "--plan-out: give a file name ('-' is not one"],
      [
        ['--from', w.alice, '--to', w.bob, '--plan-out', path, '--report', 'r.csv'],
        '--report goes with the run',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await w.run(['tasks', 'reassign', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect(s.received('PATCH')).toHaveLength(0);
    // The file is read first: this one is not there.
    const untyped = await w.run(['plan', 'apply', path]);
    expect(untyped.code).toBe(2);
    expect(untyped.stderr).toContain(`cannot read plan file '${path}': no such file`);
    const guide = await w.run(['help', 'automation']);
    expect(guide.code).toBe(0);
    expect(guide.stdout).toContain('--plan-out');
    expect(s.requests).toHaveLength(0);
    const bad = await w.run(['plan', 'apply', path, '--yes', '--max-age', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--max-age: 'soon' is not an age");
  });
});

describe('a plan applied again after a kill, by another key', () => {
  it('resumes the same job whichever key applies it, finds the calls that landed unanswered, and names every blocked run', async () => {
    const s = await sandbox();
    const w = setup(s);
    const path = join(w.dir, 'alice-hot.plan.json');
    // Only alice's HOT tasks: runs where she keeps other tasks move task by task and stay blocked.
    const move = ['tasks', 'reassign', '--from', w.alice, '--to', `${w.bob},${w.carla}`, '-p', 'hot'];
    expect((await w.run([...move, '--plan-out', path], { key: PLANNER })).code).toBe(0);
    const plan = readPlan(path);
    // Begun by the key that may only change tasks, then the same plan applied by the planner's key.
    const first = await w.run(['plan', 'apply', path, '--yes', '--json'], { key: APPROVER });
    expect(first.code, first.stderr).toBe(0);

    // As a kill leaves it: three calls journaled as started, their answers (and the run's end) lost; one call
    // never sent (its task still with alice, nothing journaled).
    const dir = join(w.dir, 'state', 'jobs');
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    const lines = readFileSync(join(dir, file!), 'utf8').trim().split('\n');
    const record = (l: string) => JSON.parse(l) as { kind?: string; result?: string; task_id?: string };
    const moved = lines.filter((l) => record(l).result === 'moved');
    const lost = moved.slice(-3);
    const unsent = record(moved.at(-4)!).task_id!;
    expect(s.store.reassign(unsent, w.alice, 'TASK').ok).toBe(true);
    const kept = lines.filter(
      (l) => !lost.includes(l) && record(l).kind !== 'end' && record(l).task_id !== unsent,
    );
    writeFileSync(join(dir, file!), `${kept.join('\n')}\n`);
    const sent = patches(s).length;

    // Applied again with the second key: the same job, the three found landed and not sent again, the
    // fourth moved.
    const again = await w.run(['plan', 'apply', path, '--yes', '--json'], { key: PLANNER });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/note: key '.*' began applying this plan; key '.*' goes on with its job/);
    expect(again.stderr).toContain(
      'note: the API shows 3 tasks moved whose call an earlier run of this plan left without an answer: counted as moved.',
    );
    expect(
      patches(s)
        .slice(sent)
        .map((q) => q.path),
    ).toEqual([`/v1/tasks/${unsent}/assignee`]);
    const jobs = JSON.parse((await w.run(['tasks', 'reassign', '--jobs', '--json'])).stdout) as {
      moved: number;
    }[];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.moved).toBe(plan.tasks.length);
    // The blocked runs of the whole plan are named, not only those of this run's share: every run of the
    // plan still waiting while alice (or nobody) holds an open task of it.
    const blocked = [...new Set(plan.tasks.map((t) => t.sequence_id))].filter(
      (run) =>
        s.store.run(run)?.status === 'WAITING_FOR_USER' &&
        s.store.sequence(run).some((t) => isOpen(t) && (t.assignee_user_id ?? w.alice) === w.alice),
    );
    expect(blocked.length).toBeGreaterThan(1);
    const report = JSON.parse(again.stdout) as { blocked_runs: string[] };
    expect([...report.blocked_runs].sort()).toEqual(blocked.sort());
    // A third time, nothing is left: the whole job's report still, in --json and in --report, nothing sent.
    const reportFile = join(w.dir, 'third.md');
    const third = await w.run(['plan', 'apply', path, '--yes', '--json', '--report', reportFile], {
      key: PLANNER,
    });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain('Nothing of this plan is left to move.');
    expect(third.stderr).not.toMatch(/^Plan \(/m);
    expect(again.stderr).toMatch(/^Plan \(/m);
    expect(JSON.parse(third.stdout)).toMatchObject({
      job: expect.stringMatching(/^[0-9a-f]{8}$/),
      moved: plan.tasks.length,
      moved_before: plan.tasks.length,
      calls: 0,
      failed: 0,
    });
    expect(JSON.parse(third.stdout).tasks).toHaveLength(plan.tasks.length);
    expect(readFileSync(reportFile, 'utf8')).toContain(`${plan.tasks.length}`);
    expect(third.stderr).toContain(`Report: ${reportFile}`);
    expect(patches(s).length).toBe(sent + 1);
  });
});
