import {
  existsSync,
  appendFileSync,
  chmodSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Terminal } from '@xterm/headless';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/output/width.js';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { takeLock } from '../../src/services/locks.js';
import { onTerminal, sandbox, scriptedPrompter, spawnTopo, tempDir, topo, waitFor } from '../helpers.js';

/** Offboarding for real teams: successors by weight with a cap, subsets, pre-flight, jobs, cover, reports. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

function world(s: Sandbox) {
  const [alice, bob, carla, dev] = s.store.users;
  const snapshot = new Map(s.store.state.tasks.map((t) => [t.id, { ...t }]));
  const aliceOpen = s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t));
  const runs = new Map<string, Task[]>();
  // Copies: the sandbox changes its own objects as tasks move.
  for (const t of aliceOpen)
    runs.set(
      t.sequence_id,
      s.store
        .sequence(t.sequence_id)
        .filter(isOpen)
        .map((x) => ({ ...x })),
    );
  return { alice: alice!, bob: bob!, carla: carla!, dev: dev!, snapshot, aliceOpen, runs };
}

function stateEnv() {
  const dir = tempDir();
  return { dir, env: { TOPO_STATE_DIR: dir } };
}

function journalOf(dir: string): { path: string; lines: Record<string, unknown>[] } {
  const files = readdirSync(join(dir, 'jobs'));
  expect(files).toHaveLength(1);
  const path = join(dir, 'jobs', files[0]!);
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { path, lines };
}

describe('tasks reassign --from: one successor', () => {
  it('moves every open task of --from and nothing else, run by run, and journals each move in one job', async () => {
    const s = await sandbox();
    const w = world(s);
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
    for (const t of s.store.state.tasks) {
      const before = w.snapshot.get(t.id)!;
      if (before.assignee_user_id === w.alice.id && isOpen(before)) expect(t.assignee_user_id).toBe(w.bob.id);
      else expect(t).toEqual(before);
    }
    // Calls: one SEQUENCE call per run wholly held, one TASK call per task otherwise; each run read first.
    const whole = [...w.runs.values()].filter(
      (open) => open.length > 1 && open.every((t) => t.assignee_user_id === w.alice.id),
    );
    const patches = s.received('PATCH').map((q) => JSON.parse(q.body) as { scope: string });
    expect(patches.filter((p) => p.scope === 'SEQUENCE')).toHaveLength(whole.length);
    const wholeTasks = whole.reduce((n, open) => n + open.length, 0);
    expect(patches).toHaveLength(whole.length + w.aliceOpen.length - wholeTasks);
    const { path, lines } = journalOf(dir);
    expect(lines[0]).toMatchObject({ kind: 'job', from: w.alice.id, to: [{ id: w.bob.id, weight: 1 }] });
    const moved = lines.filter((l) => l.kind === 'move' && l.result === 'moved');
    expect(moved.map((l) => l.task_id).sort()).toEqual(w.aliceOpen.map((t) => t.id).sort());
    expect(lines.filter((l) => l.result === 'started')).toHaveLength(moved.length);
    for (const l of moved) expect(l).toMatchObject({ from: w.alice.id, to: w.bob.id, phase: 'move' });
    expect(r.stderr).toContain(`Done: ${w.aliceOpen.length} tasks moved, 0 failed.`);
    expect(r.stderr).toMatch(/^Cost: \d+ calls, \d+ requests, 0 rate-limit waits, \d+s\.$/m);
    const id = path.split('/').pop()!.replace('.jsonl', '');
    expect(r.stderr).toContain(`Job ${id}: undo with 'topo tasks reassign --undo ${id}'.`);
  });

  it('--dry-run: the preview on stdout in the shape of every preview, the plan on stderr, nothing changed', async () => {
    const s = await sandbox();
    const w = world(s);
    const before = JSON.stringify(s.store.state.tasks);
    const text = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--dry-run'], {
      sandbox: s,
    });
    expect(text.code).toBe(0);
    expect(text.stderr).toContain(`Plan: move ${w.aliceOpen.length} open tasks`);
    const rows = text.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => r[0]).sort()).toEqual(w.aliceOpen.map((t) => t.id).sort());
    for (const row of rows) expect([row[1], row[5], row[7]]).toEqual(['would_move', w.alice.id, w.bob.id]);
    const json = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--dry-run', '--json'],
      {
        sandbox: s,
      },
    );
    const report = JSON.parse(json.stdout) as {
      plan: { tasks: number };
      dry_run: boolean;
      tasks: { result: string }[];
    };
    expect(report.dry_run).toBe(true);
    expect(report.plan.tasks).toBe(w.aliceOpen.length);
    expect(new Set(report.tasks.map((t) => t.result))).toEqual(new Set(['would_move']));
    expect(s.received('PATCH')).toHaveLength(0);
    expect(JSON.stringify(s.store.state.tasks)).toBe(before);
  });

  it('rejects bad combinations before any request', async () => {
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
        'error: --scope goes with a task ID, not with --from',
      ],
      [
        ['--from', w.alice.id],
        "error: --to is required: who should get the tasks (a UUID, an alias, or 'me'; several with commas)",
      ],
      [
        ['--from', w.alice.id, '--to', w.alice.id, '--yes'],
        `error: --to: '${w.alice.id}' is the person leaving (--from)`,
      ],
      [
        ['--from', w.alice.id, '--to', `${w.bob.id},${w.carla.id},${w.bob.id}`, '--yes'],
        `error: --to: '${w.bob.id}' is named twice`,
      ],
      [
        ['--from', w.alice.id, '--to', `${w.bob.id}=0`, '--yes'],
        `error: --to: the weight in '${w.bob.id}=0' must be a whole number of at least 1`,
      ],
      [
        ['--from', w.alice.id, '--to', w.bob.id, '--cap', 'x', '--yes'],
        "error: --cap: 'x' is not a whole number",
      ],
      [
        ['--from', w.alice.id, '--to', w.bob.id, '--until', '2020-01-01', '--yes'],
        'error: --until: 2020-01-01 has passed',
      ],
      [
        ['--from', 'ghost', '--to', w.bob.id],
        "error: --from: 'ghost' is neither a UUID nor a known alias (see 'topo alias list')",
      ],
      [
        ['--from', w.alice.id, '--to', w.bob.id, '-t', 'fax'],
        "error: --type: invalid value 'fax' (allowed: call, email_reply, linkedin_reply, new_lead_review, todo, playbook_approval, or a type topo does not know yet in capitals, as the API writes it)",
      ],
      [
        ['--undo', '/nonexistent/journal.jsonl', '--yes'],
        "error: no journal file '/nonexistent/journal.jsonl'",
      ],
      [['--undo', 'nosuch'], "error: no job 'nosuch' (see 'topo tasks reassign --jobs')"],
      // The flags of an offboarding with task IDs: said, not ignored.
      [
        [w.aliceOpen[0]!.id, '--to', w.bob.id, '--until', '14d'],
        'error: --until goes with --from, not with task IDs',
      ],
      [
        [w.aliceOpen[0]!.id, '--to', w.bob.id, '--report', 'x.csv'],
        'error: --report goes with --from, not with task IDs',
      ],
      [
        [w.aliceOpen[0]!.id, '--to', w.bob.id, '--cap', '3'],
        'error: --cap goes with --from, not with task IDs',
      ],
      [
        [w.aliceOpen[0]!.id, '--to', w.bob.id, '-p', 'hot'],
        'error: --priority goes with --from, not with task IDs',
      ],
      [
        [w.aliceOpen[0]!.id, '--to', w.bob.id, '--template', 'Inbound'],
        'error: --template goes with --from, not with task IDs',
      ],
      [
        [w.aliceOpen[0]!.id, '--to', w.bob.id, '--csv'],
        "error: --csv prints a dry run's preview or the --jobs list: add --dry-run",
      ],
      [
        ['--from', w.alice.id, '--to', w.bob.id, '--yes', '--csv'],
        "error: --csv prints a dry run's preview: add --dry-run, or write what moved with --report <file>.csv",
      ],
      [['--undo', 'abcdef12', '--yes'], "error: no job 'abcdef12' (see 'topo tasks reassign --jobs')"],
      [
        ['--undo', 'abcdef12', '--to', w.bob.id, '--yes'],
        'error: --undo takes no other selection: the job says who and what',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await topo(['tasks', 'reassign', ...args], { sandbox: s });
      expect(r.stderr).toBe(`${message}\n`);
      expect(r.code).toBe(2);
    }
    expect(s.requests).toHaveLength(0);
  });
});

describe('tasks reassign --from: several successors', () => {
  it('by weight with a cap: runs land whole, the split follows the weights, the leaver keeps the remainder', async () => {
    const s = await sandbox({ tasks: 1500 });
    const w = world(s);
    const cap = Math.floor(w.aliceOpen.length / 3);
    const r = await topo(
      [
        'tasks',
        'reassign',
        '--from',
        w.alice.id,
        '--to',
        `${w.bob.id}=3,${w.carla.id}=2,${w.dev.id}=1`,
        '--cap',
        String(cap),
        '--yes',
        '--json',
      ],
      { sandbox: s, env: stateEnv().env },
    );
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      to: { id: string; weight: number; runs: number; tasks: number }[];
      kept: number;
      moved: number;
      remaining: string[];
    };
    const received = (id: string) =>
      s.store.state.tasks.filter((t) => w.aliceOpen.some((a) => a.id === t.id) && t.assignee_user_id === id);
    const got = [w.bob, w.carla, w.dev].map((u) => received(u.id).length);
    // Every moved run landed whole with one successor.
    for (const [run, open] of w.runs) {
      const mine = open
        .filter((t) => t.assignee_user_id === w.alice.id)
        .map((t) => s.store.get(t.id)!.assignee_user_id);
      expect(new Set(mine).size, run).toBe(1);
    }
    // Nobody got more than the cap; the split matches the weights within one run (6 tasks at most).
    for (const n of got) expect(n).toBeLessThanOrEqual(cap);
    const [b, c, d] = got;
    const total = b! + c! + d!;
    if (b! < cap) {
      expect(Math.abs(b! - (total * 3) / 6)).toBeLessThanOrEqual(6);
      expect(Math.abs(c! - (total * 2) / 6)).toBeLessThanOrEqual(6);
    }
    expect(d!).toBeGreaterThan(0);
    // The leaver keeps exactly what did not fit, and the report says so.
    const kept = s.store.state.tasks.filter((t) => t.assignee_user_id === w.alice.id && isOpen(t));
    expect(kept).toHaveLength(w.aliceOpen.length - total);
    expect(report.kept).toBe(kept.length);
    expect(report.moved).toBe(total);
    expect(report.remaining).toEqual([]);
    expect(report.to.map((x) => x.tasks)).toEqual(got);
    // Nobody else's tasks moved.
    for (const t of s.store.state.tasks) {
      const before = w.snapshot.get(t.id)!;
      if (before.assignee_user_id !== w.alice.id) expect(t.assignee_user_id).toBe(before.assignee_user_id);
    }
  });

  it('a new job of a leaver says what other jobs moved of theirs: its cap does not count them', async () => {
    const s = await sandbox();
    const w = world(s);
    const env = stateEnv().env;
    const first = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--cap', '3', '--yes'],
      {
        sandbox: s,
        env,
      },
    );
    expect(first.code, first.stderr).toBe(0);
    const id = /Job ([0-9a-f]{8}), journal/.exec(first.stderr)![1]!;
    const moved = w.aliceOpen.filter((t) => s.store.get(t.id)!.assignee_user_id === w.bob.id).length;
    expect(moved).toBeGreaterThan(0);
    // Other successors: another job, told about the first.
    const other = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.carla.id, '--cap', '3', '--dry-run'],
      {
        sandbox: s,
        env,
      },
    );
    expect(other.code).toBe(0);
    expect(other.stderr).toContain(
      `note: job ${id} moved ${moved} of ${w.alice.id}'s tasks (to ${w.bob.id}): this is a new job, whose cap and weights do not count them`,
    );
    // The same job again (another cap): no such note.
    const same = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--cap', '4', '--dry-run'],
      {
        sandbox: s,
        env,
      },
    );
    expect(same.stderr).not.toContain('this is a new job');
  });

  it('subsets move only what they name: type, priority, campaign name, creation bounds', async () => {
    const s = await sandbox();
    const w = world(s);
    const template = s.store.templates()[0]!;
    const r = await topo(
      [
        'tasks',
        'reassign',
        '--from',
        w.alice.id,
        '--to',
        `${w.bob.id},${w.carla.id}`,
        '-t',
        'call,email_reply',
        '-p',
        'hot,today',
        '--template',
        template.name!,
        '--created-before',
        '2026-10-25',
        '--yes',
      ],
      { sandbox: s, env: stateEnv().env },
    );
    expect(r.code).toBe(0);
    for (const t of s.store.state.tasks) {
      const before = w.snapshot.get(t.id)!;
      const selected =
        before.assignee_user_id === w.alice.id &&
        isOpen(before) &&
        ['CALL', 'EMAIL_REPLY'].includes(before.type) &&
        before.priority !== 'EXTRA' &&
        s.store.run(before.sequence_id)!.sequence_template_id === template.id &&
        before.created_at < '2026-10-25T00:00:00Z';
      if (selected) expect([w.bob.id, w.carla.id]).toContain(t.assignee_user_id);
      else expect(t.assignee_user_id).toBe(before.assignee_user_id);
    }
  });
});

describe('pre-flight and refusals', () => {
  it('a read-only key exits 4 before the plan, with zero writes', async () => {
    const s = await sandbox();
    const w = world(s);
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'], {
      sandbox: s,
      key: 'topo_sandbox_ro',
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: this API key lacks the 'tasks:write' scope, so nothing can be moved/);
    expect(s.received('PATCH')).toHaveLength(0);
    // The key's scopes are read beside the listing; no plan is shown and no journal is written.
    expect(s.received('GET', /^\/v1\/me$/)).toHaveLength(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a successor who is not a member costs one call and exits 5', async () => {
    const s = await sandbox();
    const w = world(s);
    const stranger = '00000000-0000-4000-8000-00000000abcd';
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', `${stranger},${w.bob.id}`, '--yes'],
      {
        sandbox: s,
        env: stateEnv().env,
      },
    );
    expect(r.code).toBe(5);
    const refused = s.received('PATCH').filter((q) => q.body.includes(stranger));
    expect(refused).toHaveLength(1);
    expect(r.stderr).toMatch(
      /error: User 00000000-0000-4000-8000-00000000abcd is not a member of this workspace; \d+ tasks? moved, \d+ tasks not; fix it and run the same command again/,
    );

    // The stranger alone: the first call is refused, nothing moved, and there is nothing to undo yet.
    const alone = await topo(['tasks', 'reassign', '--from', w.carla.id, '--to', stranger, '--yes'], {
      sandbox: s,
      env: stateEnv().env,
    });
    expect(alone.code).toBe(5);
    expect(alone.stderr).toMatch(
      /\nJob [0-9a-f]{8}: nothing moved yet; the same command runs it again\. Journal: /,
    );
    expect(alone.stderr).not.toContain('--undo');
  });

  it('a key revoked part-way: the summary counts exactly what moved and what is left', async () => {
    const s = await sandbox({ latencyMs: 5 });
    const w = world(s);
    s.injectFault({ method: 'PATCH', revoke: true, after: 5 });
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--concurrency', '1', '--json'],
      {
        sandbox: s,
        env: stateEnv().env,
      },
    );
    expect(r.code).toBe(4);
    const moved = s.store.state.tasks.filter(
      (t) => w.aliceOpen.some((a) => a.id === t.id) && t.assignee_user_id === w.bob.id,
    );
    const report = JSON.parse(r.stdout) as { moved: number; failed: number; not_started: number };
    expect(report.moved).toBe(moved.length);
    expect(report.moved + report.failed + report.not_started).toBe(w.aliceOpen.length);
    expect(r.stderr).toContain(`Done: ${moved.length} tasks moved`);
    expect(r.stderr).toContain(
      `; ${moved.length} tasks moved, ${w.aliceOpen.length - moved.length} tasks not;`,
    );
  });
});

describe('no stealing after the plan', () => {
  /** The look before a run's calls: the run read alone, or its batch's listing of the leaver over a span. */
  const looksAt = (
    q: { method: string; path: string; query: string; params: [string, string][] },
    run: string,
    created: string,
  ) => {
    if (q.method !== 'GET' || q.path !== '/v1/tasks') return false;
    if (q.query.includes(`sequence_id=${run}`)) return true;
    const p = new Map(q.params);
    const after = p.get('created_at_after');
    const before = p.get('created_at_before');
    return p.has('assignee_user_id') && !!after && !!before && after < created && created < before;
  };

  /** A run held whole by alice that is not the first to move (that one is read on its own before its call). */
  async function wholeRun(s: Sandbox, w: ReturnType<typeof world>): Promise<[string, Task[]]> {
    const dry = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--dry-run', '--json'],
      {
        sandbox: s,
      },
    );
    const first = (JSON.parse(dry.stdout) as { tasks: { sequence_id: string }[] }).tasks[0]!.sequence_id;
    return [...w.runs.entries()].find(
      ([id, tasks]) =>
        id !== first && tasks.length >= 2 && tasks.every((t) => t.assignee_user_id === w.alice.id),
    )!;
  }

  it('a task given to someone else while the job runs stays with them, and the journal says who really had it', async () => {
    const s = await sandbox();
    const w = world(s);
    const { dir, env } = stateEnv();
    const [runId, open] = await wholeRun(s, w);
    const [stolen, kept] = open;
    // The plan is made; as the run is looked at again before its move, someone gives one of its tasks to carla.
    let raced = false;
    s.onRequest((q) => {
      if (!raced && looksAt(q, runId, stolen!.created_at)) {
        raced = true;
        s.store.reassign(stolen!.id, w.carla.id, 'TASK');
      }
    });
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--json'], {
      sandbox: s,
      env,
    });
    expect(raced).toBe(true);
    expect(r.code).toBe(0);
    expect(s.store.get(stolen!.id)!.assignee_user_id).toBe(w.carla.id);
    expect(s.store.get(kept!.id)!.assignee_user_id).toBe(w.bob.id);
    // No SEQUENCE call on that run: it moved task by task.
    const onRun = s.received('PATCH').filter((q) => open.some((t) => q.path.includes(t.id)));
    expect(onRun.map((q) => (JSON.parse(q.body) as { scope: string }).scope)).not.toContain('SEQUENCE');
    const report = JSON.parse(r.stdout) as { skipped: { task_id: string; reason: string }[] };
    expect(report.skipped).toContainEqual({ task_id: stolen!.id, reason: `now with ${w.carla.id}` });
    const { lines } = journalOf(dir);
    expect(lines.filter((l) => l.task_id === stolen!.id)).toEqual([]);
    for (const l of lines.filter((x) => x.kind === 'move')) expect(l.from).toBe(w.alice.id);
  });

  it('a task created in a run after the plan keeps that run from moving whole', async () => {
    const s = await sandbox();
    const w = world(s);
    const [runId, open] = await wholeRun(s, w);
    let created: Task | undefined;
    s.onRequest((q) => {
      if (!created && looksAt(q, runId, open[0]!.created_at))
        created = s.store.createTask({ sequence_id: runId, assignee_user_id: w.carla.id });
    });
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'], {
      sandbox: s,
      env: stateEnv().env,
    });
    expect(r.code).toBe(0);
    expect(created).toBeDefined();
    expect(s.store.get(created!.id)!.assignee_user_id).toBe(w.carla.id);
    for (const t of open) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.bob.id);
    const onRun = s.received('PATCH').filter((q) => open.some((t) => q.path.includes(t.id)));
    expect(onRun.map((q) => (JSON.parse(q.body) as { scope: string }).scope)).not.toContain('SEQUENCE');
  });

  it('the runs are looked at by batches: a few listings a hundred tasks, no read of each run', async () => {
    const s = await sandbox({ tasks: 3000 });
    const w = world(s);
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', `${w.bob.id},${w.carla.id}`, '--yes', '--json'],
      { sandbox: s, env: stateEnv().env },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { moved: number; calls: number };
    expect(report.moved).toBe(w.aliceOpen.length);
    expect(w.runs.size).toBeGreaterThan(100);
    const firstCall = s.requests.findIndex((q) => q.method === 'PATCH');
    const during = s.requests.slice(firstCall).filter((q) => q.method === 'GET' && q.path === '/v1/tasks');
    // Each successor's first run is read alone before its first call (a refusal costs one call); the rest go by
    // batches of about a hundred tasks: two listings of the leaver (one per open status) and one of what was
    // created since the plan; then the check of what is left (two listings) and of what the calls took along.
    const batches = Math.ceil(w.aliceOpen.length / 100) + 1;
    expect(during.filter((q) => q.query.includes('sequence_id='))).toHaveLength(0);
    expect(during.length).toBeLessThanOrEqual(3 * batches + 3);
    expect(s.received('PATCH')).toHaveLength(report.calls);
  });

  it('a whole-run call that takes along a task created meanwhile journals it as taken, from a holder not known; undo leaves it', async () => {
    const s = await sandbox();
    const w = world(s);
    const { dir, env } = stateEnv();
    const [runId] = await wholeRun(s, w);
    let created: Task | undefined;
    // While the run's whole-run call is in flight (after every look), Topo gives the run a new task of carla.
    s.onRequest((q) => {
      if (created || q.method !== 'PATCH') return;
      const body = JSON.parse(q.body) as { scope: string };
      const named = s.store.get(q.path.split('/')[3]!);
      if (body.scope === 'SEQUENCE' && named?.sequence_id === runId)
        created = s.store.createTask({ sequence_id: runId, assignee_user_id: w.carla.id });
    });
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--json'], {
      sandbox: s,
      env,
    });
    expect(r.code).toBe(0);
    expect(created).toBeDefined();
    // The API has no conditional update: the call took it. The journal says so, and that who had it is not known.
    expect(s.store.get(created!.id)!.assignee_user_id).toBe(w.bob.id);
    const { path, lines } = journalOf(dir);
    expect(lines.filter((l) => l.task_id === created!.id)).toEqual([
      expect.objectContaining({ result: 'moved', from: null, to: w.bob.id, taken: true, from_unknown: true }),
    ]);
    const report = JSON.parse(r.stdout) as { tasks: { task_id: string; result: string; reason: string }[] };
    expect(report.tasks.find((t) => t.task_id === created!.id)).toMatchObject({
      result: 'moved',
      reason:
        'taken along with its run by the whole-run call (created since the plan; from a holder not known)',
    });
    const id = path.split('/').pop()!.replace('.jsonl', '');
    const undo = await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env });
    expect(undo.code).toBe(0);
    expect(undo.stderr).toContain(
      `  ${created!.id}  taken along with its run by a whole-run call; who had it before is not known`,
    );
    expect(s.store.get(created!.id)!.assignee_user_id).toBe(w.bob.id);
    for (const t of w.aliceOpen) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.alice.id);
  });
});

