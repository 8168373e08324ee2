import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import { sandbox, tempDir, topo } from '../helpers.js';

/** Journals that survive tearing: a torn last line, a corrupt line, a foreign file, ids that are not ids. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

async function aJob() {
  const s = await sandbox();
  const [alice, bob] = s.store.users;
  const dir = tempDir();
  const env = { TOPO_STATE_DIR: dir };
  const args = ['tasks', 'reassign', '--from', alice!.id, '--to', bob!.id, '--yes'];
  const first = await topo(args, { sandbox: s, env });
  expect(first.code).toBe(0);
  const id = /Job ([0-9a-f]{8}), journal/.exec(first.stderr)![1]!;
  const path = join(dir, 'jobs', `${id}.jsonl`);
  return { s, alice: alice!.id, bob: bob!.id, dir, env, args, id, path };
}

const jobsJson = async (env: Record<string, string>, s?: Awaited<ReturnType<typeof sandbox>>) =>
  topo(['tasks', 'reassign', '--jobs', '--json', 'id,moved,state'], { env, ...(s && { sandbox: s }) });

describe('calls a kill left without an answer', () => {
  it('an undo finds those that landed, counts them as moved and back, and leaves the others out', async () => {
    const { s, alice, env, id, path } = await aJob();
    // A kill in the middle of the moves: the last three calls landed but were journaled only as started, and
    // one more was started and never landed (its task is still alice's); the run never ended.
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Each call is journaled as started before it is sent, and as moved once answered.
    const moves = lines.filter((l) => l.kind === 'move' && l.result === 'moved');
    const unanswered = new Set(moves.slice(-3));
    const started = lines.find((l) => l.kind === 'move' && l.result === 'started')!;
    const stillHers = s.store.createTask({ assignee_user_id: alice, type: 'CALL' });
    const never = { ...started, task_id: stillHers.id, sequence_id: stillHers.sequence_id };
    const kept = lines.filter((l) => l.kind !== 'end' && !unanswered.has(l));
    writeFileSync(path, [...kept, never].map((l) => `${JSON.stringify(l)}\n`).join(''));
    const before = JSON.parse((await jobsJson(env, s)).stdout);
    expect(before).toEqual([{ id, moved: moves.length - 3, state: 'stopped mid-run' }]);
    const undo = await topo(['tasks', 'reassign', '--undo', id, '--yes', '--json'], { sandbox: s, env });
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stderr).toContain(
      'note: the API shows 3 tasks moved whose call the job left without an answer: counted as moved.',
    );
    // Every task the job really moved is back; the one never moved is not mentioned.
    expect(JSON.parse(undo.stdout).moved).toBe(moves.length);
    expect(undo.stdout).not.toContain(stillHers.id);
    for (const m of moves) expect(s.store.get(m.task_id as string)!.assignee_user_id).toBe(alice);
    const after = await topo(['tasks', 'reassign', '--jobs', '--json', 'id,moved,back,state'], {
      sandbox: s,
      env,
    });
    expect(JSON.parse(after.stdout)).toEqual([
      { id, moved: moves.length, back: moves.length, state: 'undone' },
    ]);
  });
});

describe('a torn last line', () => {
  it('is set aside (kept, never appended onto) and said once; the job goes on and stays listed', async () => {
    const { s, alice, env, args, id, path } = await aJob();
    // A power cut: the last 40 bytes never reached the disk (`head -c -40`).
    const whole = readFileSync(path, 'utf8');
    truncateSync(path, statSync(path).size - 40);
    const torn = whole.slice(whole.lastIndexOf('\n', whole.length - 2) + 1, whole.length - 40);
    // Read alone (--jobs), nothing is changed and nothing fails.
    const listed = await jobsJson(env, s);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ id, moved: expect.any(Number), state: 'stopped mid-run' }]);
    // The same command again: the torn line goes aside, said once, and the journal is whole again.
    const again = await topo(args, { sandbox: s, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `note: the last line of journal ${path} was cut short (a write interrupted by a kill or a crash); it was set aside in ${path}.torn, and the job goes on from the lines before it`,
    );
    expect(readFileSync(`${path}.torn`, 'utf8')).toBe(`${torn}\n`);
    expect((statSync(`${path}.torn`).mode & 0o777).toString(8)).toBe('600');
    for (const line of readFileSync(path, 'utf8').trimEnd().split('\n'))
      expect(() => JSON.parse(line)).not.toThrow();
    const third = await topo(args, { sandbox: s, env });
    expect(third.stderr).not.toContain('cut short');
    const after = await jobsJson(env, s);
    expect(JSON.parse(after.stdout)).toMatchObject([{ id, state: 'done' }]);
    // And the job undoes as a whole, and says so as --jobs does.
    const undo = await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env });
    expect(undo.code).toBe(0);
    expect(undo.stderr).toContain(`Job ${id}: undone; 'topo tasks reassign --jobs' shows where it stands.`);
    expect(JSON.parse((await jobsJson(env, s)).stdout)).toMatchObject([{ id, state: 'undone' }]);
    expect(
      s.store.state.tasks.filter((t) => t.assignee_user_id === alice && isOpen(t)).length,
    ).toBeGreaterThan(0);
  });

  it('a torn line of a call that landed: the rerun looks it up, so the cap holds and an undo counts it', async () => {
    const s = await sandbox();
    const [, bob, , dev] = s.store.users.map((u) => u.id) as string[];
    const env = { TOPO_STATE_DIR: tempDir() };
    // Four calls of dev in four runs, new since the seed: a cap of 2 moves two of them.
    const mine = [0, 1, 2, 3].map(() => s.store.createTask({ assignee_user_id: dev!, type: 'CALL' }));
    const args = [
      'tasks',
      'reassign',
      '--from',
      dev!,
      '--to',
      bob!,
      '--created-after',
      '2026-11-02T00:00:00Z',
    ];
    const first = await topo([...args, '--cap', '2', '--yes'], { sandbox: s, env });
    expect(first.code, first.stderr).toBe(0);
    const id = /Job ([0-9a-f]{8}), journal/.exec(first.stderr)![1]!;
    const path = join(env.TOPO_STATE_DIR, 'jobs', `${id}.jsonl`);
    const withBob = () => mine.filter((t) => s.store.get(t.id)!.assignee_user_id === bob).length;
    expect(withBob()).toBe(2);
    // A kill while the second call was answered, and a crash that cut its 'started' line short.
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const lastMoved = lines.findLastIndex((l) => l.includes('"result":"moved"'));
    const started = lines.slice(0, lastMoved).findLastIndex((l) => l.includes('"result":"started"'));
    const kept = [...lines.slice(0, lastMoved).filter((_, i) => i !== started), lines[started]!];
    writeFileSync(path, `${kept.join('\n')}`.slice(0, -60));
    const landed = (JSON.parse(lines[started]!) as { task_id: string }).task_id;
    const dry = await topo(['tasks', 'reassign', '--undo', id, '--dry-run', '--json'], { sandbox: s, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).tasks).toHaveLength(2);
    const again = await topo([...args, '--cap', '2', '--yes', '--json'], { sandbox: s, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      `and from the call it recorded (task ${landed}), which is looked up with the API`,
    );
    expect(withBob()).toBe(2);
    expect(JSON.parse(again.stdout)).toMatchObject({ job: id, moved: 2, moved_before: 2, calls: 0 });
    const undo = await topo(['tasks', 'reassign', '--undo', id, '--yes', '--json'], { sandbox: s, env });
    expect(undo.code, undo.stderr).toBe(0);
    expect(withBob()).toBe(0);
  });

  it('a torn header: the job is written a new one and found again', async () => {
    const { s, env, args, id, path } = await aJob();
    writeFileSync(path, readFileSync(path, 'utf8').split('\n')[0]!.slice(0, 50));
    const again = await topo(args, { sandbox: s, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('was cut short');
    expect(JSON.parse((await jobsJson(env, s)).stdout)).toMatchObject([{ id }]);
  });
});

describe('a damaged header', () => {
  it('is named by --jobs and status; --undo last will not pick an older job past it; --undo <id> and a rerun still work', async () => {
    const { s, alice, bob, env, args, id, path } = await aJob();
    // An older job of other people, then the header of the newest damaged in place (a hand edit gone wrong).
    const older = await topo(['tasks', 'reassign', '--from', bob, '--to', alice, '--yes'], {
      sandbox: s,
      env,
    });
    expect(older.code).toBe(0);
    const olderId = /Job ([0-9a-f]{8}), journal/.exec(older.stderr)![1]!;
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(/^\{/, '{"x":'));
    const moved = new Set(
      text
        .split('\n')
        .filter((l) => l.includes('"kind":"move"'))
        .map((l) => (JSON.parse(l) as { task_id: string }).task_id),
    ).size;
    expect(moved).toBeGreaterThan(1);
    const note = `note: journal ${path}: its first line, the job's header, cannot be read, so the job it holds (its records of ${moved} tasks) is left out; restore that line, or rerun the job's command (it writes the header again)\n`;

    const jobs = await jobsJson(env, s);
    expect(jobs.code).toBe(0);
    expect((JSON.parse(jobs.stdout) as { id: string }[]).map((j) => j.id)).toEqual([olderId]);
    expect(jobs.stderr).toContain(note);
    const status = await topo(['status', '--team', `${alice},${bob}`], { sandbox: s, env });
    expect(status.stderr).toContain(note);

    const sent = s.requests.length;
    const last = await topo(['tasks', 'reassign', '--undo', 'last', '--yes'], { sandbox: s, env });
    expect(last.code).toBe(2);
    expect(last.stderr).toContain(
      `error: the journal ${path} has a damaged header (its first line) and may hold the last job: name the job to undo by its id (--undo ${id} for that one), or rerun its command first (it writes the header again)\n`,
    );
    expect(s.requests).toHaveLength(sent);

    const byId = await topo(['tasks', 'reassign', '--undo', id, '--dry-run', '--json', 'job'], {
      sandbox: s,
      env,
    });
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toEqual({ job: id });

    // The job's command again: the header is written again in its place, as it was (when the job started), the
    // damaged line kept aside; the job is listed (and last) once more, and nothing is said of it again.
    const created = (JSON.parse(text.split('\n')[0]!) as { created: string }).created;
    const rerun = await topo(args, { sandbox: s, env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(
      `note: the header of journal ${path} (its first line) could not be read; it was set aside in ${path}.damaged, and the job's header was written again in its place (started ${created})`,
    );
    expect(readFileSync(`${path}.damaged`, 'utf8')).toBe(`${text.split('\n')[0]!.replace(/^\{/, '{"x":')}\n`);
    const repaired = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(repaired[0]!)).toMatchObject({ kind: 'job', id, created });
    expect(repaired.filter((l) => l.includes('"kind":"job"'))).toHaveLength(1);
    expect(repaired.slice(1, text.trimEnd().split('\n').length)).toEqual(text.trimEnd().split('\n').slice(1));
    const listed = await topo(['tasks', 'reassign', '--jobs', '--json', 'id,created'], { sandbox: s, env });
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout)).toContainEqual({ id, created });
    const third = await topo(args, { sandbox: s, env });
    expect(third.stderr).not.toContain('header');
  });

  it("a header line emptied, or gone with a move line damaged first: the header is written again with the first record's time", async () => {
    for (const how of ['emptied', 'gone'] as const) {
      const { s, env, args, id, path } = await aJob();
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      const times = lines
        .slice(1)
        .map((l) => (JSON.parse(l) as { time?: string }).time)
        .filter(Boolean)
        .sort();
      // Emptied: the header's line left blank. Gone: no header, and the first move's line damaged in its place.
      const moveAt = lines.findIndex((l) => l.includes('"kind":"move"'));
      const edited =
        how === 'emptied'
          ? ['', ...lines.slice(1)]
          : [
              lines[moveAt]!.replace('"kind":"move"', '"kind":"move","x"'),
              ...lines.slice(1).filter((_, i) => i + 1 !== moveAt),
            ];
      writeFileSync(path, `${edited.join('\n')}\n`);
      const again = await topo(args, { sandbox: s, env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`the job's header was written again in its place (started ${times[0]})`);
      const now = readFileSync(path, 'utf8').split('\n');
      expect(JSON.parse(now[0]!)).toMatchObject({ kind: 'job', id, created: times[0] });
      // A move's damaged line is kept where it is (below the header), never taken for the header.
      if (how === 'gone') expect(now[1]).toBe(edited[0]);
    }
  });

  it('an empty journal where the job goes: said, and the job starts afresh there', async () => {
    const { s, env, args, path } = await aJob();
    truncateSync(path, 0);
    const again = await topo(args, { sandbox: s, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `note: journal ${path} was empty: the job starts afresh there (what it held before is not known)\n`,
    );
  });
});

describe('a journal that cannot be read', () => {
  it('never stops --jobs for the other jobs or workspaces: it is named and left out', async () => {
    const { s, env, id, dir } = await aJob();
    const jobs = join(dir, 'jobs');
    writeFileSync(join(jobs, 'ffff0000.jsonl'), 'root:x:0:0:root:/root:/bin/bash\n');
    mkdirSync(join(jobs, 'eeee0000.jsonl'));
    const r = await jobsJson(env, s);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ id }]);
    expect(r.stderr).toContain(
      `note: ${join(jobs, 'ffff0000.jsonl')} is not a topo journal (none of its lines can be read); left out\n`,
    );
    expect(r.stderr).toContain(
      `note: ${join(jobs, 'eeee0000.jsonl')} is not a regular file (a folder); left out\n`,
    );
    expect(r.stderr).not.toContain('root:x');
    // Another workspace's listing too.
    const other = await topo(['--profile', 'other', 'tasks', 'reassign', '--jobs', '--json'], {
      env,
      sandbox: s,
    });
    expect(other.code).toBe(0);
    // --undo last still finds this workspace's job.
    const undo = await topo(['tasks', 'reassign', '--undo', 'last', '--dry-run', '--json', 'job'], {
      sandbox: s,
      env,
    });
    expect(undo.code).toBe(0);
    expect(JSON.parse(undo.stdout)).toEqual({ job: id });
  });

  it('a FIFO in the jobs folder never blocks --jobs or --undo last: it is named and left out', async () => {
    const { s, env, id, dir } = await aJob();
    const fifo = join(dir, 'jobs', 'dddd0000.jsonl');
    execFileSync('mkfifo', [fifo]);
    // In a process of its own: before, the open of a FIFO blocked the whole process (no timer, no signal).
    for (const cmd of [
      ['tasks', 'reassign', '--jobs', '--json', 'id'],
      ['tasks', 'reassign', '--undo', 'last', '--dry-run', '--json', 'job'],
    ]) {
      const r = await topo(cmd, { sandbox: s, env, spawn: true, timeoutMs: 15_000 });
      expect(r.code, `${cmd.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toContain(`note: ${fifo} is not a regular file (a FIFO); left out\n`);
      expect(JSON.parse(r.stdout)).toEqual(cmd.includes('--jobs') ? [{ id }] : { job: id });
    }
    // Named by path, it is refused in one line.
    const named = await topo(['tasks', 'reassign', '--undo', fifo, '--yes'], {
      sandbox: s,
      env,
      spawn: true,
      timeoutMs: 15_000,
    });
    expect(named.code).toBe(2);
    expect(named.stderr).toBe(`error: journal ${fifo} is not a regular file (a FIFO)\n`);
  });

  it('--undo works on the lines that can be read and says which could not', async () => {
    const { s, alice, bob, env, id, path } = await aJob();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as Record<string, string>);
    const moved = records.filter((l) => l.result === 'moved' && l.scope === 'TASK').map((l) => l.task_id!);
    // Every line of one task garbled; every line of another names an id that is not a UUID.
    const [garbled, bad] = moved as [string, string];
    const broken: number[] = [];
    records.forEach((l, i) => {
      if (l.task_id === garbled) lines[i] = `${lines[i]!.slice(0, 30)}garbage`;
      if (l.task_id === bad) lines[i] = JSON.stringify({ ...l, task_id: '__proto__' });
      if (l.task_id === garbled || l.task_id === bad) broken.push(i + 1);
    });
    const lost = [garbled, bad];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const undo = await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env });
    expect(undo.code).toBe(0);
    expect(undo.stderr).toContain(
      `note: journal ${path}: lines ${broken.join(', ')} cannot be read (not topo journal lines) and are skipped; what the others record is undone\n`,
    );
    // Nothing was asked of the API for a name that is not a task id.
    expect(s.requests.some((r) => r.path.includes('__proto__'))).toBe(false);
    for (const t of moved.slice(2)) expect(s.store.get(t)!.assignee_user_id).toBe(alice);
    for (const t of lost) expect(s.store.get(t)!.assignee_user_id).toBe(bob);
  });

  it('a capped job with lines of its moves unreadable does not run again from a guess: it says which, exit 2', async () => {
    const s = await sandbox();
    const [alice, bob] = s.store.users.map((u) => u.id) as string[];
    const env = { TOPO_STATE_DIR: tempDir() };
    const args = ['tasks', 'reassign', '--from', alice!, '--to', bob!, '--cap', '3', '--yes'];
    const first = await topo(args, { sandbox: s, env });
    expect(first.code, first.stderr).toBe(0);
    const id = /Job ([0-9a-f]{8}), journal/.exec(first.stderr)![1]!;
    const path = join(env.TOPO_STATE_DIR, 'jobs', `${id}.jsonl`);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    // Every record of one moved task names an id that is not one (a hand edit).
    const victim = (JSON.parse(lines.find((l) => l.includes('"result":"moved"'))!) as { task_id: string })
      .task_id;
    const broken: number[] = [];
    const edited = lines.map((l, i) => {
      if (!l.includes(victim)) return l;
      broken.push(i + 1);
      return l.replace(victim, `${victim.slice(0, -1)}z`);
    });
    writeFileSync(path, `${edited.join('\n')}\n`);
    s.requests.length = 0;
    const again = await topo(args, { sandbox: s, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      `error: journal ${path}: lines ${broken.join(', ')} cannot be read, so what job ${id} gave each successor under its --cap is not known; restore those lines (or undo the job: --undo ${id} works on the others)\n`,
    );
    expect(s.received('PATCH')).toHaveLength(0);
    // A dry run still shows the plan; an undo still works on the others.
    expect((await topo([...args, '--dry-run'], { sandbox: s, env })).code).toBe(0);
    expect((await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env })).code).toBe(0);
  });

  it("a foreign file where the job's journal goes is set aside whole, never appended onto", async () => {
    const { s, env, args, path } = await aJob();
    writeFileSync(path, 'these are my notes\nnot a journal\n');
    const again = await topo(args, { sandbox: s, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `note: ${path} was not a topo journal; it was set aside as ${path}.foreign\n`,
    );
    expect(readFileSync(`${path}.foreign`, 'utf8')).toBe('these are my notes\nnot a journal\n');
    expect(JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!)).toMatchObject({ kind: 'job' });
  });

  it('a journal file named by path that is not a journal is refused in one line, exit 2', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.jsonl');
    writeFileSync(file, '{"hello": "world"}\nnot json\n');
    const r = await topo(['tasks', 'reassign', '--undo', file, '--yes'], { env: { TOPO_STATE_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${file} is not a topo journal: none of its lines can be read\n`);
    expect(existsSync(`${file}.torn`)).toBe(false);
  });
});
