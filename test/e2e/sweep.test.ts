import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import { takeLock } from '../../src/services/locks.js';
import { interrupts, sandbox, scriptedPrompter, tempDir, topo, waitFor } from '../helpers.js';

/** `tasks reassign --sweep`: a finished offboarding's rules applied again to what reached its leaver since. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

async function workspace() {
  const s = await sandbox();
  const [, bob, carla, dev, erin, femi] = s.store.users.map((u) => u.id) as string[];
  const home = tempDir();
  const state = join(home, 'state');
  const env = { TOPO_STATE_DIR: state, TOPO_CONFIG_DIR: join(home, 'config') };
  const run = (argv: string[]) => topo(['tasks', 'reassign', ...argv], { sandbox: s, env });
  return { s, env, state, run, bob: bob!, carla: carla!, dev: dev!, erin: erin!, femi: femi! };
}

/** topo on a clock of its own, a day at a time (`clock.day = 1`): jobs started on different days. */
function onDays(w: { s: Awaited<ReturnType<typeof sandbox>>; env: Record<string, string> }) {
  const clock = { day: 0 };
  const now = () => Date.parse('2026-11-10T09:00:00Z') + clock.day * 86_400_000;
  const run = (argv: string[]) =>
    topo(['tasks', 'reassign', ...argv], { sandbox: w.s, env: w.env, deps: { now } });
  return { clock, run, now };
}

