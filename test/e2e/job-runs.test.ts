import { readFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { sandbox, spawnTopo, tempDir, topo, waitFor } from '../helpers.js';

/**
 * A job's promises over all its runs: the cap and the weights count what earlier runs moved, a sequence run
 * never ends split between successors, a call that landed before a kill is found and counted, and --jobs and
 * --json count what the API shows moved. The trials kill a real process at points chosen by a seeded draw
 * (the n-th request the API receives, or the n-th line of the journal), never by a timer.
 *
 * TOPO_KILL_TRIALS=40 runs forty trials instead of a few (`npm run test:kills`).
 */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

interface World {
  leaver: string;
  successors: { id: string; weight: number }[];
  /** The leaver's open tasks before the job, by id. */
  mine: Map<string, Task>;
}

function world(s: Sandbox, weights: number[]): World {
  const [leaver, ...others] = s.store.users;
  const mine = new Map(
    s.store.state.tasks
      .filter((t) => t.assignee_user_id === leaver!.id && isOpen(t))
      .map((t) => [t.id, { ...t }]),
  );
  return {
    leaver: leaver!.id,
    successors: weights.map((weight, i) => ({ id: others[i]!.id, weight })),
    mine,
  };
}

const toFlag = (w: World) => w.successors.map((s) => `${s.id}=${s.weight}`).join(',');

/** What the API shows: each of the leaver's tasks that a successor now holds, by successor. */
function apiMoved(s: Sandbox, w: World): Map<string, string> {
  const ids = new Set(w.successors.map((x) => x.id));
  const moved = new Map<string, string>();
  for (const id of w.mine.keys()) {
    const holder = s.store.get(id)?.assignee_user_id;
    if (holder && ids.has(holder)) moved.set(id, holder);
  }
  return moved;
}

/** Everything the job promises, checked against the API's state and the requests it received. */
function checkPromises(s: Sandbox, w: World, cap: number | undefined): { moved: Map<string, string> } {
  const moved = apiMoved(s, w);
  const got = new Map(w.successors.map((x) => [x.id, 0]));
  for (const to of moved.values()) got.set(to, got.get(to)! + 1);
  // At or under the cap.
  if (cap !== undefined) for (const [id, n] of got) expect(n, `${id} over the cap`).toBeLessThanOrEqual(cap);
  // No run split between successors.
  const holders = new Map<string, Set<string>>();
  const runSize = new Map<string, number>();
  for (const t of w.mine.values()) runSize.set(t.sequence_id, (runSize.get(t.sequence_id) ?? 0) + 1);
  for (const [id, to] of moved) {
    const run = w.mine.get(id)!.sequence_id;
    holders.set(run, (holders.get(run) ?? new Set()).add(to));
  }
  for (const [run, who] of holders) expect([...who], `run ${run} split`).toHaveLength(1);
  // The split follows the weights within one run, when the cap leaves room for it.
  const biggest = Math.max(...runSize.values());
  const total = [...got.values()].reduce((a, b) => a + b, 0);
  const weights = w.successors.reduce((a, x) => a + x.weight, 0);
  if (cap === undefined || [...got.values()].every((n) => n + biggest <= cap))
    for (const x of w.successors)
      expect(
        Math.abs(got.get(x.id)! - (total * x.weight) / weights),
        `${x.id}'s share: ${[...got.values()].join('/')}`,
      ).toBeLessThanOrEqual(biggest);
  // Nobody else's task was sent, and no task was moved twice.
  const patched = new Map<string, number>();
  for (const r of s.received('PATCH')) {
    const id = r.path.split('/')[3]!;
    expect(w.mine.has(id), `a PATCH for ${id}, not the leaver's`).toBe(true);
    if (r.status === 200 && JSON.parse(r.body).scope === 'TASK') patched.set(id, (patched.get(id) ?? 0) + 1);
  }
  for (const [id, n] of patched) expect(n, `${id} moved ${n} times`).toBe(1);
  return { moved };
}

/** `--jobs --json` and the last run's `--json` report count exactly what the API shows moved. */
async function checkCounts(s: Sandbox, w: World, env: Record<string, string>, report: string) {
  const moved = apiMoved(s, w);
  const rep = JSON.parse(report) as { moved: number; tasks: { task_id: string; result: string }[] };
  expect(rep.moved).toBe(moved.size);
  expect(
    rep.tasks
      .filter((t) => t.result === 'moved')
      .map((t) => t.task_id)
      .sort(),
  ).toEqual([...moved.keys()].sort());
  const jobs = JSON.parse(
    (await topo(['tasks', 'reassign', '--jobs', '--json', 'moved,left,state'], { sandbox: s, env })).stdout,
  );
  expect(jobs).toEqual([{ moved: moved.size, left: 0, state: 'done' }]);
}

function journalPath(dir: string): string | undefined {
  const files = (() => {
    try {
      return readdirSync(join(dir, 'jobs')).filter((f) => f.endsWith('.jsonl'));
    } catch {
      return [];
    }
  })();
  return files[0] && join(dir, 'jobs', files[0]);
}

const lineCount = (path: string | undefined) => {
  if (!path) return 0;
  try {
    return readFileSync(path, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
};

/** A small seeded generator: the same trial draws the same kill points on every machine. */
function draws(seed: number) {
  let x = seed * 2654435761 + 1;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((x / 2 ** 31) * n);
  };
}

type Kill = { signal: 'SIGKILL' | 'SIGINT'; at: 'request' | 'journal line'; n: number };

/**
 * Runs the job in a process of its own and stops it at the kill point: the moment the API receives its n-th
 * request (the request is still handled: a call lands while its answer is lost), or once the journal holds n
 * lines. Returns whether the kill happened before the run ended by itself.
 */
async function runAndKill(s: Sandbox, args: string[], env: Record<string, string>, dir: string, kill: Kill) {
  const run = spawnTopo(args, { sandbox: s, env });
  run.child.stdout.resume();
  let killed = false;
  const stop = () => {
    if (killed) return;
    killed = true;
    run.child.kill(kill.signal);
  };
  let seen = 0;
  const off = s.onRequest(() => {
    if (kill.at === 'request' && ++seen === kill.n) stop();
  });
  const timer =
    kill.at === 'journal line'
      ? setInterval(() => {
          if (lineCount(journalPath(dir)) >= kill.n) stop();
        }, 2)
      : undefined;
  const code = await run.exit;
  off();
  clearInterval(timer);
  // Killed by the signal itself when it comes before the handlers are set (null).
  if (killed && kill.signal === 'SIGINT') expect([0, 130, 6, null]).toContain(code);
  if (!killed) expect(code, run.stderr()).toBe(0);
  if (killed) {
    met.kills++;
    met[kill.signal]++;
  } else met.finishedFirst++;
  return killed;
}

const TRIALS = Number(process.env.TOPO_KILL_TRIALS ?? 3);
/** Seeded tasks: enough for a leaver with some sixty open tasks in thirty runs (more in the long trials). */
const TASKS = TRIALS > 3 ? 1500 : 600;
/** What the trials met, printed after many of them (`npm run test:kills`). */
const met = {
  trials: 0,
  kills: 0,
  SIGKILL: 0,
  SIGINT: 0,
  finishedFirst: 0,
  torn: 0,
  unanswered: 0,
  moved: 0,
};

// Several runs of a job each: a hang guard for a loaded machine, never a measure of speed.
describe('a job over several runs', { timeout: 120_000 }, () => {
  it('run three times with --cap and weights: nobody ends over the cap, the second and third runs move nothing', async () => {
    const s = await sandbox({ tasks: TASKS });
    const w = world(s, [2, 1]);
    const cap = Math.floor(w.mine.size * 0.3);
    const { env } = { env: { TOPO_STATE_DIR: tempDir() } };
    const args = ['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), '--cap', String(cap), '--yes'];
    const first = await topo([...args, '--json'], { sandbox: s, env });
    expect(first.code, first.stderr).toBe(0);
    const after = apiMoved(s, w).size;
    for (const time of [2, 3]) {
      const again = await topo([...args, '--json'], { sandbox: s, env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`Every task stays with ${w.leaver} (the cap): nothing to move.`);
      expect(apiMoved(s, w).size, `run ${time}`).toBe(after);
      const rep = JSON.parse(again.stdout) as { moved: number; moved_before: number; kept: number };
      expect(rep).toMatchObject({ moved: after, moved_before: after, kept: w.mine.size - after });
    }
    checkPromises(s, w, cap);
    expect(s.received('PATCH').length).toBeGreaterThan(0);
    await checkCounts(s, w, env, (await topo([...args, '--json'], { sandbox: s, env })).stdout);
  });

  it('a run an earlier run began goes to the same successor, whatever the weights say now', async () => {
    const s = await sandbox({ tasks: TASKS });
    const w = world(s, [1, 1]);
    const env = { TOPO_STATE_DIR: tempDir() };
    const args = ['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), '--yes', '--json'];
    // Plan the job, then play an earlier run that gave one task of each of the biggest runs to carla.
    const plan = JSON.parse((await topo([...args, '--dry-run'], { sandbox: s, env })).stdout) as {
      tasks: { task_id: string; sequence_id: string }[];
    };
    const runs = new Map<string, string[]>();
    for (const t of plan.tasks) runs.set(t.sequence_id, [...(runs.get(t.sequence_id) ?? []), t.task_id]);
    const begun = [...runs].filter(([, ids]) => ids.length >= 3).slice(0, 6);
    expect(begun.length).toBeGreaterThan(2);
    const carla = w.successors[1]!.id;
    // The first run: interrupted by the API refusing everything after the first calls.
    s.injectFault({ method: 'PATCH', status: 503, after: 0, times: 10_000 });
    const first = await topo(args, { sandbox: s, env });
    expect(first.code).toBe(6);
    s.clearFaults();
    for (const [, ids] of begun) s.store.reassign(ids[0]!, carla, 'TASK');
    // Journal those as this job's moves (as a run killed after them would have left it).
    const path = journalPath(env.TOPO_STATE_DIR)!;
    const lines = readFileSync(path, 'utf8');
    const records = begun.map(([run, ids]) =>
      JSON.stringify({
        kind: 'move',
        phase: 'move',
        task_id: ids[0],
        sequence_id: run,
        from: w.leaver,
        to: carla,
        scope: 'TASK',
        time: '2026-11-01T00:00:00Z',
        result: 'moved',
      }),
    );
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, `${lines}${records.join('\n')}\n`);
    const again = await topo(args, { sandbox: s, env });
    expect(again.code, again.stderr).toBe(0);
    for (const [run, ids] of begun)
      for (const id of ids) expect(s.store.get(id)!.assignee_user_id, `run ${run}`).toBe(carla);
    checkPromises(s, w, undefined);
    await checkCounts(s, w, env, again.stdout);
  });

  it('the report of a resumed job checks the runs earlier runs moved: one still waiting on an unassigned task is named', async () => {
    const s = await sandbox();
    const w = world(s, [1]);
    const env = { TOPO_STATE_DIR: tempDir() };
    const mineByRun = new Map<string, string[]>();
    for (const t of w.mine.values())
      mineByRun.set(t.sequence_id, [...(mineByRun.get(t.sequence_id) ?? []), t.id]);
    const [waiting, ids] = [...mineByRun].find(([run]) =>
      s.store.sequence(run).some((t) => isOpen(t) && t.assignee_user_id === null),
    )!;
    expect(s.store.run(waiting)!.status).toBe('WAITING_FOR_USER');
    // The first run moves that run and nothing else: every other move is refused for now.
    s.injectFault({
      method: 'PATCH',
      path: `^/v1/tasks/(?!(${ids.join('|')}))`,
      status: 503,
      times: 100_000,
    });
    const args = ['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), '--yes', '--json'];
    const first = await topo(args, { sandbox: s, env });
    expect(first.code).toBe(6);
    for (const id of ids) expect(s.store.get(id)!.assignee_user_id).toBe(w.successors[0]!.id);
    s.clearFaults();
    const resumed = await topo(args, { sandbox: s, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const rep = JSON.parse(resumed.stdout) as { blocked_runs: string[]; moved_before: number };
    expect(rep.moved_before).toBe(ids.length);
    expect(rep.blocked_runs).toContain(waiting);
    expect(resumed.stderr).toContain(`  ${waiting}\n`);
  });

  it('a call that landed before a kill (journaled only as started) is found, counted as moved and not sent again', async () => {
    const s = await sandbox({ tasks: TASKS });
    const w = world(s, [1]);
    const dir = tempDir();
    const env = { TOPO_STATE_DIR: dir };
    const args = ['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), '--yes', '--concurrency', '1'];
    // Killed the moment the API receives the third move: the move lands, its answer never arrives.
    const run = spawnTopo(args, { sandbox: s, env });
    run.child.stdout.resume();
    let patches = 0;
    const off = s.onRequest((r) => {
      if (r.method === 'PATCH' && ++patches === 3) run.child.kill('SIGKILL');
    });
    await run.exit;
    off();
    await waitFor(() => s.received('PATCH').every((r) => r.status !== 0), 10_000, 'the last move handled');
    const read = () =>
      readFileSync(journalPath(dir)!, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = s.received('PATCH').at(-1)!;
    const named = last.path.split('/')[3]!;
    const landed = read().filter(
      (l) => l.result === 'started' && !read().some((m) => m.task_id === l.task_id && m.result === 'moved'),
    );
    // The journal says only that the third call started; the API shows it done.
    expect(landed.map((l) => l.task_id)).toContain(named);
    for (const l of landed)
      expect(s.store.get(l.task_id as string)!.assignee_user_id).toBe(w.successors[0]!.id);
    // Where the task is cannot be read (the API fails every attempt): the resume goes no further, and no
    // call is taken as never landed (it would be sent again, or past the cap); nor does an undo go on.
    s.injectFault({ method: 'GET', path: '^/v1/tasks/[0-9a-f-]+$', status: 500, times: 1000 });
    s.injectFault({
      method: 'GET',
      path: '^/v1/tasks$',
      query: w.successors[0]!.id,
      status: 500,
      times: 1000,
    });
    const sent = s.received('PATCH').length;
    for (const argv of [args, ['tasks', 'reassign', '--undo', 'last', '--yes']]) {
      const blind = await topo(argv, { sandbox: s, env });
      expect(blind.code, blind.stderr).toBe(1);
      expect(blind.stderr).toMatch(
        /^error: could not see where the job left its tasks: .*; nothing was changed, run the same command again/m,
      );
      expect(s.received('PATCH')).toHaveLength(sent);
    }
    s.clearFaults();
    const resumed = await topo([...args, '--json'], { sandbox: s, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `note: the API shows ${landed.length === 1 ? '1 task' : `${landed.length} tasks`} moved whose call an earlier run of this job left without an answer: counted as moved.`,
    );
    expect(s.received('PATCH').filter((r) => r.path.includes(named))).toHaveLength(1);
    for (const l of landed)
      expect(read().find((m) => m.task_id === l.task_id && m.result === 'moved')).toMatchObject({
        reconciled: true,
      });
    checkPromises(s, w, undefined);
    await checkCounts(s, w, env, resumed.stdout);
  });
});

describe('an undo or a return killed mid-call, then run again', { timeout: 120_000 }, () => {
  it.each(['undo', 'return'] as const)(
    '%s: --jobs says it stopped mid-run; the rerun finds what landed, counts it, and agrees with the API',
    async (phase) => {
      const s = await sandbox();
      const w = world(s, [1]);
      const env = { TOPO_STATE_DIR: tempDir() };
      // A cover whose end has passed (for a return), or a plain job (for an undo).
      const cover = phase === 'return' ? ['--until', '1d'] : [];
      const job = await topo(
        ['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), ...cover, '--yes'],
        {
          sandbox: s,
          env,
          deps: { now: () => Date.now() - 2 * 86_400_000 },
        },
      );
      expect(job.code, job.stderr).toBe(0);
      const moved = apiMoved(s, w).size;
      expect(moved).toBe(w.mine.size);
      const ofJob = s.received('PATCH').length;
      const args = ['tasks', 'reassign', ...(phase === 'undo' ? ['--undo', 'last'] : ['--return']), '--yes'];
      // Killed the moment the API receives the third call back: it lands, its answer never arrives.
      const run = spawnTopo([...args, '--concurrency', '1'], { sandbox: s, env });
      run.child.stdout.resume();
      let patches = 0;
      const off = s.onRequest((r) => {
        if (r.method === 'PATCH' && ++patches === 3) run.child.kill('SIGKILL');
      });
      await run.exit;
      off();
      await waitFor(() => s.received('PATCH').every((r) => r.status !== 0), 10_000, 'the last call handled');
      const backBefore = w.mine.size - apiMoved(s, w).size;
      expect(backBefore).toBeGreaterThan(0);
      const list = async () =>
        JSON.parse(
          (
            await topo(['tasks', 'reassign', '--jobs', '--json', 'moved,back,left,state'], {
              sandbox: s,
              env,
            })
          ).stdout,
        ) as unknown[];
      expect(await list()).toEqual([
        { moved, back: expect.any(Number), left: null, state: 'stopped mid-run' },
      ]);
      const sent = s.received('PATCH').length;
      const again = await topo([...args, '--json'], { sandbox: s, env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(
        new RegExp(
          `note: the API shows \\d+ tasks? moved back whose call an earlier ${phase} of this job left`,
        ),
      );
      expect(again.stderr).not.toContain('now with');
      expect(apiMoved(s, w).size).toBe(0);
      const rep = JSON.parse(again.stdout) as { moved: number; moved_before: number; skipped: unknown[] };
      expect(rep).toMatchObject({ moved, moved_before: backBefore, skipped: [] });
      // Nothing back already was sent again.
      const again2 = s.received('PATCH').slice(sent);
      for (const id of w.mine.keys())
        if (
          s
            .received('PATCH')
            .slice(ofJob, sent)
            .some((r) => r.path.includes(id) && r.status === 200)
        )
          expect(again2.some((r) => r.path.includes(id))).toBe(false);
      expect(await list()).toEqual([
        { moved, back: moved, left: 0, state: phase === 'undo' ? 'undone' : 'given back' },
      ]);
    },
  );
});

describe("an undo killed mid-call, then the job's own command again", { timeout: 120_000 }, () => {
  it('what landed back is found and not counted toward the cap: the job moves it again, to the cap, and is done', async () => {
    const s = await sandbox();
    const w = world(s, [1]);
    const env = { TOPO_STATE_DIR: tempDir() };
    const move = ['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), '--cap', '6', '--yes'];
    const first = await topo([...move, '--json'], { sandbox: s, env });
    expect(first.code, first.stderr).toBe(0);
    const moved = apiMoved(s, w).size;
    expect(moved).toBeGreaterThan(3);
    expect(moved).toBeLessThanOrEqual(6);
    // The undo killed as the API receives its second call back: it lands, its answer never arrives.
    const undo = spawnTopo(['tasks', 'reassign', '--undo', 'last', '--yes', '--concurrency', '1'], {
      sandbox: s,
      env,
    });
    undo.child.stdout.resume();
    let patches = 0;
    const off = s.onRequest((r) => {
      if (r.method === 'PATCH' && ++patches === 2) undo.child.kill('SIGKILL');
    });
    await undo.exit;
    off();
    await waitFor(() => s.received('PATCH').every((r) => r.status !== 0), 10_000, 'the last call handled');
    // Some went back (the last of them without its answer); whole runs move back in one call.
    expect(apiMoved(s, w).size).toBeLessThan(moved);
    const again = await topo([...move, '--json'], { sandbox: s, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      /note: the API shows \d+ tasks? moved back whose call an undo or a give-back of this job left without an answer: no longer counted as moved\./,
    );
    // Back to where the job had them, and never past the cap.
    expect(apiMoved(s, w).size).toBe(moved);
    const jobs = JSON.parse(
      (await topo(['tasks', 'reassign', '--jobs', '--json', 'state'], { sandbox: s, env })).stdout,
    );
    expect(jobs).toEqual([{ state: 'done' }]);
  });
});

describe('the same job, whatever the day, the order or the cap', () => {
  it('a cover with --until 14d run on three days is one job: the cap counts all three, the first end stands', async () => {
    const s = await sandbox();
    const w = world(s, [1]);
    const env = { TOPO_STATE_DIR: tempDir() };
    const args = ['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), '--cap', '5'];
    const day = 86_400_000;
    const runs: { job: string; until: string; moved: number }[] = [];
    for (const d of [0, 1, 2]) {
      const r = await topo([...args, '--until', '14d', '--yes', '--json'], {
        sandbox: s,
        env,
        deps: { now: () => Date.parse('2026-11-10T09:00:00Z') + d * day },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('note:');
      runs.push(JSON.parse(r.stdout) as { job: string; until: string; moved: number });
    }
    expect(apiMoved(s, w).size).toBe(5);
    expect(new Set(runs.map((r) => r.job)).size).toBe(1);
    expect(runs.map((r) => r.until)).toEqual(Array(3).fill('2026-11-24T09:00:00Z'));
    expect(runs.map((r) => r.moved)).toEqual([5, 5, 5]);
    const jobs = JSON.parse(
      (await topo(['tasks', 'reassign', '--jobs', '--json', 'moved,until'], { sandbox: s, env })).stdout,
    );
    expect(jobs).toEqual([{ moved: 5, until: '2026-11-24T09:00:00Z' }]);
    // Another end, given as a date or in other words from now (7d, not 14d): the cover keeps its own, and says so.
    const later = { now: () => Date.parse('2026-11-13T09:00:00Z') };
    const [other, shorter] = [
      await topo([...args, '--until', '2026-12-01', '--yes'], { sandbox: s, env, deps: later }),
      await topo([...args, '--until', '7d', '--yes', '--json'], { sandbox: s, env, deps: later }),
    ];
    const kept = (asked: string) =>
      `note: job ${runs[0]!.job} is a cover until 2026-11-24T09:00:00Z, as its first run set; this --until (${asked}) does not change it.`;
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain(kept('2026-12-01T00:00:00Z'));
    expect(shorter.code, shorter.stderr).toBe(0);
    expect(shorter.stderr).toContain(kept('2026-11-20T09:00:00Z'));
    expect(JSON.parse(shorter.stdout).until).toBe('2026-11-24T09:00:00Z');
    expect(apiMoved(s, w).size).toBe(5);
  });

  it('a cover given back, then the same cover again: a new job, not the old one reopened', async () => {
    const s = await sandbox();
    const w = world(s, [1]);
    const env = { TOPO_STATE_DIR: tempDir() };
    const args = [
      'tasks',
      'reassign',
      '--from',
      w.leaver,
      '--to',
      toFlag(w),
      '--cap',
      '3',
      '--yes',
      '--json',
    ];
    const at = (iso: string) => ({ sandbox: s, env, deps: { now: () => Date.parse(iso) } });
    const first = await topo([...args, '--until', '2d'], at('2026-11-10T09:00:00Z'));
    expect(first.code, first.stderr).toBe(0);
    const back = await topo(['tasks', 'reassign', '--return', '--yes'], at('2026-11-13T09:00:00Z'));
    expect(back.code, back.stderr).toBe(0);
    expect(apiMoved(s, w).size).toBe(0);
    const again = await topo([...args, '--until', '2d'], at('2026-11-20T09:00:00Z'));
    expect(again.code, again.stderr).toBe(0);
    const [a, b] = [first, again].map((r) => JSON.parse(r.stdout) as { job: string; until: string }) as [
      { job: string; until: string },
      { job: string; until: string },
    ];
    expect(b.job).not.toBe(a.job);
    expect(b.until).toBe('2026-11-22T09:00:00Z');
    expect(apiMoved(s, w).size).toBe(3);
    const jobs = JSON.parse(
      (
        await topo(
          ['tasks', 'reassign', '--jobs', '--json', 'id,moved,back,state'],
          at('2026-11-20T10:00:00Z'),
        )
      ).stdout,
    );
    expect(jobs).toEqual([
      { id: a.job, moved: 3, back: 3, state: 'given back' },
      { id: b.job, moved: 3, back: 0, state: 'covering' },
    ]);
    // The second cover is swept as itself (its rules are the first one's, its journal its own); at its cap,
    // the new task stays, and the note says the cap, not an older version.
    s.store.createTask({ assignee_user_id: w.leaver, type: 'CALL' });
    const sweep = await topo(['tasks', 'reassign', '--sweep', '--yes'], at('2026-11-20T11:00:00Z'));
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stderr).toMatch(
      /^Nothing to sweep: \d+ open tasks stay with the leaver of 1 finished offboarding or cover: the room the successors have left under --cap takes no whole run of them\.\n$/,
    );
    expect(sweep.stderr).not.toContain('older version');
  });

  it('a job undone, then the same command again: a new job whose counts match --jobs, not the undone one reopened', async () => {
    const s = await sandbox();
    const w = world(s, [1, 1]);
    const env = { TOPO_STATE_DIR: tempDir() };
    const move = (cap: string) =>
      topo(['tasks', 'reassign', '--from', w.leaver, '--to', toFlag(w), '--cap', cap, '--yes', '--json'], {
        sandbox: s,
        env,
      });
    const first = await move('3');
    expect(first.code, first.stderr).toBe(0);
    expect((await topo(['tasks', 'reassign', '--undo', 'last', '--yes'], { sandbox: s, env })).code).toBe(0);
    expect(apiMoved(s, w).size).toBe(0);
    const again = await move('2');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('note:');
    const [a, b] = [first, again].map((r) => JSON.parse(r.stdout) as { job: string; moved: number });
    expect(b!.job).not.toBe(a!.job);
    expect(b!.moved).toBe(4);
    expect(apiMoved(s, w).size).toBe(4);
    const jobs = JSON.parse(
      (await topo(['tasks', 'reassign', '--jobs', '--json', 'id,moved,back,state'], { sandbox: s, env }))
        .stdout,
    );
    expect(jobs).toEqual([
      { id: a!.job, moved: 6, back: 6, state: 'undone' },
      { id: b!.job, moved: 4, back: 0, state: 'done' },
    ]);
    // Undone again, the next one is newer still; --undo last is always the newest.
    const undo = await topo(['tasks', 'reassign', '--undo', 'last', '--yes', '--json'], { sandbox: s, env });
    expect(JSON.parse(undo.stdout).job).toBe(b!.job);
  });

  it('the successors in another order, or another cap, is the same job: the cap counts the whole job, and a note says what changed', async () => {
    const s = await sandbox();
    const w = world(s, [1, 1]);
    const env = { TOPO_STATE_DIR: tempDir() };
    const [bob, carla] = w.successors.map((x) => x.id) as [string, string];
    const run = (to: string, cap: number, more: string[] = []) =>
      topo(
        [
          'tasks',
          'reassign',
          '--from',
          w.leaver,
          '--to',
          to,
          '--cap',
          String(cap),
          '--yes',
          '--json',
          ...more,
        ],
        {
          sandbox: s,
          env,
        },
      );
    const held = () => {
      const got = new Map<string, number>();
      for (const to of apiMoved(s, w).values()) got.set(to, (got.get(to) ?? 0) + 1);
      return [got.get(bob) ?? 0, got.get(carla) ?? 0];
    };
    const first = await run(`${bob},${carla}`, 3);
    expect(first.code, first.stderr).toBe(0);
    const job = (JSON.parse(first.stdout) as { job: string }).job;
    const firstHeld = held();
    expect(Math.max(...firstHeld)).toBeLessThanOrEqual(3);
    // The other order: the same job, nothing more (the cap is reached), no note (nothing changed).
    const swapped = await run(`${carla},${bob}`, 3);
    expect(swapped.code, swapped.stderr).toBe(0);
    expect((JSON.parse(swapped.stdout) as { job: string }).job).toBe(job);
    expect(swapped.stderr).not.toContain('note:');
    expect(held()).toEqual(firstHeld);
    // A dry run with a higher cap: the same job, said, nothing moved.
    const dry = await run(`${bob},${carla}`, 5, ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(
      `note: job ${job} (the same leaver and successors) goes on with --cap 5, ${bob}=1,${carla}=1; its earlier runs had --cap 3, ${bob}=1,${carla}=1.`,
    );
    expect(held()).toEqual(firstHeld);
    // A higher cap: the same job, counted over the whole job.
    const raised = await run(`${bob},${carla}`, 5);
    expect(raised.code, raised.stderr).toBe(0);
    expect(raised.stderr).toContain(`note: job ${job} (the same leaver and successors) goes on with --cap 5`);
    expect((JSON.parse(raised.stdout) as { job: string }).job).toBe(job);
    expect(held()).toEqual([5, 5]);
    const jobs = JSON.parse(
      (await topo(['tasks', 'reassign', '--jobs', '--json', 'id,moved'], { sandbox: s, env })).stdout,
    );
    expect(jobs).toEqual([{ id: job, moved: 10 }]);
  });
});

describe(`killed at random points and resumed (${TRIALS} trials)`, { timeout: 120_000 }, () => {
  afterAll(() => {
    if (TRIALS > 3) console.log(`kill trials: ${JSON.stringify(met)}`);
  });
  const trials = Array.from({ length: TRIALS }, (_, i) => i);
  it.each(trials)('trial %i: every promise holds after the resume', async (trial) => {
    const draw = draws(trial + 1);
    const s = await sandbox({ tasks: TASKS, seed: 1 + (trial % 5) });
    const w = world(s, trial % 3 === 2 ? [1, 1, 1] : [2, 1]);
    const capChoice = draw(3);
    const cap = capChoice === 0 ? undefined : Math.floor(w.mine.size * (capChoice === 1 ? 0.45 : 0.25));
    const dir = tempDir();
    const env = { TOPO_STATE_DIR: dir };
    const args = [
      'tasks',
      'reassign',
      '--from',
      w.leaver,
      '--to',
      toFlag(w),
      ...(cap === undefined ? [] : ['--cap', String(cap)]),
      '--yes',
      '--concurrency',
      String([1, 4, 16][draw(3)]),
    ];
    // A few first trials cover each kind of kill; later ones draw them.
    const kinds: Kill['signal'][] = ['SIGKILL', 'SIGINT'];
    const kills = 1 + draw(2);
    for (let k = 0; k < kills; k++) {
      const signal = trial < 2 ? kinds[(trial + k) % 2]! : kinds[draw(2)]!;
      const at: Kill['at'] = draw(3) === 0 ? 'journal line' : 'request';
      const n = at === 'request' ? 1 + draw(w.mine.size + 20) : 2 + draw(w.mine.size + 4);
      await runAndKill(s, args, env, dir, { signal, at, n });
    }
    // Sometimes a power cut as well: the journal's last bytes never reached the disk (`head -c -N`). Not a
    // call's 'started' line once the call has landed: that line was on the disk before the call was sent.
    const path = journalPath(dir);
    const last = path ? readFileSync(path, 'utf8').trimEnd().split('\n').at(-1)! : '';
    const durable = (() => {
      try {
        const line = JSON.parse(last) as { result?: string; task_id?: string; to?: string };
        return line.result === 'started' && s.store.get(line.task_id!)?.assignee_user_id === line.to;
      } catch {
        return false;
      }
    })();
    const tear = path && !durable && draw(2) === 0 ? 1 + draw(60) : 0;
    if (tear) truncateSync(path!, Math.max(0, statSync(path!).size - tear));
    const torn = Boolean(tear) && !readFileSync(path!, 'utf8').endsWith('\n');
    if (torn) met.torn++;
    const resumed = await topo([...args, '--json'], { sandbox: s, env, timeoutMs: 60_000 });
    expect([0], resumed.stderr).toContain(resumed.code);
    met.trials++;
    if (torn) expect(resumed.stderr).toContain(`note: the last line of journal ${path} was cut short`);
    met.unanswered += Number(/the API shows (\d+) tasks? moved whose call/.exec(resumed.stderr)?.[1] ?? 0);
    met.moved += apiMoved(s, w).size;
    checkPromises(s, w, cap);
    await checkCounts(s, w, env, resumed.stdout);
  });
});