describe('one job, one journal, one undo', () => {
  it('SIGTERM stops it as Ctrl-C does, says so, and exits 143', async () => {
    const s = await sandbox({ latencyMs: 20 });
    const w = world(s);
    const args = ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--concurrency', '1'];
    const run = spawnTopo(args, { sandbox: s, env: stateEnv().env });
    run.child.stdout.resume();
    await waitFor(() => s.received('PATCH').length >= 2, 15_000, 'two moves');
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(143);
    expect(run.stderr()).toContain('Stopping (SIGTERM): ');
    expect(run.stderr()).not.toContain('Ctrl-C again');
    // Not "Done": what the stopped run did, said as such.
    expect(run.stderr()).toMatch(/^Stopped: \d+ tasks? moved, 0 failed, \d+ not started\.$/m);
    expect(run.stderr()).not.toMatch(/^Done:/m);
    expect(run.stderr()).toMatch(/error: interrupted: \d+ tasks? moved, \d+ tasks? left/);
  });

  it('Ctrl-C on a terminal: the progress bar gives way, and the Stopping line and the summary stay as written', async () => {
    // Slow enough that the job is still moving when Ctrl-C arrives, however busy the machine.
    const s = await sandbox({ latencyMs: 50 });
    const w = world(s);
    const home = tempDir();
    const {
      child,
      exit,
      written: output,
    } = onTerminal(
      s,
      home,
      100,
      `tasks reassign --from ${w.alice.id} --to ${w.bob.id} --yes --concurrency 1`,
    );
    await waitFor(() => s.received('PATCH').length >= 2, 15_000, 'two moves');
    child.stdin.write('\x03');
    expect(await exit).toBe(130);
    child.stdin.end();
    // What a person sees: the output played on a terminal 100 columns wide.
    const term = new Terminal({ cols: 100, rows: 50, allowProposedApi: true });
    await new Promise<void>((resolve) => term.write(output().replace(/\r?\n/g, '\r\n'), resolve));
    const screen: string[] = [];
    for (let i = 0; i <= term.buffer.active.length; i++)
      screen.push(term.buffer.active.getLine(i)?.translateToString(true) ?? '');
    const text = screen.join('\n');
    expect(text).toMatch(/^Stopping: letting the calls in flight finish \(Ctrl-C again to quit at once\)…$/m);
    expect(text).toMatch(/^error: interrupted: \d+ tasks? moved, \d+ tasks? left/m);
    // The bar leaves no line of its own behind, and nothing it drew is left over the lines written after it.
    expect(text).not.toMatch(/Moving \|/);
  });

  it('the progress bar fits a narrow terminal: the counts, the rate-limit waits and the time left are never clipped', async () => {
    const s = await sandbox({ latencyMs: 5 });
    const w = world(s);
    const home = tempDir();
    const frames = async (cols: number) => {
      const { child, exit, written } = onTerminal(
        s,
        home,
        cols,
        `tasks reassign --from ${w.alice.id} --to ${w.bob.id} --yes --concurrency 1`,
      );
      child.stdin.end();
      expect(await exit).toBe(0);
      // Each frame of the bar is drawn from the line's start (ESC[1G) and ends by clearing the rest (ESC[0K).
      return written()
        .split('\x1b[1G')
        .slice(1)
        .map((f) => f.split('\x1b[0K')[0]!)
        .filter((f) => f.includes(' failed |'));
    };
    for (const cols of [60, 80]) {
      const drawn = await frames(cols);
      expect(drawn.length).toBeGreaterThan(0);
      for (const frame of drawn) {
        expect(displayWidth(frame), frame).toBeLessThan(cols);
        expect(frame).toMatch(/\d+\/\d+ .*\| \d+ failed \| 429s \d+ \| ETA \S+/);
      }
      // Back for the next width.
      expect(
        (
          await topo(['tasks', 'reassign', '--undo', 'last', '--yes'], {
            sandbox: s,
            env: { TOPO_STATE_DIR: join(home, 'state') },
          })
        ).code,
      ).toBe(0);
    }
  });

  it('after Ctrl-C no call starts: a run moved task by task stops after the call in flight', async () => {
    const s = await sandbox();
    const w = world(s);
    // A run moved task by task (three calls at least), and not the first to move (that one goes alone first).
    const plan = JSON.parse(
      (
        await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--dry-run', '--json'], {
          sandbox: s,
        })
      ).stdout,
    ) as {
      plan: { task_by_task: { sequence_id: string; task_ids: string[] }[] };
      tasks: { sequence_id: string }[];
    };
    const byTask = plan.plan.task_by_task.find(
      (r) => r.task_ids.length >= 3 && r.sequence_id !== plan.tasks[0]!.sequence_id,
    )!;
    const shared = [...w.runs].find(([run]) => run === byTask.sequence_id);
    expect(shared).toBeDefined();
    const handlers = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
    const interrupts = {
      add: (h: (signal: 'SIGINT' | 'SIGTERM') => void) => (handlers.add(h), () => handlers.delete(h)),
    };
    // Ctrl-C the moment the first call for that run reaches the API.
    s.onRequest((q) => {
      if (q.method === 'PATCH' && shared![1].some((t) => q.path.includes(t.id)))
        for (const h of handlers) h('SIGINT');
    });
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--concurrency', '1', '--json'],
      { sandbox: s, env: stateEnv().env, deps: { interrupts } },
    );
    expect(r.code).toBe(130);
    const patches = s.received('PATCH');
    const last = patches.at(-1)!;
    expect(shared![1].some((t) => last.path.includes(t.id))).toBe(true);
    // One call for that run went (the one in flight); its other tasks were not started.
    expect(patches.filter((q) => shared![1].some((t) => q.path.includes(t.id)))).toHaveLength(1);
    const moved = w.aliceOpen.filter((t) => s.store.get(t.id)!.assignee_user_id === w.bob.id).length;
    const report = JSON.parse(r.stdout) as { moved: number; not_started: number };
    expect(report.moved).toBe(moved);
    expect(report.not_started).toBe(w.aliceOpen.length - moved);
  });

  it('interrupted and resumed: the same job and journal; one undo restores it all; a second says so', async () => {
    const s = await sandbox({ latencyMs: 20 });
    const w = world(s);
    const { dir, env } = stateEnv();
    const args = ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--concurrency', '1'];
    const run = spawnTopo(args, { sandbox: s, env });
    run.child.stdout.resume();
    await waitFor(() => s.received('PATCH').length >= 3, 15_000, 'three moves');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toMatch(
      /error: interrupted: \d+ tasks? moved, \d+ tasks? left; run the same command again to finish/,
    );
    const first = s.store.state.tasks.filter(
      (t) => w.aliceOpen.some((a) => a.id === t.id) && t.assignee_user_id === w.bob.id,
    ).length;
    const jobs = async () =>
      JSON.parse(
        (await topo(['tasks', 'reassign', '--jobs', '--json'], { sandbox: s, env })).stdout,
      ) as unknown[];
    expect(await jobs()).toMatchObject([
      { moved: first, left: w.aliceOpen.length - first, state: 'interrupted' },
    ]);
    // The second run's report covers the whole job: the first run's moves too, as --jobs counts them.
    const csv = join(tempDir(), 'job.csv');
    const again = await topo([...args, '--report', csv, '--json'], { sandbox: s, env });
    expect(again.code).toBe(0);
    expect(s.store.state.tasks.filter((t) => t.assignee_user_id === w.alice.id && isOpen(t))).toHaveLength(0);
    const { path, lines } = journalOf(dir);
    expect(lines.filter((l) => l.kind === 'run')).toHaveLength(2);
    const id = path.split('/').pop()!.replace('.jsonl', '');
    expect(await jobs()).toMatchObject([
      { id, from: w.alice.id, to: [w.bob.id], moved: w.aliceOpen.length, left: 0, state: 'done' },
    ]);
    const rows = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows.map((r) => r.task_id).sort()).toEqual(w.aliceOpen.map((t) => t.id).sort());
    for (const row of rows) {
      const t = w.aliceOpen.find((a) => a.id === row.task_id)!;
      expect(row).toMatchObject({
        result: 'moved',
        old_assignee: w.alice.id,
        new_assignee: w.bob.id,
        type: t.type,
        priority: t.priority,
      });
    }
    expect(rows.filter((r) => r.reason === 'in an earlier run')).toHaveLength(first);
    const report = JSON.parse(again.stdout) as {
      moved: number;
      moved_before: number;
      to: { tasks: number }[];
    };
    expect(report).toMatchObject({
      moved: w.aliceOpen.length,
      moved_before: first,
      to: [{ tasks: w.aliceOpen.length }],
    });
    expect(again.stderr).toContain(
      `Done: ${w.aliceOpen.length} tasks moved (${w.aliceOpen.length - first} in this run, ${first} before), 0 failed.`,
    );

    // An undo's dry run speaks as the offboarding's: each task would move (back).
    const preview = await topo(['tasks', 'reassign', '--undo', id, '--dry-run'], { sandbox: s, env });
    expect(preview.code).toBe(0);
    const back = preview.stdout.trimEnd().split('\n');
    expect(back).toHaveLength(w.aliceOpen.length);
    for (const row of back) expect(row.split('\t')[1]).toBe('would_move');

    // Two tasks change after the job: they are named, with why, and left alone.
    const [changed, closed] = w.aliceOpen;
    s.store.reassign(changed!.id, w.carla.id, 'TASK');
    s.store.skip(closed!.id);
    const undo = await topo(['tasks', 'reassign', '--undo', id, '--yes', '--json'], { sandbox: s, env });
    expect(undo.code).toBe(0);
    // The last line fits an undo (no invitation to undo the undo) and says it as --jobs will: partly undone.
    expect(undo.stderr.trimEnd().split('\n').at(-1)).toBe(
      `Job ${id}: partly undone: 2 tasks left alone (changed since) stay where they are; 'topo tasks reassign --jobs' shows where it stands. Journal: ${path}`,
    );
    expect(undo.stderr).toContain(`  ${changed!.id}  now with ${w.carla.id}`);
    expect(undo.stderr).toContain(`  ${closed!.id}  skipped since`);
    for (const t of w.aliceOpen.slice(2)) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.alice.id);
    expect(s.store.get(changed!.id)!.assignee_user_id).toBe(w.carla.id);
    const second = await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(
      `Nothing to undo: ${w.aliceOpen.length - 2} already back, 2 changed since.`,
    );
    const state = JSON.parse(
      (await topo(['tasks', 'reassign', '--jobs', '--json', 'id,state,back'], { sandbox: s, env })).stdout,
    );
    expect(state).toEqual([{ id, state: 'partly undone', back: w.aliceOpen.length - 2 }]);
  });

  it('still undoes a journal written before jobs existed', async () => {
    const s = await sandbox();
    const w = world(s);
    const t = w.aliceOpen[0]!;
    s.store.reassign(t.id, w.bob.id, 'TASK');
    const dir = tempDir();
    const file = join(dir, 'reassign-old.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ task_id: t.id, sequence_id: t.sequence_id, from: w.alice.id, to: w.bob.id, scope: 'TASK', time: '2026-11-01T00:00:00Z', result: 'moved' })}\n`,
    );
    const r = await topo(['tasks', 'reassign', '--undo', file, '--yes'], {
      sandbox: s,
      env: { TOPO_STATE_DIR: dir },
    });
    expect(r.code).toBe(0);
    expect(s.store.get(t.id)!.assignee_user_id).toBe(w.alice.id);
  });
});

