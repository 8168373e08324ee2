import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { PlanFile } from '../../src/domain/planfile.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { displayWidth } from '../../src/output/width.js';
import { sandbox, scriptedPrompter, tempDir, topo, type RunOptions } from '../helpers.js';

/** `topo tasks rebalance`: whole runs from the members above the team's mean to those below, as a job. */

const PLANNER = 'topo_sandbox_rw';
const APPROVER = 'topo_sandbox_tasks';
const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';
const REPLIES = ['EMAIL_REPLY', 'LINKEDIN_REPLY'];

/** The uneven team the sandbox seeds (gia, hugo, ines, jon, kai), and a state folder of their own. */
async function unevenTeam() {
  const s = await sandbox();
  const team = s.store.users.slice(6).map((u) => u.id);
  expect(s.store.users.slice(6).map((u) => u.alias)).toEqual(['gia', 'hugo', 'ines', 'jon', 'kai']);
  const home = tempDir();
  const env = { TOPO_STATE_DIR: join(home, 'state'), TOPO_CONFIG_DIR: join(home, 'config') };
  const run = (argv: string[], o: RunOptions = {}) => topo(['tasks', ...argv], { sandbox: s, env, ...o });
  const plan = (argv: string[], o: RunOptions = {}) => topo(['plan', ...argv], { sandbox: s, env, ...o });
  return { s, team, env, run, plan };
}

const openOf = (s: Sandbox, user: string) =>
  s.store.state.tasks.filter((t) => isOpen(t) && t.assignee_user_id === user).length;
const assignees = (s: Sandbox) => new Map(s.store.state.tasks.map((t) => [t.id, t.assignee_user_id]));