describe('tasks reassign --sweep', () => {
  it('moves a task created for the leaver after an offboarding to a successor by its rules; a second sweep has nothing to do', async () => {
    const w = await workspace();
    const { s, run } = w;
    const off = await run(['--from', w.erin, '--to', `${w.bob},${w.carla}`, '-t', 'call', '--yes', '--json']);
    expect(off.code).toBe(0);
    const job = JSON.parse(off.stdout).job as string;
    // Work reaches erin since: a call (in the job's subset) and an email reply (outside it).
    const call = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    const reply = s.store.createTask({ assignee_user_id: w.erin, type: 'EMAIL_REPLY' });
    s.requests.length = 0;
    const r = await run(['--sweep', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `Job ${job} (${w.erin} → ${w.bob}, ${w.carla}): 1 open task reached ${w.erin} since.\n`,
    );
    const reports = JSON.parse(r.stdout);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ kind: 'reassign', job, failed: 0 });
    // The sandbox: the call is with a successor, moved by one call; the reply stays.
    expect([w.bob, w.carla]).toContain(s.store.get(call.id)!.assignee_user_id);
    expect(s.store.get(reply.id)!.assignee_user_id).toBe(w.erin);
    const patches = s.received('PATCH');
    expect(patches.map((p) => p.path)).toEqual([`/v1/tasks/${call.id}/assignee`]);
    expect(
      s.store.state.tasks.filter((t) => isOpen(t) && t.assignee_user_id === w.erin && t.type === 'CALL'),
    ).toEqual([]);
    // Journaled into the same job, as a sweep; --jobs counts it.
    const journal = readFileSync(join(w.state, 'jobs', `${job}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(journal.filter((l) => l.kind === 'run' && l.sweep)).toHaveLength(1);
    const jobs = await run(['--jobs', '--json']);
    expect(JSON.parse(jobs.stdout)).toEqual([
      expect.objectContaining({ id: job, swept: 1, swept_at: expect.any(String), state: 'done' }),
    ]);
    expect(jobs.stderr).toMatch(/^Last sweep: \S+ \(1 task moved\)\.\n/);
    // On a terminal: when the sweep ran, while there is room; at 60 columns SWEPT keeps its count, BACK stays.
    const table = async (columns: number) => {
      const t = await topo(['tasks', 'reassign', '--jobs'], { sandbox: s, env: w.env, tty: true, columns });
      const lines = t.stdout.trimEnd().split('\n');
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(columns);
      return lines.map((l) => l.split(/\s{2,}/));
    };
    const wide = await table(120);
    expect(wide[0]).toEqual([
      'JOB',
      'STARTED',
      'FROM',
      'TO',
      'MOVED',
      'LEFT',
      'BACK',
      'SWEPT',
      'UNTIL',
      'STATE',
    ]);
    expect(wide[1]![7]).toBe('1 just now');
    const narrow = await table(60);
    expect(narrow[0]).toEqual(['JOB', 'FROM', 'TO', 'MOVED', 'LEFT', 'BACK', 'SWEPT', 'STATE']);
    expect(narrow[1]!.slice(4)).toEqual(['0', '0', '1', 'done']);
    // Again: nothing to sweep, one line, exit 0, nothing moved.
    s.requests.length = 0;
    const again = await run(['--sweep', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(
      'Nothing to sweep: no open task has reached the leaver of 1 finished offboarding or cover since.\n',
    );
    expect(s.received('PATCH')).toHaveLength(0);
  });

  it('the cap of the job holds across sweeps: a successor at the cap gets nothing more', async () => {
    const w = await workspace();
    const { s, run } = w;
    const calls = s.store.state.tasks.filter(
      (t) => isOpen(t) && t.assignee_user_id === w.erin && t.type === 'CALL',
    );
    const cap = String(calls.length);
    expect((await run(['--from', w.erin, '--to', w.bob, '-t', 'call', '--cap', cap, '--yes'])).code).toBe(0);
    const late = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    s.requests.length = 0;
    // What the cap keeps has not "reached" the leaver as work to sweep: not counted, nothing moved.
    const dry = await run(['--sweep', '--dry-run']);
    const r = await run(['--sweep', '--yes']);
    expect(r.code).toBe(0);
    const said =
      'Nothing to sweep: 1 open task stays with the leaver of 1 finished offboarding or cover: the room the successors have left under --cap takes no whole run of it.\n';
    expect(r.stderr).toBe(said);
    expect(dry.stderr).toBe(said);
    expect(s.store.get(late.id)!.assignee_user_id).toBe(w.erin);
    expect(s.received('PATCH')).toHaveLength(0);
    const status = await topo(['status', '--team', w.bob, '--json', 'reached_leavers'], {
      sandbox: s,
      env: w.env,
    });
    expect(JSON.parse(status.stdout)).toEqual({ reached_leavers: [] });
  });

  it('a job undone while the sweep waits at its question is not swept: its work is not moved again as a new job', async () => {
    const w = await workspace();
    const { s, run } = w;
    const off = await run(['--from', w.erin, '--to', w.bob, '--yes', '--json']);
    const job = JSON.parse(off.stdout).job as string;
    const late = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    let undone: Awaited<ReturnType<typeof topo>> | undefined;
    const prompter = scriptedPrompter([
      async () => {
        undone = await run(['--undo', job, '--yes']);
        return /Type (\d+) to confirm/.exec(prompter.asked.at(-1)!)![1]!;
      },
    ]);
    const sweep = await topo(['tasks', 'reassign', '--sweep'], {
      sandbox: s,
      env: w.env,
      tty: true,
      deps: { prompter },
    });
    expect(undone!.code, undone!.stderr).toBe(0);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stderr).toContain(
      `note: job ${job} has ended since the sweep began (undone, given back, or its cover over): not swept.`,
    );
    expect(s.store.get(late.id)!.assignee_user_id).toBe(w.erin);
    const jobs = JSON.parse((await run(['--jobs', '--json', 'id,state'])).stdout);
    expect(jobs).toEqual([{ id: job, state: 'undone' }]);
  });

  it('a job held by another run is left, said, and the others are swept: exit 6, run the sweep again', async () => {
    const w = await workspace();
    const { s, run } = w;
    const first = JSON.parse((await run(['--from', w.erin, '--to', w.bob, '--yes', '--json'])).stdout).job;
    expect((await run(['--from', w.femi, '--to', w.carla, '--yes'])).code).toBe(0);
    const erins = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    const femis = s.store.createTask({ assignee_user_id: w.femi, type: 'CALL' });
    const held = await takeLock(join(w.state, 'jobs'), first as string, 'held');
    try {
      const r = await run(['--sweep', '--yes', '--json']);
      expect(r.code, r.stderr).toBe(6);
      expect(r.stderr).toContain(
        `note: job ${first} not swept: another topo process is using it (a run, an undo or a sweep of it)\n`,
      );
      expect(JSON.parse(r.stderr.trimEnd().split('\n').at(-1)!)).toMatchObject({
        error: { code: 6, message: `job ${first} was not swept; run the sweep again` },
      });
      expect(JSON.parse(r.stdout)).toHaveLength(1);
      expect(s.store.get(femis.id)!.assignee_user_id).toBe(w.carla);
      expect(s.store.get(erins.id)!.assignee_user_id).toBe(w.erin);
    } finally {
      await held();
    }
    const again = await run(['--sweep', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(s.store.get(erins.id)!.assignee_user_id).toBe(w.bob);
  });

  it('room under the cap that no whole run fits is not work that reached the leaver', async () => {
    const w = await workspace();
    const { s, run } = w;
    const calls = s.store.state.tasks.filter(
      (t) => isOpen(t) && t.assignee_user_id === w.erin && t.type === 'CALL',
    );
    // Every call of erin moves, and bob has room for 4 more.
    const cap = String(calls.length + 4);
    expect((await run(['--from', w.erin, '--to', w.bob, '-t', 'call', '--cap', cap, '--yes'])).code).toBe(0);
    // Two runs of three calls reach erin: one fits the room, the other does not (a run moves whole).
    const runOf = (i: number) => {
      const first = s.store.createTask({
        assignee_user_id: w.erin,
        type: 'CALL',
        priority: i === 0 ? 'HOT' : 'EXTRA',
      });
      const rest = [1, 2].map(() =>
        s.store.createTask({
          assignee_user_id: w.erin,
          type: 'CALL',
          priority: first.priority,
          sequence_id: first.sequence_id,
        }),
      );
      return [first, ...rest];
    };
    const [fits, stays] = [runOf(0), runOf(1)];
    const dry = await run(['--sweep', '--dry-run']);
    expect(dry.stderr).toMatch(/: 3 open tasks reached \S+ since\.\n/);
    s.requests.length = 0;
    const r = await run(['--sweep', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/: 3 open tasks reached \S+ since\.\n/);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ failed: 0 })]);
    for (const t of fits!) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.bob);
    for (const t of stays!) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.erin);
    // Bob has one more to go under the cap, and no run fits it: nothing reached erin, the cap says why.
    const said =
      'Nothing to sweep: 3 open tasks stay with the leaver of 1 finished offboarding or cover: the room the successors have left under --cap takes no whole run of them.\n';
    s.requests.length = 0;
    expect((await run(['--sweep', '--dry-run'])).stderr).toBe(said);
    expect((await run(['--sweep', '--yes'])).stderr).toBe(said);
    expect(s.received('PATCH')).toHaveLength(0);
    const status = await topo(['status', '--team', w.bob, '--json', 'reached_leavers'], {
      sandbox: s,
      env: w.env,
    });
    expect(JSON.parse(status.stdout)).toEqual({ reached_leavers: [] });
  });

  it('a sweep applies the cap the job has now: raised by a rerun, the new cap, with no note of a change', async () => {
    const w = await workspace();
    const { s, run } = w;
    const calls = s.store.state.tasks.filter(
      (t) => isOpen(t) && t.assignee_user_id === w.erin && t.type === 'CALL',
    );
    const args = ['--from', w.erin, '--to', w.bob, '-t', 'call', '--yes', '--json'];
    const first = await run([...args, '--cap', String(calls.length - 1)]);
    const job = JSON.parse(first.stdout).job as string;
    expect((await run([...args, '--cap', String(calls.length + 5)])).code).toBe(0);
    const late = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    const r = await run(['--sweep', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('note:');
    expect(s.store.get(late.id)!.assignee_user_id).toBe(w.bob);
    const runs = readFileSync(join(w.state, 'jobs', `${job}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; cap?: number })
      .filter((l) => l.kind === 'run');
    expect(runs.at(-1)!.cap).toBe(calls.length + 5);
  });

  it('a cover still covering is swept to its successor; an undone job is not', async () => {
    const w = await workspace();
    const { s, run } = w;
    expect((await run(['--from', w.femi, '--to', w.dev, '--until', '14d', '--yes'])).code).toBe(0);
    const off = await run(['--from', w.erin, '--to', w.bob, '-t', 'call', '--yes', '--json']);
    expect((await run(['--undo', JSON.parse(off.stdout).job, '--yes'])).code).toBe(0);
    const forFemi = s.store.createTask({ assignee_user_id: w.femi, type: 'NEW_LEAD_REVIEW' });
    const forErin = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    const r = await run(['--sweep', '--yes']);
    expect(r.code).toBe(0);
    expect(s.store.get(forFemi.id)!.assignee_user_id).toBe(w.dev);
    expect(s.store.get(forErin.id)!.assignee_user_id).toBe(w.erin);
  });

  it('a task two jobs of one leaver match is claimed once, by the newer job, in the dry run, the sweep and status', async () => {
    const w = await workspace();
    const { s } = w;
    // Two offboardings of erin a day apart: everything to dev, then (her calls being back) calls to bob, carla.
    const { clock, run, now } = onDays(w);
    const first = await run(['--from', w.erin, '--to', w.dev, '--yes', '--json']);
    expect(first.code).toBe(0);
    s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    clock.day = 1;
    const second = await run([
      '--from',
      w.erin,
      '--to',
      `${w.bob},${w.carla}`,
      '-t',
      'call',
      '--yes',
      '--json',
    ]);
    expect(second.code).toBe(0);
    const [older, newer] = [JSON.parse(first.stdout).job, JSON.parse(second.stdout).job] as string[];
    const late = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    const reply = s.store.createTask({ assignee_user_id: w.erin, type: 'EMAIL_REPLY' });
    clock.day = 2;
    const dry = await run(['--sweep', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    // The newer job's line first, the call counted once; the reply (only the older job's subset) is the older's.
    expect(dry.stderr).toBe(
      `Job ${newer} (${w.erin} → ${w.bob}, ${w.carla}): 1 open task reached ${w.erin} since.\n` +
        `Job ${older} (${w.erin} → ${w.dev}): 1 open task reached ${w.erin} since.\n` +
        'Dry run: nothing was changed.\n',
    );
    // --json: each job's planned report, the tasks it would move and to whom.
    type Planned = {
      job: string;
      dry_run: boolean;
      tasks: { task_id: string; result: string; to: string }[];
    };
    const planned = JSON.parse(dry.stdout) as Planned[];
    expect(planned.map((p) => [p.job, p.dry_run])).toEqual([
      [newer, true],
      [older, true],
    ]);
    const wouldMove = (p: Planned) => p.tasks.filter((t) => t.result === 'would_move').map((t) => t.task_id);
    expect(planned.map(wouldMove)).toEqual([[late.id], [reply.id]]);
    expect([w.bob, w.carla]).toContain(planned[0]!.tasks.find((t) => t.task_id === late.id)!.to);
    // Piped, the preview's rows: a task a line, with whom it would go to.
    const rows = await run(['--sweep', '--dry-run']);
    expect(
      rows.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t').slice(0, 2)),
    ).toEqual([
      [late.id, 'would_move'],
      [reply.id, 'would_move'],
    ]);
    const status = await topo(['status', '--team', `${w.bob},${w.dev}`, '--json'], {
      sandbox: s,
      env: w.env,
      deps: { now },
    });
    expect(JSON.parse(status.stdout).reached_leavers).toEqual([
      { job: expect.objectContaining({ id: older }), open_tasks: 1 },
      { job: expect.objectContaining({ id: newer }), open_tasks: 1 },
    ]);
    s.requests.length = 0;
    const r = await run(['--sweep', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('--cap');
    expect([w.bob, w.carla]).toContain(s.store.get(late.id)!.assignee_user_id);
    expect(s.store.get(reply.id)!.assignee_user_id).toBe(w.dev);
    // One call a task: the call is not moved twice.
    expect(
      s
        .received('PATCH')
        .map((p) => p.path)
        .sort(),
    ).toEqual([`/v1/tasks/${late.id}/assignee`, `/v1/tasks/${reply.id}/assignee`].sort());
    type Report = { job: string; tasks: { task_id: string; result: string; reason: string | null }[] };
    const reports = JSON.parse(r.stdout) as Report[];
    expect(reports.map((x) => x.job)).toEqual([newer, older]);
    const movedNow = (x: Report) =>
      x.tasks.filter((t) => t.result === 'moved' && t.reason !== 'in an earlier run').map((t) => t.task_id);
    expect(reports.map(movedNow)).toEqual([[late.id], [reply.id]]);
  });

  it("a task the newer job of its leaver matches is that job's, at its cap too: an older job does not take it", async () => {
    const w = await workspace();
    const { s } = w;
    const { clock, run } = onDays(w);
    expect((await run(['--from', w.erin, '--to', w.dev, '-t', 'call', '--yes'])).code).toBe(0);
    clock.day = 1;
    // Later: everything of erin's to bob and carla, at most 2 each; the rest stays with erin.
    expect((await run(['--from', w.erin, '--to', `${w.bob},${w.carla}`, '--cap', '2', '--yes'])).code).toBe(
      0,
    );
    const kept = s.store.state.tasks.filter((t) => isOpen(t) && t.assignee_user_id === w.erin);
    expect(kept.length).toBeGreaterThan(0);
    const late = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    clock.day = 2;
    s.requests.length = 0;
    const r = await run(['--sweep', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^Nothing to sweep: \d+ open tasks stay with the leaver of 2 finished offboardings or covers: the room the successors have left under --cap takes no whole run of them\.\n$/,
    );
    expect(s.received('PATCH')).toHaveLength(0);
    for (const t of [...kept, late]) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.erin);
  });

  it('a plan job never sweeps what its cap kept at the plan, even where tasks it left alone freed room', async () => {
    const w = await workspace();
    const { s, run } = w;
    const open = () =>
      s.store.state.tasks.filter(
        (t) => t.assignee_user_id === w.erin && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
      );
    const path = join(tempDir(), 'erin.plan.json');
    expect(
      (await run(['--from', w.erin, '--to', `${w.bob},${w.carla}`, '--cap', '3', '--plan-out', path])).code,
    ).toBe(0);
    const planned = (JSON.parse(readFileSync(path, 'utf8')) as { tasks: { task_id: string }[] }).tasks;
    expect(planned).toHaveLength(6);
    // Two planned tasks change hands before the approver applies the plan: left alone, two under the cap.
    expect((await run([planned[0]!.task_id, '--to', w.dev, '--scope', 'task'])).code).toBe(0);
    expect((await run([planned[1]!.task_id, '--to', w.femi, '--scope', 'task'])).code).toBe(0);
    const kept = open()
      .map((t) => t.id)
      .filter((id) => !planned.some((p) => p.task_id === id));
    expect(kept.length).toBeGreaterThan(2);
    const applied = await topo(['plan', 'apply', path, '--yes'], {
      sandbox: s,
      env: w.env,
      key: 'topo_sandbox_tasks',
    });
    expect(applied.code, applied.stderr).toBe(0);

    const dry = await run(['--sweep', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('');
    expect(dry.stderr).toMatch(/^Nothing to sweep: no open task has reached the leaver/);
    const sweep = await run(['--sweep', '--yes']);
    expect(sweep.code).toBe(0);
    expect(open().map((t) => t.id)).toEqual(expect.arrayContaining(kept));
    // A task new in a run the cap kept with erin stays with her too: the run is not split.
    const keptRun = s.store.get(kept[0]!)!.sequence_id;
    const newInIt = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL', sequence_id: keptRun });
    const again = await run(['--sweep', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^Nothing to sweep/);
    expect(s.store.get(newInIt.id)!.assignee_user_id).toBe(w.erin);
  });

  it('a plan file applied is swept into its own job, not into an undone job of the same rules', async () => {
    const w = await workspace();
    const { s, run } = w;
    const to = `${w.bob},${w.carla}`;
    // The same rules twice: run and undone, then planned to a file and applied by another key.
    const first = await run(['--from', w.erin, '--to', to, '--yes', '--json']);
    const undone = JSON.parse(first.stdout).job as string;
    expect((await run(['--undo', undone, '--yes'])).code).toBe(0);
    const path = join(tempDir(), 'erin.plan.json');
    expect((await run(['--from', w.erin, '--to', to, '--plan-out', path])).code).toBe(0);
    const applied = await topo(['plan', 'apply', path, '--yes', '--json'], {
      sandbox: s,
      env: w.env,
      key: 'topo_sandbox_tasks',
    });
    expect(applied.code).toBe(0);
    const planJob = JSON.parse(applied.stdout).job as string;
    expect(planJob).not.toBe(undone);
    const late = s.store.createTask({ assignee_user_id: w.erin, type: 'CALL' });
    const r = await run(['--sweep', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Job ${planJob} (`);
    expect(r.stderr).not.toContain(undone);
    expect([w.bob, w.carla]).toContain(s.store.get(late.id)!.assignee_user_id);
    expect((JSON.parse(r.stdout) as { job: string }[]).map((x) => x.job)).toEqual([planJob]);
    const jobs = JSON.parse((await run(['--jobs', '--json'])).stdout) as {
      id: string;
      swept: number;
      state: string;
    }[];
    expect(jobs.find((j) => j.id === planJob)).toMatchObject({ swept: 1, state: 'done' });
    expect(jobs.find((j) => j.id === undone)).toMatchObject({ swept: 0, state: 'undone' });
  });

  it('a sweep stopped half-way leaves its job interrupted, and the next sweep goes on with it; Ctrl-C while planning changes nothing', async () => {
    // Slow enough that the sweep is still moving when Ctrl-C is pressed, however busy the machine.
    const s = await sandbox({ latencyMs: 20 });
    const home = tempDir();
    const env = { TOPO_STATE_DIR: join(home, 'state'), TOPO_CONFIG_DIR: join(home, 'config') };
    const [, bob, , , erin] = s.store.users.map((u) => u.id) as string[];
    const run = (argv: string[], ctrlC = interrupts()) =>
      topo(['tasks', 'reassign', ...argv], { sandbox: s, env, deps: { interrupts: ctrlC.registry } });
    const off = await run(['--from', erin!, '--to', bob!, '-t', 'call', '--yes', '--json']);
    const job = JSON.parse(off.stdout).job as string;
    const late = Array.from({ length: 30 }, () =>
      s.store.createTask({ assignee_user_id: erin!, type: 'CALL' }),
    );
    // Ctrl-C while the sweep plans: nothing was changed, said so.
    const early = interrupts();
    s.requests.length = 0;
    const planning = run(['--sweep', '--yes'], early);
    await waitFor(() => s.requests.length >= 1, 10_000, 'the first read');
    early.press();
    const cancelled = await planning;
    expect(cancelled.code).toBe(130);
    expect(cancelled.stderr).toContain('cancelled: nothing was changed');
    expect(s.received('PATCH')).toHaveLength(0);
    // Ctrl-C while it moves: the job is left interrupted with tasks left.
    const mid = interrupts();
    const moving = run(['--sweep', '--yes', '--concurrency', '1'], mid);
    await waitFor(() => s.received('PATCH').length >= 3, 10_000, 'three moves');
    mid.press();
    expect((await moving).code).toBe(130);
    const jobs = async () =>
      JSON.parse((await run(['--jobs', '--json'])).stdout) as { id: string; state: string }[];
    expect((await jobs())[0]).toMatchObject({ id: job, state: 'interrupted' });
    // At 60 columns the counts and the state stay beside SWEPT, the names cut.
    const table = await topo(['tasks', 'reassign', '--jobs'], { sandbox: s, env, tty: true, columns: 60 });
    const [head, row] = table.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(head).toEqual(['JOB', 'FROM', 'TO', 'MOVED', 'LEFT', 'BACK', 'SWEPT', 'STATE']);
    expect(row!.at(-1)).toBe('interrupted');
    // The next sweep finds the job and moves what is left: every late call with bob, the job done.
    const next = await run(['--sweep', '--yes']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(new RegExp(`Job ${job} \\(.*\\): \\d+ open tasks? reached`));
    for (const t of late) expect(s.store.get(t.id)!.assignee_user_id).toBe(bob);
    expect((await jobs())[0]).toMatchObject({ id: job, state: 'done' });
  });

  it('nothing to sweep without jobs; one sweep at a time; bad input refused before any request', async () => {
    const w = await workspace();
    const { s, run } = w;
    const none = await run(['--sweep', '--yes']);
    expect(none).toEqual({
      code: 0,
      stdout: '',
      stderr: 'Nothing to sweep: no offboarding of this workspace is done and no cover is covering.\n',
    });
    // Another sweep holds the lock: this one says so and does nothing.
    const dir = join(w.state, 'jobs');
    mkdirSync(dir, { recursive: true });
    const release = await lockfile.lock(dir, { lockfilePath: join(dir, 'sweep.lock') });
    try {
      const busy = await run(['--sweep', '--yes']);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(
        /^error: another sweep is running \(lock .*sweep\.lock\); this one did nothing/,
      );
    } finally {
      await release();
    }
    s.requests.length = 0;
    const bad = await run(['--sweep', '--from', w.erin, '--yes']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'error: --sweep takes no other selection: each job says who and what\n',
    });
    const noYes = await run(['--sweep']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('pass --yes');
    expect(s.requests).toHaveLength(0);
  });
});