describe('temporary cover', () => {
  it('--return with one cover in use gives back the others, says which it left, exit 6', async () => {
    const s = await sandbox();
    const w = world(s);
    const { dir, env } = stateEnv();
    const then = { now: () => Date.parse('2026-11-29T12:00:00Z') };
    const cover = async (from: string, to: string) => {
      const r = await topo(
        ['tasks', 'reassign', '--from', from, '--to', to, '--until', '2026-12-05', '--yes', '--json'],
        {
          sandbox: s,
          env,
          deps: then,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).job as string;
    };
    const held = await cover(w.alice.id, w.bob.id);
    await cover(w.carla.id, w.dev.id);
    const release = await takeLock(join(dir, 'jobs'), held, 'held');
    try {
      const back = await topo(['tasks', 'reassign', '--return', '--yes'], {
        sandbox: s,
        env,
        deps: { now: () => Date.parse('2026-12-06T09:00:00Z') },
      });
      expect(back.code, back.stderr).toBe(6);
      expect(back.stderr).toContain(
        `note: job ${held} not given back: another topo process is using it (a run, an undo or a sweep of it).\n`,
      );
      expect(back.stderr).toMatch(
        new RegExp(`error: job ${held} was not given back; run --return again\\n$`),
      );
    } finally {
      await release();
    }
    const jobs = JSON.parse(
      (await topo(['tasks', 'reassign', '--jobs', '--json', 'id,state'], { sandbox: s, env })).stdout,
    ) as { id: string; state: string }[];
    expect(jobs.find((j) => j.id === held)!.state).not.toBe('given back');
    expect(jobs.find((j) => j.id !== held)!.state).toBe('given back');
  });

  it('--return whose calls partly fail leaves the cover incomplete, and --return again gives back the rest', async () => {
    const s = await sandbox();
    const w = world(s);
    const { env } = stateEnv();
    const cover = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--until', '2026-12-05', '--yes'],
      { sandbox: s, env, deps: { now: () => Date.parse('2026-11-29T12:00:00Z') } },
    );
    expect(cover.code).toBe(0);
    const later = { now: () => Date.parse('2026-12-06T09:00:00Z') };
    const state = async () =>
      JSON.parse(
        (await topo(['tasks', 'reassign', '--jobs', '--json', 'state'], { sandbox: s, env, deps: later }))
          .stdout,
      );
    // Every attempt of the first calls back fails: those tasks stay with bob.
    s.injectFault({ method: 'PATCH', status: 503, times: 8 });
    const first = await topo(['tasks', 'reassign', '--return', '--yes'], { sandbox: s, env, deps: later });
    expect(first.code, first.stderr).toBe(6);
    expect(first.stderr).toContain(
      "partly given back; run 'topo tasks reassign --return' again for the rest.",
    );
    expect(await state()).toEqual([{ state: 'incomplete' }]);
    const again = await topo(['tasks', 'reassign', '--return', '--yes'], { sandbox: s, env, deps: later });
    expect(again.code, again.stderr).toBe(0);
    expect(await state()).toEqual([{ state: 'given back' }]);
    for (const t of w.aliceOpen) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.alice.id);
  });

  it('--return of two covers: what the second cover moved while the first was being given back is given back too', async () => {
    const s = await sandbox();
    const w = world(s);
    const { env } = stateEnv();
    const then = { now: () => Date.parse('2026-11-29T12:00:00Z') };
    const cover = (from: string, to: string) =>
      topo(['tasks', 'reassign', '--from', from, '--to', to, '--until', '2026-12-05', '--yes'], {
        sandbox: s,
        env,
        deps: then,
      });
    expect((await cover(w.alice.id, w.bob.id)).code).toBe(0);
    expect((await cover(w.carla.id, w.dev.id)).code).toBe(0);
    const late = s.store.createTask({ assignee_user_id: w.carla.id, type: 'CALL' });
    // At the first question, carla's cover is run again: it moves the task that reached her since.
    const prompter = scriptedPrompter([
      async () => {
        expect((await cover(w.carla.id, w.dev.id)).code).toBe(0);
        expect(s.store.get(late.id)!.assignee_user_id).toBe(w.dev.id);
        return /Type (\d+) to confirm/.exec(prompter.asked.at(-1)!)![1]!;
      },
      () => /Type (\d+) to confirm/.exec(prompter.asked.at(-1)!)![1]!,
    ]);
    const back = await topo(['tasks', 'reassign', '--return'], {
      sandbox: s,
      env,
      tty: true,
      deps: { prompter, now: () => Date.parse('2026-12-06T09:00:00Z') },
    });
    expect(back.code, back.stderr).toBe(0);
    expect(prompter.asked).toHaveLength(2);
    expect(s.store.get(late.id)!.assignee_user_id).toBe(w.carla.id);
  });

  it('--until, then --return gives back only what is still open and still with the cover rep', async () => {
    const s = await sandbox();
    const w = world(s);
    const { dir, env } = stateEnv();
    const clock = { now: Date.parse('2026-11-29T12:00:00Z') };
    const deps = { now: () => clock.now };
    const cover = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--until', '2026-12-05', '--yes'],
      { sandbox: s, env, deps },
    );
    expect(cover.code).toBe(0);
    const { path } = journalOf(dir);
    const id = path.split('/').pop()!.replace('.jsonl', '');
    expect(cover.stderr.trimEnd().split('\n').at(-1)).toBe(
      `Job ${id}: a cover until 2026-12-05; then give the tasks back with 'topo tasks reassign --return' (or undo it now with --undo ${id}). Journal: ${path}`,
    );
    const [reassigned, done] = w.aliceOpen;
    s.store.reassign(reassigned!.id, w.carla.id, 'TASK');
    s.store.skip(done!.id);
    const early = await topo(['tasks', 'reassign', '--return', '--yes'], { sandbox: s, env, deps });
    expect(early.code).toBe(0);
    expect(early.stderr).toBe('Nothing to give back: no cover job has reached its --until date.\n');
    clock.now = Date.parse('2026-12-06T09:00:00Z');
    const jobs = await topo(['tasks', 'reassign', '--jobs', '--json', 'state,until'], {
      sandbox: s,
      env,
      deps,
    });
    expect(JSON.parse(jobs.stdout)).toEqual([{ state: 'due for return', until: '2026-12-05T00:00:00Z' }]);
    const back = await topo(['tasks', 'reassign', '--return', '--yes'], { sandbox: s, env, deps });
    expect(back.code).toBe(0);
    expect(back.stderr.trimEnd().split('\n').at(-1)).toBe(
      `Job ${id}: given back; 'topo tasks reassign --jobs' shows where it stands. Journal: ${path}`,
    );
    for (const t of w.aliceOpen.slice(2)) expect(s.store.get(t.id)!.assignee_user_id).toBe(w.alice.id);
    expect(s.store.get(reassigned!.id)!.assignee_user_id).toBe(w.carla.id);
    expect(s.store.get(done!.id)!.assignee_user_id).toBe(w.bob.id);
    const after = await topo(['tasks', 'reassign', '--jobs', '--json', 'state'], { sandbox: s, env, deps });
    expect(JSON.parse(after.stdout)).toEqual([{ state: 'given back' }]);
    const again = await topo(['tasks', 'reassign', '--return', '--yes'], { sandbox: s, env, deps });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(
      'Nothing to give back: no cover job has reached its --until date and not been given back yet (1 job given back already).\n',
    );
  });
});