describe('tasks rebalance', () => {
  it('ends within the tolerance, moving only whole runs held by the giver with no conversation under way; --undo last puts every task back', async () => {
    const { s, team, env, run } = await unevenTeam();
    // An offboarding just before (the same second, as in a script): `--undo last` is the rebalance all the same.
    const [, , , dev, , femi] = s.store.users.map((u) => u.id);
    expect((await run(['reassign', '--from', femi!, '--to', dev!, '-t', 'call', '--yes'])).code).toBe(0);
    const before = assignees(s);
    const openBefore = new Map(s.store.state.tasks.filter(isOpen).map((t) => [t.id, { ...t }]));
    expect(team.map((id) => openOf(s, id))).toEqual([26, 15, 8, 4, 2]);
    s.requests.length = 0;
    const reportFile = join(tempDir(), 'rebalance.md');
    const r = await run(['rebalance', '--team', team.join(','), '--yes', '--json', '--report', reportFile]);
    expect(r.stderr).toMatch(/^Plan: rebalance 5 members \(mean 11; within 15%: 9\.3–12\.6\)\n/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.kind).toBe('rebalance');
    expect(report.team.within).toBe(true);
    // What the sandbox holds now: every member within 15% of the mean of 11.
    const after = team.map((id) => openOf(s, id));
    for (const n of after) expect(Math.abs(n - 11)).toBeLessThanOrEqual(11 * 0.15);
    expect(report.team.members.map((m: { after: number }) => m.after)).toEqual(after);
    // What moved: whole runs, each from a member to another, every open task of the run with the giver before.
    const moved = [...openBefore.values()].filter(
      (t) => s.store.get(t.id)!.assignee_user_id !== t.assignee_user_id,
    );
    expect(moved.length).toBe(report.moved);
    expect(moved.length).toBeGreaterThan(0);
    for (const t of moved) {
      expect(team).toContain(t.assignee_user_id);
      expect(team).toContain(s.store.get(t.id)!.assignee_user_id);
      const runBefore = [...openBefore.values()].filter((x) => x.sequence_id === t.sequence_id);
      expect(runBefore.every((x) => x.assignee_user_id === t.assignee_user_id)).toBe(true);
      expect(runBefore.every((x) => moved.includes(x))).toBe(true);
      expect(runBefore.some((x) => x.status === 'IN_PROGRESS' || REPLIES.includes(x.type))).toBe(false);
    }
    // Nothing of anyone outside the team; one call per run.
    for (const [id, who] of before)
      if (!team.includes(who ?? '')) expect(s.store.get(id)!.assignee_user_id).toBe(who);
    const patches = s.received('PATCH');
    expect(patches).toHaveLength(new Set(moved.map((t) => t.sequence_id)).size);
    for (const p of patches) {
      const task = moved.find((t) => p.path === `/v1/tasks/${t.id}/assignee`)!;
      const size = moved.filter((t) => t.sequence_id === task.sequence_id).length;
      expect(JSON.parse(p.body).scope).toBe(size > 1 ? 'SEQUENCE' : 'TASK');
    }
    // The report file: each member before and after.
    const text = readFileSync(reportFile, 'utf8');
    expect(text).toContain(`| member | before | gives | gets | after (planned) | away |`);
    expect(text).toContain(`| ${team[0]} | 26 | ${26 - after[0]!} | 0 | ${after[0]} |  |`);
    // The team's status reads the workspace's jobs, the rebalance among them.
    const status = await topo(['status', '--team', team.join(','), '--json'], { sandbox: s, env });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    // The job is listed, and undone whole.
    const jobs = await run(['reassign', '--jobs', '--json']);
    expect(JSON.parse(jobs.stdout)).toEqual([
      expect.objectContaining({ kind: 'offboard' }),
      expect.objectContaining({ id: report.job, kind: 'rebalance', moved: moved.length, state: 'done' }),
    ]);
    const undo = await run(['reassign', '--undo', 'last', '--yes']);
    expect(undo.code).toBe(0);
    expect(assignees(s)).toEqual(before);
  });

  it('a dry run plans and moves nothing; a member away receives nothing; --include-active may move a conversation', async () => {
    const { s, team, run } = await unevenTeam();
    const [gia, , , jon, kai] = team as [string, string, string, string, string];
    // kai is away: a cover job gives kai's work to jon until later.
    expect((await run(['reassign', '--from', kai, '--to', jon, '--until', '14d', '--yes'])).code).toBe(0);
    s.requests.length = 0;
    const dry = await run(['rebalance', '--team', team.join(','), '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(s.received('PATCH')).toHaveLength(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.dry_run).toBe(true);
    const kaiLoad = plan.team.members.find((m: { id: string }) => m.id === kai);
    expect(kaiLoad).toMatchObject({ gets: 0, away: { until: expect.any(String) } });
    expect(plan.team.moves.every((m: { to: string }) => m.to !== kai)).toBe(true);
    expect(dry.stderr).toContain(`away:    ${kai} (cover job `);
    expect(dry.stderr).toContain('): receives nothing, not in the mean');
    // Each pair's runs by their priority, most urgent first, then the tasks they hold.
    const pairs = dry.stderr.split('\n').filter((line) => / → .*: \d+ runs? \(/.test(line));
    expect(pairs.length).toBeGreaterThan(0);
    for (const line of pairs) {
      const m =
        / → .*: (\d+) runs? \(((?:HOT|TODAY|EXTRA) \d+(?:, (?:HOT|TODAY|EXTRA) \d+)*)\), (\d+) tasks?$/.exec(
          line,
        );
      expect(m, line).not.toBeNull();
      const classes = m![2]!.split(', ').map((c) => c.split(' '));
      expect(classes.reduce((n, [, k]) => n + Number(k), 0)).toBe(Number(m![1]));
      const order = classes.map(([p]) => ['HOT', 'TODAY', 'EXTRA'].indexOf(p!));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Held back without --include-active: runs with a task in progress or a reply; with it, they may move.
    expect(plan.team.held.active).toBeGreaterThan(0);
    const giaActive = s.store.state.tasks.filter(
      (t) =>
        isOpen(t) && t.assignee_user_id === gia && (t.status === 'IN_PROGRESS' || REPLIES.includes(t.type)),
    );
    const activeRuns = new Set(giaActive.map((t) => t.sequence_id));
    expect(plan.team.moves.some((m: { sequence_id: string }) => activeRuns.has(m.sequence_id))).toBe(false);
    const wide = await run([
      'rebalance',
      '--team',
      team.join(','),
      '--include-active',
      '--dry-run',
      '--json',
      'team',
    ]);
    expect(JSON.parse(wide.stdout).team.held.active).toBe(0);
    // A subset: only calls count and move; a run holding anything else open stays.
    const calls = await run(['rebalance', '--team', team.join(','), '-t', 'call', '--dry-run', '--json']);
    const subset = JSON.parse(calls.stdout);
    const callsOf = (id: string) =>
      s.store.state.tasks.filter((t) => isOpen(t) && t.assignee_user_id === id && t.type === 'CALL').length;
    expect(subset.team.members.map((m: { before: number }) => m.before)).toEqual(team.map(callsOf));
    expect(subset.tasks.length).toBeGreaterThan(0);
    for (const line of subset.tasks as { task_id: string; sequence_id: string }[]) {
      expect(s.store.get(line.task_id)!.type).toBe('CALL');
      const runOpen = s.store.state.tasks.filter((t) => isOpen(t) && t.sequence_id === line.sequence_id);
      expect(runOpen.every((t) => t.type === 'CALL')).toBe(true);
    }
  });

  it('the plan on a terminal fits its width: long lines wrap under their label; in a log each stays one line', async () => {
    const { team, run } = await unevenTeam();
    const argv = ['rebalance', '--team', team.join(','), '--dry-run'];
    const narrow = await run(argv, { tty: true, columns: 60 });
    expect(narrow.code).toBe(0);
    const lines = narrow.stderr.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(60);
    const staying = lines.findIndex((l) => l.startsWith('  staying: '));
    expect(lines[staying]).toBe('  staying: 6 runs with a reply or a task in progress');
    expect(lines[staying + 1]).toBe('           (--include-active)');
    const log = await run(argv);
    expect(log.stderr).toContain(
      '\n  staying: 6 runs with a reply or a task in progress (--include-active)\n',
    );
  });

  it('the dry run and plan show print their preview as CSV with --csv, as every dry run does', async () => {
    const { team, run, plan } = await unevenTeam();
    const header = 'id,result,type,priority,status,assignee_user_id,sequence_id,target';
    const dry = await run(['rebalance', '--team', team.join(','), '--dry-run', '--csv']);
    expect(dry.code).toBe(0);
    const rows = dry.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toBe(header);
    expect(rows.length).toBeGreaterThan(1);
    const path = join(tempDir(), 'team.plan.json');
    expect((await run(['rebalance', '--team', team.join(','), '--plan-out', path])).code).toBe(0);
    const shown = await plan(['show', path, '--csv']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.trimEnd().split('\r\n')).toEqual(rows);
  });

  it('a run shared with someone outside the team stays; a team already even has nothing to move', async () => {
    const { s, team, run } = await unevenTeam();
    const [gia, hugo] = team as [string, string];
    const alice = s.store.users[0]!.id;
    // One task of each of gia's runs goes to alice: no run of gia's is whole with her any more.
    const giaRuns = new Map<string, Task>();
    for (const t of s.store.state.tasks)
      if (isOpen(t) && t.assignee_user_id === gia && !giaRuns.has(t.sequence_id))
        giaRuns.set(t.sequence_id, t);
    for (const t of giaRuns.values())
      if (s.store.state.tasks.filter((x) => isOpen(x) && x.sequence_id === t.sequence_id).length > 1)
        s.store.reassign(t.id, alice, 'TASK');
    const r = await run(['rebalance', '--team', team.join(','), '--dry-run', '--json', 'team']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout).team;
    expect(plan.held.shared).toBeGreaterThan(0);
    for (const m of plan.moves as { sequence_id: string; from: string }[])
      if (m.from === gia)
        expect(
          s.store.state.tasks
            .filter((x) => isOpen(x) && x.sequence_id === m.sequence_id)
            .every((x) => x.assignee_user_id === gia),
        ).toBe(true);
    s.requests.length = 0;
    const even = await run(['rebalance', '--team', `${hugo},${team[2]}`, '--tolerance', '90%', '--yes']);
    expect(even.code).toBe(0);
    expect(even.stderr).toMatch(/Every member is within the tolerance: nothing to move\.\n$/);
    expect(s.received('PATCH')).toHaveLength(0);
  });

  it('a rebalance left unfinished is continued by the same command, as one job that --undo last puts back whole', async () => {
    const { s, team, env, run } = await unevenTeam();
    const before = assignees(s);
    // The first calls fail every attempt: the job ends incomplete (exit 6) with those runs left.
    s.injectFault({ method: 'PATCH', status: 500, times: 12 });
    const first = await run(['rebalance', '--team', team.join(','), '--yes', '--json']);
    expect(first.code).toBe(6);
    const job = JSON.parse(first.stdout).job as string;
    expect(JSON.parse(first.stdout).failed).toBeGreaterThan(0);
    // And the answer to its last call that landed was lost (a kill): journaled as started only.
    const path = join(env.TOPO_STATE_DIR, 'jobs', `${job}.jsonl`);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const lost = lines.findLastIndex((l) => l.includes('"result":"moved"'));
    writeFileSync(path, `${lines.filter((_, i) => i !== lost).join('\n')}\n`);
    const again = await run(['rebalance', '--team', team.join(','), '--yes', '--json']);
    expect(again.stderr).toContain(`note: continuing rebalance job ${job}, which was left unfinished.\n`);
    expect(again.stderr).toContain(
      'note: the API shows 1 task moved whose call an earlier run of this job left without an answer: counted as moved.\n',
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).job).toBe(job);
    for (const id of team) expect(Math.abs(openOf(s, id) - 11)).toBeLessThanOrEqual(11 * 0.15);
    // The report of the continued run covers the whole job: what the first run moved is counted.
    const [one, two] = [JSON.parse(first.stdout), JSON.parse(again.stdout)];
    expect(one.moved).toBeGreaterThan(0);
    expect(two.moved_before).toBe(one.moved);
    const jobs = JSON.parse((await run(['reassign', '--jobs', '--json'])).stdout);
    expect(jobs).toEqual([expect.objectContaining({ id: job, state: 'done', moved: two.moved })]);
    expect((await run(['reassign', '--undo', 'last', '--yes'])).code).toBe(0);
    expect(assignees(s)).toEqual(before);
  });

  it('while a rebalance waits at its question, an undo of the job it continues is refused', async () => {
    const { s, team, run } = await unevenTeam();
    s.injectFault({ method: 'PATCH', status: 500, times: 12 });
    const first = await run(['rebalance', '--team', team.join(','), '--yes', '--json']);
    expect(first.code).toBe(6);
    const job = JSON.parse(first.stdout).job as string;
    const tried: Awaited<ReturnType<typeof topo>>[] = [];
    const prompter = scriptedPrompter([
      async () => {
        tried.push(await run(['reassign', '--undo', job, '--yes']));
        return /Type (\d+) to confirm/.exec(prompter.asked.at(-1)!)![1]!;
      },
    ]);
    const again = await run(['rebalance', '--team', team.join(',')], { tty: true, deps: { prompter } });
    expect(again.code, again.stderr).toBe(0);
    expect(tried[0]!.code).toBe(1);
    expect(tried[0]!.stderr).toMatch(new RegExp(`^error: job ${job} is in use by another topo process`));
    // The job, whole: what the first run moved and this one, nothing undone behind its back.
    const jobs = JSON.parse((await run(['reassign', '--jobs', '--json', 'id,state,back'])).stdout);
    expect(jobs).toEqual([{ id: job, state: 'done', back: 0 }]);
  });

  it('a rebalance left unfinished whose rest was moved by hand: the same command ends it, done, reporting the whole job', async () => {
    const { s, team, run } = await unevenTeam();
    s.injectFault({ method: 'PATCH', status: 500, times: 12 });
    const first = await run(['rebalance', '--team', team.join(','), '--yes', '--json']);
    expect(first.code).toBe(6);
    const job = JSON.parse(first.stdout).job as string;
    // Someone evens the team by hand: what the job had left to move, moved as planned.
    const rest = await run(['rebalance', '--team', team.join(','), '--dry-run', '--json']);
    const moves = JSON.parse(rest.stdout).team.moves as { task_ids: string[]; to: string }[];
    expect(moves.length).toBeGreaterThan(0);
    for (const m of moves) for (const id of m.task_ids) s.store.reassign(id, m.to, 'TASK');
    s.requests.length = 0;
    const again = await run(['rebalance', '--team', team.join(','), '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`note: continuing rebalance job ${job}, which was left unfinished.\n`);
    expect(again.stderr).toContain(`Job ${job}: nothing left to move; recorded as ended.\n`);
    expect(s.received('PATCH')).toHaveLength(0);
    const report = JSON.parse(again.stdout);
    expect(report).toMatchObject({ job, dry_run: false, moved_before: JSON.parse(first.stdout).moved });
    const jobs = JSON.parse((await run(['reassign', '--jobs', '--json'])).stdout);
    expect(jobs).toEqual([expect.objectContaining({ id: job, state: 'done' })]);
  });

  it('--plan-out: one key plans (no PATCH), another applies whole runs still as planned; a drifted run stays whole; --undo last', async () => {
    const { s, team, run, plan: planCmd } = await unevenTeam();
    const dev = s.store.users[3]!.id;
    const path = join(tempDir(), 'team.plan.json');
    s.requests.length = 0;
    const planned = await run(
      ['rebalance', '--team', team.join(','), '--plan-out', path, '--needs-approval'],
      {
        key: PLANNER,
      },
    );
    expect(planned.code).toBe(0);
    expect(planned.stderr).toContain(`Plan written to ${path}: `);
    // Planning only reads: nothing moved, not one request that could change anything.
    expect(s.requests.length).toBeGreaterThan(0);
    expect(s.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(team.map((id) => openOf(s, id))).toEqual([26, 15, 8, 4, 2]);
    const plan = JSON.parse(readFileSync(path, 'utf8')) as PlanFile;
    expect(plan).toMatchObject({
      kind: 'rebalance',
      needs_approval: true,
      planned_by: { key_name: 'Sandbox read-write' },
      rules: { team, tolerance: 0.15, include_active: false, whole_runs: true },
    });
    // Whole runs only: every task is written SEQUENCE, a run of one task included.
    expect(plan.tasks.every((t) => t.scope === 'SEQUENCE')).toBe(true);
    const balance = plan.rules.balance as { members: { id: string; before: number; after: number }[] };
    expect(balance.members.map((m) => [m.id, m.before])).toEqual(
      team.map((id, i) => [id, [26, 15, 8, 4, 2][i]]),
    );
    // Whole runs: every open task of each planned run, all with one member, going to one member of the team.
    const runs = new Map<string, PlanFile['tasks']>();
    for (const t of plan.tasks) runs.set(t.sequence_id, [...(runs.get(t.sequence_id) ?? []), t]);
    for (const [sequenceId, tasks] of runs) {
      const open = s.store.state.tasks.filter((t) => isOpen(t) && t.sequence_id === sequenceId);
      expect(tasks.map((t) => t.task_id).sort()).toEqual(open.map((t) => t.id).sort());
      expect(new Set(tasks.map((t) => t.before.assignee_user_id)).size).toBe(1);
      expect(new Set(tasks.map((t) => t.after.assignee_user_id)).size).toBe(1);
      expect(team).toContain(tasks[0]!.after.assignee_user_id);
    }
    // plan show: who planned it, and each member before and after.
    const shown = await planCmd(['show', path], { key: APPROVER });
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain("planned by:  key 'Sandbox read-write'");
    expect(shown.stderr).toContain('Plan: rebalance 5 members (mean 11; within 15%: 9.3–12.6)');
    expect(shown.stderr).toContain(`${team[0]}: 26 → ${balance.members[0]!.after} (gives `);

    // Meanwhile: a task of one planned run changes hands; a task of another closes.
    const big = [...runs.values()].filter((r) => r.length > 1);
    const [drifted, shrunk] = [big[0]!, big[1]!];
    expect((await run(['reassign', drifted[0]!.task_id, '--to', dev])).code).toBe(0);
    expect((await run(['skip', shrunk[0]!.task_id])).code).toBe(0);
    const before = assignees(s);
    s.requests.length = 0;

    expect((await planCmd(['apply', path, '--yes'], { key: PLANNER })).code).toBe(5);
    const applied = await planCmd(['apply', path, '--yes', '--json'], { key: APPROVER });
    expect(applied.code).toBe(0);
    const report = JSON.parse(applied.stdout) as {
      kind: string;
      moved: number;
      team: { members: unknown[] };
      applied_by: { key_name: string };
      skipped: { task_id: string; reason: string }[];
    };
    expect(report).toMatchObject({ kind: 'rebalance', applied_by: { key_name: 'Sandbox tasks only' } });
    expect(report.team.members).toHaveLength(5);
    // The drifted run stays whole, each of its tasks said why; the closed task is skipped, its run moves.
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { task_id: drifted[0]!.task_id, reason: `now with ${dev}` },
        ...drifted.slice(1).map((t) => ({
          task_id: t.task_id,
          reason:
            'its run changed since the plan (1 task of it changed hands): a run moves whole or not at all',
        })),
        { task_id: shrunk[0]!.task_id, reason: 'closed since the plan' },
      ]),
    );
    expect(report.skipped).toHaveLength(drifted.length + 1);
    for (const t of plan.tasks) {
      const now = s.store.get(t.task_id)!.assignee_user_id;
      if (t.sequence_id === drifted[0]!.sequence_id || t.task_id === shrunk[0]!.task_id)
        expect(now).toBe(before.get(t.task_id));
      else expect(now).toBe(t.after.assignee_user_id);
    }
    expect(report.moved).toBe(plan.tasks.length - drifted.length - 1);
    // One call per run moved, every one with the approving key; nothing outside the plan moved.
    const patches = s.received('PATCH');
    expect(patches).toHaveLength(runs.size - 1);
    expect(patches.every((p) => p.key === APPROVER)).toBe(true);
    const inPlan = new Set(plan.tasks.map((t) => t.task_id));
    for (const [id, who] of before) if (!inPlan.has(id)) expect(s.store.get(id)!.assignee_user_id).toBe(who);

    // --jobs: a rebalance, with who planned and who applied; --undo last puts every task back.
    const [job] = JSON.parse((await run(['reassign', '--jobs', '--json'])).stdout) as Record<
      string,
      unknown
    >[];
    expect(job).toMatchObject({
      kind: 'rebalance',
      state: 'done',
      planned_by: { key_name: 'Sandbox read-write' },
      applied_by: { key_name: 'Sandbox tasks only' },
    });
    const table = await run(['reassign', '--jobs'], { tty: true, columns: 320 });
    expect(table.stdout).toContain('Sandbox read-write → Sandbox tasks only');
    expect((await run(['reassign', '--undo', 'last', '--yes'])).code).toBe(0);
    expect(assignees(s)).toEqual(before);
  });

  it('bad input: a clear line and exit 2 before any request', async () => {
    const { s, team, run } = await unevenTeam();
    const nowhere = join(tempDir(), 'none');
    const cases: [string[], string][] = [
      [['rebalance'], 'error: --team is required: the members to balance, comma-separated (at least two)\n'],
      [
        ['rebalance', '--team', team[0]!, '--yes'],
        'error: --team: name at least two members, comma-separated\n',
      ],
      [
        ['rebalance', '--team', team.join(','), '--tolerance', '150%', '--yes'],
        "error: --tolerance: '150%' is not a percentage from 0 to 99 (such as 15%)\n",
      ],
      [
        ['rebalance', '--team', `${team[0]},${team[0]}`, '--yes'],
        `error: --team: '${team[0]}' is named twice\n`,
      ],
      [
        ['rebalance', '--team', team.join(',')],
        'error: rebalancing a team needs confirmation, but there is no terminal to ask: pass --yes (or --dry-run to preview)\n',
      ],
      [
        ['rebalance', '--team', team.join(','), '--needs-approval', '--dry-run'],
        'error: --needs-approval goes with --plan-out: it marks the plan file\n',
      ],
      ...(['--dry-run', '--yes'] as const).map((flag): [string[], string] => [
        ['rebalance', '--team', team.join(','), '--plan-out', join(tempDir(), 'p.json'), flag],
        'error: --plan-out writes a plan and moves nothing: not with --dry-run or --yes\n',
      ]),
      [
        ['rebalance', '--team', team.join(','), '--plan-out', join(tempDir(), 'p.json'), '--report', 'r.md'],
        'error: --report goes with the run: give it to topo plan apply, not with --plan-out\n',
      ],
      [
        ['rebalance', '--team', team.join(','), '--plan-out', join(nowhere, 'p.json')],
        `error: --plan-out: cannot write '${join(nowhere, 'p.json')}': there is no folder ${nowhere}\n`,
      ],
    ];
    for (const [argv, stderr] of cases) {
      const r = await run(argv);
      expect(r.stderr).toBe(stderr);
      expect(r.code).toBe(2);
    }
    expect(s.requests).toHaveLength(0);
  });
});