describe('--until', () => {
  it('takes a time from now in minutes, hours, days or weeks', async () => {
    const s = await sandbox();
    const w = world(s);
    for (const [when, ms] of [
      ['45m', 45 * 60_000],
      ['2h', 2 * 3_600_000],
      ['14d', 14 * 86_400_000],
    ] as const) {
      const before = Date.now();
      const r = await topo(
        ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--until', when, '--dry-run', '--json'],
        { sandbox: s, env: stateEnv().env },
      );
      expect(r.code, r.stderr).toBe(0);
      const until = Date.parse((JSON.parse(r.stdout) as { until: string }).until);
      expect(until).toBeGreaterThanOrEqual(Math.floor((before + ms) / 1000) * 1000);
      expect(until).toBeLessThanOrEqual(Date.now() + ms);
    }
  });
});

describe('the report and what is verified', () => {
  it('a --report file that cannot be written is refused before any request, exit 2', async () => {
    const s = await sandbox();
    const w = world(s);
    const dir = tempDir();
    for (const [path, reason] of [
      [join(dir, 'no-such-folder', 'x.csv'), `there is no folder ${join(dir, 'no-such-folder')}`],
      [dir, `${dir} is a folder`],
    ]) {
      const r = await topo(
        ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--report', path!],
        { sandbox: s, env: stateEnv().env },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: --report: cannot write '${path}': ${reason}\n`);
    }
    expect(s.requests).toHaveLength(0);
  });

  it('--report refuses a symlink, a device and -, before any request, exit 2', async () => {
    const s = await sandbox();
    const w = world(s);
    const dir = tempDir();
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, join(dir, 'link.csv'));
    for (const [path, reason] of [
      [
        join(dir, 'link.csv'),
        'it is a symbolic link (a report is never written through one; name the file itself)',
      ],
      ['/dev/null', 'it is not a plain file'],
    ]) {
      const r = await topo(
        ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--report', path!],
        { sandbox: s, env: stateEnv().env },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: --report: cannot write '${path}': ${reason}\n`);
    }
    const dash = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--report', '-'],
      {
        sandbox: s,
      },
    );
    expect(dash.code).toBe(2);
    expect(dash.stderr).toBe(
      "error: --report: give a file name ('-' is not one; --json prints the same data on stdout)\n",
    );
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(s.requests).toHaveLength(0);
  });

  it('--report replaces an existing file with a new one readable by the owner alone', async () => {
    const s = await sandbox();
    const w = world(s);
    const csv = join(tempDir(), 'moves.csv');
    writeFileSync(csv, 'old\n', { mode: 0o644 });
    chmodSync(csv, 0o644);
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--report', csv],
      {
        sandbox: s,
        env: stateEnv().env,
      },
    );
    expect(r.code).toBe(0);
    expect(statSync(csv).mode & 0o777).toBe(0o600);
    expect(readFileSync(csv, 'utf8')).toMatch(/^task_id,old_assignee,/);
  });

  it('a report that cannot be written after the moves: printed on stderr, exit 6', async () => {
    const s = await sandbox();
    const w = world(s);
    const dir = join(tempDir(), 'reports');
    mkdirSync(dir);
    const csv = join(dir, 'moves.csv');
    // The folder goes away while the job runs (checked before it started): at the first move.
    s.onRequest((q) => {
      if (q.method === 'PATCH') rmSync(dir, { recursive: true, force: true });
    });
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--report', csv],
      {
        sandbox: s,
        env: stateEnv().env,
      },
    );
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`warning: the report could not be written to ${csv} (ENOENT); here it is:\n`);
    const printed = r.stderr.slice(r.stderr.indexOf('task_id,old_assignee'));
    const rows = Papa.parse<Record<string, string>>(printed.slice(0, printed.indexOf('\nDone:')), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows).toHaveLength(w.aliceOpen.length);
    expect(r.stderr).toContain(`Done: ${w.aliceOpen.length} tasks moved, 0 failed.`);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      `error: the report could not be written to ${csv} (ENOENT); it was printed on stderr`,
    );
  });

  it('--dry-run --report writes the planned report (would_move, kept) and says so', async () => {
    const s = await sandbox();
    const w = world(s);
    const csv = join(tempDir(), 'plan.csv');
    const r = await topo(
      [
        'tasks',
        'reassign',
        '--from',
        w.alice.id,
        '--to',
        w.bob.id,
        '--cap',
        '10',
        '--dry-run',
        '--report',
        csv,
      ],
      { sandbox: s },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Report (the plan; nothing moved): ${csv}\nDry run: nothing was changed.\n`);
    const rows = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows).toHaveLength(w.aliceOpen.length);
    expect(rows.filter((row) => row.result === 'would_move')).toHaveLength(10);
    expect(rows.filter((row) => row.result === 'kept')).toHaveLength(w.aliceOpen.length - 10);
    expect(s.received('PATCH')).toHaveLength(0);
  });

  it('the cost counts the planning (its requests are counted) and not the time at the question', async () => {
    const s = await sandbox();
    const w = world(s);
    // The leaver's listing is slow: a second at least, inside the job's time.
    s.injectFault({ method: 'GET', path: '^/v1/tasks$', query: 'assignee_user_id', delayMs: 1000, times: 1 });
    let offset = 0;
    const asked: string[] = [];
    const prompter = {
      ...scriptedPrompter([]),
      input: async (message: string) => {
        asked.push(message);
        // An hour at the question.
        offset += 3_600_000;
        return String(w.aliceOpen.length);
      },
    };
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--json', 'stats'], {
      sandbox: s,
      env: stateEnv().env,
      tty: true,
      deps: { prompter, now: () => Date.now() + offset },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(asked).toHaveLength(1);
    const { stats } = JSON.parse(r.stdout) as { stats: { wall_ms: number } };
    expect(stats.wall_ms).toBeGreaterThanOrEqual(1000);
    expect(stats.wall_ms).toBeLessThan(3_600_000);
  });

  it('the CSV report names assignees by UUID, and by their alias here beside it', async () => {
    const s = await sandbox();
    const w = world(s);
    const env = { ...stateEnv().env, TOPO_CONFIG_DIR: join(tempDir(), 'config') };
    await topo(['alias', 'set', 'bob', w.bob.id], { sandbox: s, env });
    const csv = join(tempDir(), 'moves.csv');
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--report', csv],
      { sandbox: s, env },
    );
    expect(r.code).toBe(0);
    const rows = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.old_assignee).toBe(w.alice.id);
      expect(row.old_assignee_name).toBe('');
      expect(row.new_assignee).toBe(w.bob.id);
      expect(row.new_assignee_name).toBe('bob');
    }
  });

  it('--report writes CSV (or Markdown) that parses and matches the state, without contact data', async () => {
    const s = await sandbox();
    const w = world(s);
    const dir = tempDir();
    const csv = join(dir, 'moves.csv');
    const md = join(dir, 'moves.md');
    const r = await topo(
      [
        'tasks',
        'reassign',
        '--from',
        w.alice.id,
        '--to',
        `${w.bob.id},${w.carla.id}`,
        '--yes',
        '--report',
        csv,
      ],
      { sandbox: s, env: stateEnv().env },
    );
    expect(r.code).toBe(0);
    const parsed = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual([
      'task_id',
      'old_assignee',
      'new_assignee',
      'old_assignee_name',
      'new_assignee_name',
      'sequence_run',
      'template',
      'type',
      'priority',
      'result',
      'reason',
      'planned_by',
      'applied_by',
    ]);
    expect(parsed.data).toHaveLength(w.aliceOpen.length);
    for (const row of parsed.data) {
      const t = s.store.get(row.task_id!)!;
      expect(row.new_assignee).toBe(t.assignee_user_id);
      expect(row.old_assignee).toBe(w.alice.id);
      expect(row.result).toBe('moved');
      expect(row.template).toBe(s.store.template(s.store.run(t.sequence_id)!.sequence_template_id)!.name);
      // Run at once, not from a plan file: the keys' columns are there, empty.
      expect([row.planned_by, row.applied_by]).toEqual(['', '']);
    }
    const text = readFileSync(csv, 'utf8');
    for (const t of w.aliceOpen) {
      const run = s.store.run(t.sequence_id)!;
      if (run.contact_id) expect(text).not.toContain(s.store.contact(run.contact_id)!.email!);
    }
    // Markdown: the per-successor summary first.
    const s2 = await sandbox();
    const w2 = world(s2);
    await topo(
      [
        'tasks',
        'reassign',
        '--from',
        w2.alice.id,
        '--to',
        `${w2.bob.id}=2,${w2.carla.id}`,
        '--yes',
        '--report',
        md,
      ],
      { sandbox: s2, env: stateEnv().env },
    );
    const markdown = readFileSync(md, 'utf8');
    expect(markdown.indexOf('## By successor')).toBeLessThan(markdown.indexOf('## Tasks'));
    expect(markdown).toContain(`| ${w2.bob.id} | 2 |`);
  });

  it('when the check after the moves fails: what moved is reported, marked not verified, exit 6', async () => {
    const s = await sandbox();
    const w = world(s);
    s.injectFault({
      method: 'GET',
      path: '^/v1/tasks$',
      query: 'assignee_user_id',
      status: 500,
      times: 100,
      after: 2,
    });
    const r = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes', '--json'], {
      sandbox: s,
      env: stateEnv().env,
    });
    expect(r.code).toBe(6);
    const report = JSON.parse(r.stdout) as { moved: number; remaining: unknown };
    expect(report.moved).toBe(w.aliceOpen.length);
    expect(report.remaining).toBeNull();
    expect(r.stderr).toContain('Not verified: listing what is left failed');
    expect(JSON.parse(r.stderr.trimEnd().split('\n').at(-1)!).error).toMatchObject({
      code: 6,
      message: 'the moves were made, but what is left could not be checked',
    });
  });

  it('names the runs still blocked by a task that is unassigned or still with the leaver', async () => {
    const s = await sandbox();
    const w = world(s);
    const withUnassigned = [...w.runs.entries()].find(([, open]) =>
      open.some((t) => t.assignee_user_id === null),
    );
    const r = await topo(
      ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--cap', '3', '--yes', '--json'],
      { sandbox: s, env: stateEnv().env },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { blocked_runs: string[] };
    const keptRuns = new Set(
      s.store.state.tasks
        .filter((t) => t.assignee_user_id === w.alice.id && isOpen(t))
        .map((t) => t.sequence_id),
    );
    for (const id of keptRuns) expect(report.blocked_runs).toContain(id);
    if (withUnassigned) expect(report.blocked_runs).toContain(withUnassigned[0]);
    expect(r.stderr).toMatch(/\d+ sequence runs? still waiting for a task that is unassigned or with /);
    // A subset: the runs it moves that still hold a task the leaver keeps are named by the run, and by a rerun.
    const state = stateEnv().env;
    const subset = [
      'tasks',
      'reassign',
      '--from',
      w.carla.id,
      '--to',
      w.dev.id,
      '-p',
      'hot,today',
      '-t',
      'call',
    ];
    const keeps = s.store.state.tasks.filter(
      (t) =>
        isOpen(t) &&
        t.assignee_user_id === w.carla.id &&
        !(t.type === 'CALL' && ['HOT', 'TODAY'].includes(t.priority)),
    );
    const once = await topo([...subset, '--yes', '--json'], { sandbox: s, env: state });
    expect(once.code).toBe(0);
    const moved = (JSON.parse(once.stdout) as { tasks: { sequence_id: string; result: string }[] }).tasks
      .filter((t) => t.result === 'moved')
      .map((t) => t.sequence_id);
    const expected = [...new Set(moved)].filter(
      (run) => s.store.run(run)?.status === 'WAITING_FOR_USER' && keeps.some((t) => t.sequence_id === run),
    );
    expect(expected.length).toBeGreaterThan(0);
    const firstBlocked = (JSON.parse(once.stdout) as { blocked_runs: string[] }).blocked_runs;
    for (const id of expected) expect(firstBlocked).toContain(id);
    const again = await topo([...subset, '--yes', '--json'], { sandbox: s, env: state });
    expect(again.code).toBe(0);
    expect([...(JSON.parse(again.stdout) as { blocked_runs: string[] }).blocked_runs].sort()).toEqual(
      [...firstBlocked].sort(),
    );
    const noScope = await topo(
      ['tasks', 'reassign', '--from', w.bob.id, '--to', w.carla.id, '--cap', '1', '--yes'],
      { sandbox: s, key: 'topo_sandbox_tasks', env: stateEnv().env },
    );
    expect(noScope.stderr).toContain(
      "note: which runs are still blocked could not be checked: the key lacks 'sequences:read'.",
    );
  });
});

/** Journals written by hand: jobs of known shape, whatever the sandbox would make of them. */
function writeJobs(
  dir: string,
  jobs: { header: Record<string, unknown>; lines: Record<string, unknown>[] }[],
) {
  mkdirSync(join(dir, 'jobs'), { recursive: true });
  for (const { header, lines } of jobs)
    writeFileSync(
      join(dir, 'jobs', `${String(header.id)}.jsonl`),
      [{ kind: 'job', cap: null, filters: {}, until: null, ...header }, ...lines]
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(''),
    );
}

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const moved = (n: number, to: string) => ({
  kind: 'move',
  phase: 'move',
  task_id: U(100 + n),
  sequence_id: U(200 + n),
  from: U(1),
  to,
  scope: 'TASK',
  time: '2026-11-28T10:00:01Z',
  result: 'moved',
});
const runStart = { kind: 'run', phase: 'move', time: '2026-11-28T10:00:00Z', planned: 2 };
const runEnd = { kind: 'end', phase: 'move', time: '2026-11-28T10:00:02Z', moved: 2, failed: 0, left: 0 };
const REAL = { api_url: 'https://api.topo.io/v1', profile: 'default' };

describe('tasks reassign --jobs: the jobs of this workspace', () => {
  it('lists only the jobs of this API URL and profile, notes the others; last and --return pick among these', async () => {
    const { dir, env } = stateEnv();
    writeJobs(dir, [
      {
        header: {
          id: 'aaaa0001',
          created: '2026-11-28T10:00:00Z',
          ...REAL,
          from: U(1),
          to: [{ id: U(2), weight: 1 }],
        },
        lines: [runStart, moved(1, U(2)), moved(2, U(2)), runEnd],
      },
      {
        header: {
          id: 'bbbb0002',
          created: '2026-11-29T10:00:00Z',
          api_url: 'sandbox',
          profile: 'sandbox',
          from: U(3),
          to: [{ id: U(4), weight: 1 }],
          until: '2026-11-30T00:00:00Z',
        },
        lines: [runStart, moved(3, U(4)), runEnd],
      },
      {
        header: {
          id: 'cccc0003',
          created: '2026-11-29T11:00:00Z',
          ...REAL,
          profile: 'other',
          from: U(5),
          to: [{ id: U(6), weight: 1 }],
        },
        lines: [runStart, moved(5, U(6)), runEnd],
      },
    ]);
    const deps = { now: () => Date.parse('2026-12-01T00:00:00Z') };
    const jobs = await topo(['tasks', 'reassign', '--jobs', '--json', 'id,state'], { env, deps });
    expect(jobs.code).toBe(0);
    expect(JSON.parse(jobs.stdout)).toEqual([{ id: 'aaaa0001', state: 'done' }]);
    expect(jobs.stderr).toBe(
      "note: 2 jobs of other workspaces not shown: 1 of profile 'sandbox' at sandbox, 1 of profile 'other' at https://api.topo.io/v1 (see them with --profile, --api-url or --sandbox).\n",
    );
    const other = await topo(['--profile', 'other', 'tasks', 'reassign', '--jobs', '--json', 'id'], {
      env,
      deps,
    });
    expect(JSON.parse(other.stdout)).toEqual([{ id: 'cccc0003' }]);

    // `last` of the sandbox is the sandbox's job, though another workspace's job is newer.
    const s = await sandbox();
    const undo = await topo(
      ['--sandbox', 'tasks', 'reassign', '--undo', 'last', '--dry-run', '--json', 'job'],
      {
        env: { ...env, TOPO_DATA_DIR: tempDir() },
        deps,
      },
    );
    expect(undo.stderr).not.toContain('error');
    expect(JSON.parse(undo.stdout)).toEqual({ job: 'bbbb0002' });
    // --return against another workspace does not give back the sandbox's cover.
    const none = await topo(['tasks', 'reassign', '--return', '--yes'], { sandbox: s, env, deps });
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('Nothing to give back: no cover job has reached its --until date.\n');
    const lastHere = await topo(['tasks', 'reassign', '--undo', 'last', '--yes'], { sandbox: s, env, deps });
    expect(lastHere.code).toBe(2);
    expect(lastHere.stderr).toBe(
      `error: no job yet in this workspace (profile 'default' at ${s.url}); see 'topo tasks reassign --jobs'\n`,
    );
    // A job of another API by its id: refused, nothing sent (its tasks are not this workspace's).
    const elsewhere = await topo(['tasks', 'reassign', '--undo', 'aaaa0001', '--yes'], {
      sandbox: s,
      env,
      deps,
    });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toBe(
      `error: job aaaa0001 ran against another API (profile 'default' at https://api.topo.io/v1); this is profile 'default' at ${s.url}: undo it there (--api-url https://api.topo.io/v1, with a key of that workspace)\n`,
    );
    expect(s.requests).toHaveLength(0);
  });

  it('narrow terminals: the names give way first; the id, the counts and the state stay', async () => {
    const { dir, env } = stateEnv();
    writeJobs(dir, [
      {
        header: {
          id: 'aaaa0001',
          created: '2026-11-28T10:00:00Z',
          ...REAL,
          from: U(1),
          to: [
            { id: U(2), weight: 1 },
            { id: U(3), weight: 1 },
          ],
        },
        lines: [runStart, moved(1, U(2)), moved(2, U(3)), runEnd],
      },
      {
        header: {
          id: 'bbbb0002',
          created: '2026-11-30T10:00:00Z',
          ...REAL,
          from: U(4),
          to: [{ id: U(5), weight: 1 }],
          until: '2026-12-14T00:00:00Z',
        },
        lines: [runStart, moved(3, U(5)), runEnd],
      },
      {
        header: {
          id: 'cccc0003',
          created: '2026-11-30T11:00:00Z',
          ...REAL,
          from: U(6),
          to: [{ id: U(2), weight: 1 }],
        },
        lines: [runStart, { ...moved(4, U(2)), result: 'started' }],
      },
    ]);
    const deps = { now: () => Date.parse('2026-12-01T00:00:00Z') };
    const at = async (columns: number) => {
      const r = await topo(['tasks', 'reassign', '--jobs'], { env, deps, tty: true, columns });
      expect(r.code).toBe(0);
      for (const line of r.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
      return r.stdout;
    };
    expect(await at(120)).toBe(
      [
        'JOB       STARTED  FROM                                  TO               MOVED  LEFT  BACK  UNTIL       STATE',
        'aaaa0001  2d ago   00000000-0000-4000-8000-000000000001  0000000…0000003  2      0     0                 done',
        'bbbb0002  14h ago  00000000-0000-4000-8000-000000000004  0000000…0000005  1      0     0     2026-12-14  covering',
        'cccc0003  13h ago  00000000-0000-4000-8000-000000000006  0000000…0000002  0      ?     0                 stopped mid-run',
        '',
      ].join('\n'),
    );
    expect(await at(80)).toBe(
      [
        'JOB       FROM          TO        MOVED  LEFT  BACK  UNTIL       STATE',
        'aaaa0001  000000…00001  0000…003  2      0     0                 done',
        'bbbb0002  000000…00004  0000…005  1      0     0     2026-12-14  covering',
        'cccc0003  000000…00006  0000…002  0      ?     0                 stopped mid-run',
        '',
      ].join('\n'),
    );
    expect(await at(60)).toBe(
      [
        'JOB       FROM    TO      MOVED  LEFT  BACK  STATE',
        'aaaa0001  000…01  000…03  2      0     0     done',
        'bbbb0002  000…04  000…05  1      0     0     covering',
        'cccc0003  000…06  000…02  0      ?     0     stopped mid-run',
        '',
      ].join('\n'),
    );
  });
});

describe('the plan adds up', () => {
  it('runs, calls, types and priorities count what moves; what stays under --cap is counted apart', async () => {
    const s = await sandbox();
    const w = world(s);
    const all = await topo(['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--dry-run'], {
      sandbox: s,
    });
    expect(all.code).toBe(0);
    // 16 runs: 9 wholly held runs of several tasks, 5 runs of one task (a to-do and a playbook approval among
    // them), 2 shared runs (3 + 1 tasks).
    expect(all.stderr).toContain(
      [
        `Plan: move 33 open tasks from ${w.alice.id} to ${w.bob.id}`,
        '  by type:       call 13, email reply 10, new lead review 7, linkedin reply 1, playbook approval 1, to-do 1',
        '  by priority:   TODAY 22, HOT 6, EXTRA 5',
        '  sequence runs: 16 (14 moved whole in one call, 2 task by task)',
        '  API calls:     at most 18 (14 whole runs + 4 tasks one by one)',
        '                 each batch of runs is looked at again just before its calls',
      ].join('\n'),
    );
    const args = [
      'tasks',
      'reassign',
      '--from',
      w.alice.id,
      '--to',
      `${w.bob.id},${w.carla.id}`,
      '--cap',
      '10',
    ];
    const capped = await topo([...args, '--dry-run'], { sandbox: s });
    const [shared] = [...w.runs].find(([, open]) => open.some((t) => t.assignee_user_id === null))!;
    expect(capped.code).toBe(0);
    // The preview's results: what would move and what the cap keeps, as in the JSON report.
    const rows = capped.stdout
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows).toHaveLength(33);
    expect(rows.filter((r) => r[1] === 'would_move')).toHaveLength(20);
    expect(rows.filter((r) => r[1] === 'kept').map((r) => r[7])).toEqual(Array(13).fill(''));
    expect(capped.stderr).toBe(
      [
        `Plan: move 20 open tasks from ${w.alice.id} to ${w.bob.id}, ${w.carla.id}`,
        '  by type:       call 8, email reply 7, new lead review 4, linkedin reply 1',
        '  by priority:   TODAY 12, HOT 6, EXTRA 2',
        '  sequence runs: 8 (7 moved whole in one call, 1 task by task)',
        '  API calls:     at most 10 (7 whole runs + 3 tasks one by one)',
        '                 each batch of runs is looked at again just before its calls',
        '  to each:',
        `    ${w.bob.id}: 4 runs, 10 tasks (TODAY 8, HOT 2)`,
        `    ${w.carla.id}: 4 runs, 10 tasks (TODAY 4, HOT 4, EXTRA 2)`,
        '  staying:       13 tasks in 8 runs (every successor is at --cap): TODAY 10, EXTRA 3',
        '  runs handled task by task, so nobody else’s work moves:',
        `    ${shared}  3 tasks: the run also holds open tasks not being moved (unassigned ×1)`,
        'Dry run: nothing was changed.',
        '',
      ].join('\n'),
    );
    const json = await topo([...args, '--dry-run', '--json', 'plan,kept,tasks'], { sandbox: s });
    const report = JSON.parse(json.stdout) as { tasks: { task_id: string; result: string }[] };
    expect(report.tasks.map((t) => [t.task_id, t.result])).toEqual(rows.map((r) => [r[0], r[1]]));
    expect(report).toMatchObject({
      kept: 13,
      plan: {
        tasks: 20,
        runs: 8,
        calls: 10,
        by_type: { CALL: 8, EMAIL_REPLY: 7, LINKEDIN_REPLY: 1, NEW_LEAD_REVIEW: 4 },
        by_priority: { TODAY: 12, HOT: 6, EXTRA: 2 },
        staying: {
          tasks: 13,
          runs: 8,
          by_type: { CALL: 5, EMAIL_REPLY: 3, NEW_LEAD_REVIEW: 3, PLAYBOOK_APPROVAL: 1, TODO: 1 },
          by_priority: { TODAY: 10, EXTRA: 3 },
        },
      },
    });
    expect(s.received('PATCH')).toHaveLength(0);
  });
});

describe('the plan on a terminal', () => {
  it('what each successor gets is a box fitted to the terminal (cli-table3) with the facts of the lines a log gets; where it would wrap, those lines', async () => {
    const s = await sandbox();
    const w = world(s);
    const args = [
      'tasks',
      'reassign',
      '--from',
      w.alice.id,
      '--to',
      `${w.bob.id}=2,${w.carla.id}`,
      '--cap',
      '10',
      '--dry-run',
    ];
    const logged = await topo(args, { sandbox: s });
    const each = (id: string) =>
      new RegExp(`^    ${id}(?: \\(×(\\d+)\\))?: (\\d+) runs?, (\\d+) tasks? \\((.*)\\)$`, 'm');
    // Narrow (the UUIDs would wrap in a box): the log's lines, wrapped under themselves to the width.
    const narrow = await topo(args, { sandbox: s, tty: true, columns: 60, env: { NO_COLOR: '1' } });
    expect(narrow.stderr).not.toMatch(/^ {4}┌/m);
    const plan = narrow.stderr.slice(0, narrow.stderr.indexOf('Dry run'));
    for (const line of plan.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    for (const id of [w.bob.id, w.carla.id]) {
      const line = each(id).exec(logged.stderr)![0];
      expect(plan.replace(/\n {6}/g, ' ')).toContain(line);
    }
    for (const columns of [120]) {
      const shown = await topo(args, { sandbox: s, tty: true, columns, env: { NO_COLOR: '1' } });
      expect(shown.code).toBe(0);
      const box = shown.stderr.split('\n').filter((l) => /^ {4}[┌│└]/.test(l));
      expect(box[0]).toMatch(/^ {4}┌─+┬/);
      for (const line of box) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
      // A successor's row, and the lines its wrapped cells go on in (their counts empty).
      const cellsOf = (l: string) =>
        l
          .split('│')
          .slice(1, -1)
          .map((c) => c.trim());
      const all = box.slice(1, -1).map(cellsOf);
      // The head (it may wrap too) ends where the first count is.
      const rows = all.slice(all.findIndex((cells) => /^\d+$/.test(cells[2]!)));
      const blocks: string[][][] = [];
      for (const cells of rows)
        if (/^\d+$/.test(cells[2]!)) blocks.push([cells]);
        else blocks.at(-1)!.push(cells);
      const joined = blocks.map((b) => [
        b.map((c) => c[0]).join(''),
        ...[1, 2, 3].map((i) => b[0]![i]),
        b
          .map((c) => c[4])
          .filter(Boolean)
          .join(' '),
      ]);
      for (const id of [w.bob.id, w.carla.id]) {
        const [, weight, runs, tasks, byPriority] = each(id).exec(logged.stderr)!;
        // A narrow terminal cuts a successor's UUID as tables do (both ends kept); a wide one shows it whole.
        const head = id.slice(0, 8);
        const row = joined.find((r) => r[0]!.startsWith(head))!;
        if (columns >= 120) expect(row[0]).toBe(id);
        else
          expect(row[0] === id || (row[0]!.includes('…') && id.startsWith(row[0]!.split('…')[0]!))).toBe(
            true,
          );
        expect(row.slice(1)).toEqual([`×${weight ?? 1}`, runs, tasks, byPriority]);
      }
    }
  });
});

describe('Ctrl-C at any point of a job', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    "%s during the moves: the --report file still names each run's campaign, as a finished run's does",
    async (signal) => {
      const s = await sandbox();
      const w = world(s);
      const { env } = stateEnv();
      const csv = join(tempDir(), 'job.csv');
      const handlers = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
      const interrupts = {
        add: (h: (signal: 'SIGINT' | 'SIGTERM') => void) => (handlers.add(h), () => handlers.delete(h)),
      };
      let patches = 0;
      s.onRequest((q) => {
        if (q.method === 'PATCH' && ++patches === 4) for (const h of [...handlers]) h(signal);
      });
      const args = [
        'tasks',
        'reassign',
        '--from',
        w.alice.id,
        '--to',
        w.bob.id,
        '--yes',
        '--concurrency',
        '1',
      ];
      const r = await topo([...args, '--report', csv], { sandbox: s, env, deps: { interrupts } });
      expect(r.code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(r.stderr).not.toContain('no campaign names');
      const rows = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), {
        header: true,
        skipEmptyLines: true,
      }).data;
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const run = s.store.run(row.sequence_run!)!;
        expect(row.template, row.sequence_run).toBe(s.store.template(run.sequence_template_id)!.name);
      }
    },
  );

  it.each([
    ['SIGINT', 'an offboarding', 130],
    ['SIGTERM', 'an offboarding', 143],
    ['SIGTERM', 'an undo', 143],
  ] as const)(
    '%s while %s is still planning: cancelled, nothing was changed, exit %i, nothing sent or journaled',
    async (signal, what, exit) => {
      const s = await sandbox();
      const w = world(s);
      const { dir, env } = stateEnv();
      const move = ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'];
      if (what === 'an undo') expect((await topo(move, { sandbox: s, env })).code).toBe(0);
      const journal = what === 'an undo' ? readFileSync(journalOf(dir).path, 'utf8') : undefined;
      const patches = s.received('PATCH').length;
      const handlers = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
      const interrupts = {
        add: (h: (signal: 'SIGINT' | 'SIGTERM') => void) => (handlers.add(h), () => handlers.delete(h)),
      };
      // The signal comes as the plan's first read of tasks reaches the API (its answer held back a while).
      s.injectFault({ method: 'GET', path: '^/v1/tasks', delayMs: 300, times: 1000 });
      const off = s.onRequest((q) => {
        if (q.method === 'GET' && q.path.startsWith('/v1/tasks')) for (const h of [...handlers]) h(signal);
      });
      const args = what === 'an undo' ? ['tasks', 'reassign', '--undo', 'last', '--yes'] : move;
      const r = await topo(args, { sandbox: s, env, deps: { interrupts } });
      off();
      expect(r.code).toBe(exit);
      expect(r.stderr).toBe('error: cancelled: nothing was changed\n');
      expect(s.received('PATCH')).toHaveLength(patches);
      // No journal is written, and no lock is left behind.
      const jobsDir = join(dir, 'jobs');
      if (journal === undefined) expect(existsSync(jobsDir) ? readdirSync(jobsDir) : []).toEqual([]);
      else expect(readFileSync(journalOf(dir).path, 'utf8')).toBe(journal);
    },
  );

  it('during the check after the last move: what moved is said and journaled, the process does not wait, a re-run closes the job', async () => {
    const s = await sandbox({ latencyMs: 2 });
    const w = world(s);
    const { dir, env } = stateEnv();
    // The leaver's whole listing (not a batch's look before its calls, which names a creation span).
    const isLeaverListing = (q: { method: string; path: string; query: string }) =>
      q.method === 'GET' &&
      q.path === '/v1/tasks' &&
      q.query.includes('assignee_user_id') &&
      !q.query.includes('created_at_after');
    // The plan's listing (one request per open status) passes; the check after the moves hangs far longer
    // than the test may run: a stop that waited for it would never end the test.
    s.injectFault({
      method: 'GET',
      path: '^/v1/tasks$',
      query: '^(?!.*created_at_after).*assignee_user_id',
      after: 2,
      times: 2,
      delayMs: 600_000,
    });
    const args = ['tasks', 'reassign', '--from', w.alice.id, '--to', w.bob.id, '--yes'];
    const run = spawnTopo([...args, '--json'], { sandbox: s, env });
    let stdout = '';
    run.child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // Every PATCH sent, and the check after them started.
    await waitFor(
      () => {
        const last = s.requests.findLastIndex((q) => q.method === 'PATCH');
        return last >= 0 && s.requests.slice(last + 1).some(isLeaverListing);
      },
      15_000,
      'the check after the moves',
    );
    const patches = s.received('PATCH').length;
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(s.received('PATCH')).toHaveLength(patches);
    const stderr = run.stderr();
    expect(stderr).toContain(
      '\nStopping: skipping the check of what is left (Ctrl-C again to quit at once)…\n',
    );
    expect(stderr).toContain(`\nDone: ${w.aliceOpen.length} tasks moved, 0 failed.\n`);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      JSON.stringify({
        error: {
          code: 130,
          status: null,
          type: 'InterruptedError',
          message: `interrupted: ${w.aliceOpen.length} tasks moved, 0 tasks left; what is left was not checked: run the same command again to check`,
          request_id: null,
        },
      }),
    );
    const report = JSON.parse(stdout) as {
      moved: number;
      interrupted: boolean;
      remaining: unknown;
      tasks: unknown[];
    };
    expect(report).toMatchObject({ moved: w.aliceOpen.length, interrupted: true, remaining: null });
    expect(report.tasks).toHaveLength(w.aliceOpen.length);
    const { lines } = journalOf(dir);
    expect(lines.at(-1)).toMatchObject({
      kind: 'end',
      moved: w.aliceOpen.length,
      left: 0,
      interrupted: true,
      verified: false,
    });
    const jobs = async () =>
      JSON.parse(
        (await topo(['tasks', 'reassign', '--jobs', '--json', 'moved,left,state'], { sandbox: s, env }))
          .stdout,
      );
    // Nothing of the plan was left: done, though the check was cut short.
    expect(await jobs()).toEqual([{ moved: w.aliceOpen.length, left: 0, state: 'done' }]);

    // A run killed outright leaves no end: stopped mid-run, until the same command finds nothing left.
    appendFileSync(
      journalOf(dir).path,
      `${JSON.stringify({ kind: 'run', phase: 'move', time: '2026-11-01T00:00:00Z' })}\n`,
    );
    expect(await jobs()).toEqual([{ moved: w.aliceOpen.length, left: null, state: 'stopped mid-run' }]);
    s.clearFaults();
    // With nothing left, the same command closes the job, and its report is still the whole job's.
    const csv = join(tempDir(), 'job.csv');
    const again = await topo([...args, '--report', csv], { sandbox: s, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    const id = journalOf(dir).path.split('/').pop()!.replace('.jsonl', '');
    // The whole job's runs are checked: the one still waiting on its unassigned task is named.
    const [waiting] = [...w.runs].find(([, open]) => open.some((t) => t.assignee_user_id === null))!;
    const blocked = `1 sequence run still waiting for a task that is unassigned or with ${w.alice.id}:\n  ${waiting}\n`;
    expect(again.stderr).toBe(
      `${w.alice.id} holds no open tasks: nothing to do.\nJob ${id}: nothing left to move; recorded as ended.\nReport: ${csv}\n${blocked}`,
    );
    const rows = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows.map((r) => [r.task_id, r.new_assignee, r.result]).sort()).toEqual(
      w.aliceOpen.map((t) => [t.id, w.bob.id, 'moved']).sort(),
    );
    expect(s.received('PATCH')).toHaveLength(patches);
    expect(await jobs()).toEqual([{ moved: w.aliceOpen.length, left: 0, state: 'done' }]);
    // Once ended, running it again changes nothing in the journal.
    const size = journalOf(dir).lines.length;
    expect((await topo(args, { sandbox: s, env })).stderr).toBe(
      `${w.alice.id} holds no open tasks: nothing to do.\n${blocked}`,
    );
    expect(journalOf(dir).lines).toHaveLength(size);
  });
});
