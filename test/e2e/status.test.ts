import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASK_TYPES, type Task } from '../../src/api/types.js';
import { displayWidth } from '../../src/output/width.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { SEED_NOW, fastSleep, sandbox, scriptedPrompter, tempDir, topo } from '../helpers.js';

/** `topo status`: a rep's view and a team's, counted by the API in a bounded number of requests. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';
const DAY = 86_400_000;

/** The documented rule of `tasks next`: in progress before pending, then HOT, TODAY, EXTRA, then oldest first. */
function queueOf(s: Sandbox, user: string): Task[] {
  const status = (t: Task) => (t.status === 'IN_PROGRESS' ? 0 : 1);
  const priority = (t: Task) => {
    const i = ['HOT', 'TODAY', 'EXTRA'].indexOf(t.priority);
    return i < 0 ? 3 : i;
  };
  return s.store.state.tasks
    .filter((t) => isOpen(t) && t.assignee_user_id === user)
    .sort(
      (a, b) =>
        status(a) - status(b) ||
        priority(a) - priority(b) ||
        (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1),
    );
}

/** What the status of a user should say, counted from the sandbox's own tasks. */
function expectedStatus(s: Sandbox, user: string) {
  const open = s.store.state.tasks.filter((t) => isOpen(t) && t.assignee_user_id === user);
  const count = (keep: (t: Task) => boolean) => open.filter(keep).length;
  const hot = open.filter((t) => t.priority === 'HOT').sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  const byType: Record<string, number> = {};
  for (const type of TASK_TYPES) byType[type] = count((t) => t.type === type);
  byType.other = count((t) => !(TASK_TYPES as readonly string[]).includes(t.type));
  return {
    open: open.length,
    pending: count((t) => t.status === 'PENDING'),
    in_progress: count((t) => t.status === 'IN_PROGRESS'),
    by_priority: {
      HOT: count((t) => t.priority === 'HOT'),
      TODAY: count((t) => t.priority === 'TODAY'),
      EXTRA: count((t) => t.priority === 'EXTRA'),
      other: count((t) => !['HOT', 'TODAY', 'EXTRA'].includes(t.priority)),
    },
    by_type: byType,
    replies_waiting: {
      EMAIL_REPLY: count((t) => t.status === 'PENDING' && t.type === 'EMAIL_REPLY'),
      LINKEDIN_REPLY: count((t) => t.status === 'PENDING' && t.type === 'LINKEDIN_REPLY'),
    },
    oldest_hot: hot[0] ?? null,
  };
}

/** The contact of a task's run, as the sandbox serves it. */
function contactOf(s: Sandbox, task: Task) {
  const run = s.store.run(task.sequence_id)!;
  return run.contact_id === null ? null : s.store.contact(run.contact_id)!;
}

const listings = (s: Sandbox) => s.received('GET', /^\/v1\/tasks$/);

describe('topo status: a rep', () => {
  it('counts open tasks by priority and type, replies waiting, the oldest HOT and the next task, as one object', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const r = await topo(['status', '-a', alice, '--json'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'assignee_user_id',
      'alias',
      'open',
      'pending',
      'in_progress',
      'by_priority',
      'by_type',
      'replies_waiting',
      'oldest_hot',
      'next',
    ]);
    const next = queueOf(s, alice)[0]!;
    expect(json).toEqual({
      assignee_user_id: alice,
      alias: null,
      ...expectedStatus(s, alice),
      next: { ...next, contact: contactOf(s, next) },
    });
    // The seeded to-do and playbook approval are counted as what they are.
    expect(json.by_type).toMatchObject({ TODO: 1, PLAYBOOK_APPROVAL: 1, other: 0 });
    // `next` is what `tasks next --with contact --json` prints.
    const same = await topo(['tasks', 'next', '-a', alice, '--with', 'contact', '--json'], { sandbox: s });
    expect(JSON.parse(same.stdout)).toEqual(json.next);
  });

  it('costs the same requests whatever the size of the workspace: 20 listings of one task, then 3 lookups', async () => {
    const cost = async (tasks: number) => {
      const s = await sandbox({ tasks });
      const alice = s.store.users[0]!.id;
      const r = await topo(['status', '-a', alice], { sandbox: s });
      expect(r.code).toBe(0);
      const paths = s.requests.map((q) => q.path);
      expect(listings(s).every((q) => /(^|&)size=1(&|$)/.test(q.query))).toBe(true);
      return {
        listings: listings(s).length,
        others: paths.filter((p) => p !== '/v1/tasks').map((p) => p.replace(/[0-9a-f-]{36}/, '{id}')),
      };
    };
    const small = await cost(300);
    expect(small).toEqual({
      listings: 20,
      others: expect.arrayContaining(['/v1/me', '/v1/sequences/{id}', '/v1/contacts/{id}']) as unknown,
    });
    expect(small.others).toHaveLength(3);
    expect(await cost(5000)).toEqual(small);
  });

  it('piped: the view as plain text, without colour', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const r = await topo(['status', '-a', alice], {
      sandbox: s,
      env: { FORCE_HYPERLINK: '1' },
      deps: { now: () => SEED_NOW, sleep: fastSleep },
    });
    expect(r.code).toBe(0);
    const next = queueOf(s, alice)[0]!;
    const contact = contactOf(s, next)!;
    expect(r.stdout).toBe(
      [
        `${alice}: 33 open tasks, 9 in progress`,
        '',
        'Priority    HOT 6 · TODAY 22 · EXTRA 5',
        'Type        call 13 · email reply 10 · linkedin reply 1 · new lead review 7 · to-do 1 · playbook approval 1',
        'Replies     7 waiting (6 email, 1 LinkedIn)',
        'Oldest HOT  2mo ago (call, pending)',
        `Next        email reply · HOT · in progress — ${contact.first_name} ${contact.last_name} · ${contact.company_name} · ${contact.phone_number}`,
        '',
      ].join('\n'),
    );
    expect(expectedStatus(s, alice).open).toBe(33);
  });

  it.each([40, 36, 30])(
    'at %i columns the phone of the next task stays whole; the type, then the priority give way',
    async (columns) => {
      const s = await sandbox();
      const alice = s.store.users[0]!.id;
      const r = await topo(['status', '-a', alice], { sandbox: s, tty: true, columns });
      expect(r.code).toBe(0);
      const contact = contactOf(s, queueOf(s, alice)[0]!)!;
      const next = r.stdout.split('\n').find((l) => l.startsWith('Next '))!;
      expect(next.endsWith(contact.phone_number!), next).toBe(true);
      expect(next).not.toContain('…');
    },
  );

  it.each([60, 80, 120])(
    'on a terminal of %i columns: every line fits, the next task on one line',
    async (columns) => {
      const s = await sandbox();
      const alice = s.store.users[0]!.id;
      const env = { TOPO_CONFIG_DIR: join(tempDir(), 'config') };
      await topo(['alias', 'set', 'alice', alice], { sandbox: s, env });
      const r = await topo(['status', '-a', 'alice'], { sandbox: s, env, tty: true, columns });
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
      expect(lines[0]).toBe('alice: 33 open tasks, 9 in progress');
      const next = lines.filter((l) => l.startsWith('Next '));
      expect(next).toHaveLength(1);
      // The phone is what is dialled: it stays whole; the company gives way first, then the status.
      const contact = contactOf(s, queueOf(s, alice)[0]!)!;
      expect(next[0]).toMatch(new RegExp(`^Next {8}email reply · HOT .*· \\${contact.phone_number}$`));
      if (columns >= 120)
        expect(next[0]).toContain(
          `· in progress — ${contact.first_name} ${contact.last_name} · ${contact.company_name} ·`,
        );
      expect(lines.indexOf(next[0]!)).toBe(lines.length - 1);
    },
  );

  it('a key without the contact scopes: the next task without its contact, one note, exit 0', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const r = await topo(['status', '-a', alice], { sandbox: s, key: 'topo_sandbox_tasks' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nNext {8}email reply · HOT · in progress\n$/);
    expect(r.stderr).toMatch(/^note: this API key lacks the 'sequences:read' and 'contacts:read' scopes/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(s.requests.filter((q) => q.path.startsWith('/v1/contacts'))).toHaveLength(0);
  });

  it('an empty queue: zeros, nothing to do, JSON next null, exit 0', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    for (const t of s.store.state.tasks) if (isOpen(t) && t.assignee_user_id === alice) s.store.skip(t.id);
    const text = await topo(['status', '-a', alice], { sandbox: s });
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      [
        `${alice}: 0 open tasks, 0 in progress`,
        '',
        'Priority    HOT 0 · TODAY 0 · EXTRA 0',
        'Type        —',
        'Replies     0 waiting',
        'Oldest HOT  none',
        'Next        nothing to do',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(
      (await topo(['status', '-a', alice, '--json', 'open,next,oldest_hot'], { sandbox: s })).stdout,
    );
    expect(json).toEqual({ open: 0, next: null, oldest_hot: null });
  });

  it.each([
    [
      ['status', '-a', 'none'],
      "error: -a none: the API cannot count the tasks nobody holds; 'topo tasks list -a none' lists them",
    ],
    [
      ['status', '-a', 'nobody'],
      "error: --assignee: 'nobody' is neither a UUID nor a known alias (see 'topo alias list')",
    ],
    [['status', '--team', 'bob', '-a', 'bob'], 'error: --assignee and --team cannot be used together'],
    [['status', '--team', ''], 'error: --team: name at least one person (aliases or UUIDs)'],
    [['status', '--team', 'bob,carla,bob'], "error: --team: 'bob' is named twice"],
    [
      ['status', '--team', 'bob,zed'],
      "error: --team: 'zed' is neither a UUID nor a known alias (see 'topo alias list')",
    ],
    [
      ['status', '--json', 'team'],
      "error: --json: unknown field 'team' (valid: assignee_user_id, alias, open, pending, in_progress, by_priority, by_type, replies_waiting, oldest_hot, next)",
    ],
    [
      ['status', '--team', 'bob', '--json', 'next'],
      "error: --json: unknown field 'next' (valid: team, spread, covers_due, unfinished_jobs, reached_leavers)",
    ],
  ])('%j is refused before any request (exit 2)', async (argv, message) => {
    const s = await sandbox();
    const env = { TOPO_CONFIG_DIR: join(tempDir(), 'config') };
    for (const [name, user] of [
      ['bob', s.store.users[1]!],
      ['carla', s.store.users[2]!],
    ] as const)
      await topo(['alias', 'set', name, user.id], { sandbox: s, env });
    const r = await topo(argv, { sandbox: s, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith('{') ? JSON.parse(r.stderr).error.message : r.stderr.trimEnd()).toBe(
      r.stderr.startsWith('{') ? message.replace(/^error: /, '') : message,
    );
    expect(s.requests).toHaveLength(0);
  });
});

describe('topo status --team', () => {
  /** A workspace with jobs: a finished offboarding of erin, a cover of femi, and an offboarding left incomplete. */
  async function withJobs() {
    const s = await sandbox();
    const [, bob, carla, dev, erin, femi] = s.store.users;
    const home = tempDir();
    const env = { TOPO_STATE_DIR: join(home, 'state'), TOPO_CONFIG_DIR: join(home, 'config') };
    for (const [name, user] of [
      ['bob', bob!],
      ['carla', carla!],
      ['dev', dev!],
      ['erin', erin!],
      ['femi', femi!],
    ] as const)
      await topo(['alias', 'set', name, user.id], { sandbox: s, env });
    const run = async (argv: string[]) =>
      (await topo(['tasks', 'reassign', ...argv], { sandbox: s, env })).code;
    expect(await run(['--from', 'erin', '--to', 'bob,carla', '-t', 'call', '--yes'])).toBe(0);
    expect(await run(['--from', 'femi', '--to', 'dev', '--until', '1d', '--yes'])).toBe(0);
    // carla's calls to dev: the first call fails every attempt, the rest move; the job is left incomplete.
    s.injectFault({ method: 'PATCH', status: 500, times: 4 });
    expect(await run(['--from', 'carla', '--to', 'dev', '-t', 'new_lead_review', '--yes'])).toBe(6);
    return { s, env, bob: bob!, carla: carla!, dev: dev!, erin: erin!, femi: femi! };
  }

  it('members by priority, the spread, covers due, unfinished jobs, and what reached a leaver: one object', async () => {
    const w = await withJobs();
    const { s, env } = w;
    // Work reaches erin after her offboarding: a new call, a call given to her, and an email reply (outside the
    // job's subset: a sweep would not move it).
    s.store.createTask({ assignee_user_id: w.erin.id, type: 'CALL' });
    const bobsCall = s.store.state.tasks.find(
      (t) => isOpen(t) && t.assignee_user_id === w.bob.id && t.type === 'CALL',
    )!;
    s.store.reassign(bobsCall.id, w.erin.id, 'TASK');
    s.store.createTask({ assignee_user_id: w.erin.id, type: 'EMAIL_REPLY' });
    s.requests.length = 0;
    const later = Date.now() + 2 * DAY;
    const r = await topo(['status', '--team', 'bob,carla,dev', '--json'], {
      sandbox: s,
      env,
      deps: { now: () => later, sleep: fastSleep },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    const member = (name: string, id: string) => {
      const e = expectedStatus(s, id);
      return {
        user_id: id,
        alias: name,
        open: e.open,
        pending: e.pending,
        in_progress: e.in_progress,
        by_priority: e.by_priority,
      };
    };
    const team = [member('bob', w.bob.id), member('carla', w.carla.id), member('dev', w.dev.id)];
    expect(json.team).toEqual(team);
    const open = team.map((m) => m.open);
    expect(json.spread).toEqual({ fewest: Math.min(...open), most: Math.max(...open) });
    const job = (from: string, state: string) => expect.objectContaining({ from, state }) as unknown;
    expect(json.covers_due).toEqual([job(w.femi.id, 'due for return')]);
    expect(json.unfinished_jobs).toEqual([job(w.carla.id, 'incomplete')]);
    expect(json.reached_leavers).toEqual([{ job: job(w.erin.id, 'done'), open_tasks: 2 }]);
    expect(json.reached_leavers[0].job.ended_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // 8 listings of one task a member, 2 for the finished offboarding: nothing else.
    expect(s.requests.map((q) => q.path)).toEqual(Array(3 * 8 + 2).fill('/v1/tasks'));
    expect(listings(s).every((q) => /(^|&)size=1(&|$)/.test(q.query))).toBe(true);
    // The sweep's count is the leaver's open tasks in the job's subset: the calls only.
    const sweep = listings(s).filter((q) => q.query.includes(`assignee_user_id=${w.erin.id}`));
    expect(sweep).toHaveLength(2);
    for (const q of sweep) expect(q.query).toContain('types=CALL');
  });

  it('on a terminal of 60, 80 and 120 columns every line fits; piped, the same text without colour', async () => {
    const w = await withJobs();
    const { s, env } = w;
    s.store.createTask({ assignee_user_id: w.erin.id, type: 'CALL' });
    const deps = { now: () => Date.now() + 2 * DAY, sleep: fastSleep };
    const piped = await topo(['status', '--team', 'bob,carla,dev'], { sandbox: s, env, deps });
    expect(piped.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(piped.stdout).not.toMatch(/\u001b/);
    for (const columns of [60, 80, 120]) {
      const tty = await topo(['status', '--team', 'bob,carla,dev'], {
        sandbox: s,
        env,
        deps,
        tty: true,
        columns,
      });
      expect(tty.code).toBe(0);
      for (const line of tty.stdout.trimEnd().split('\n'))
        expect(displayWidth(line)).toBeLessThanOrEqual(columns);
      // Lines wrapped on a narrow terminal go on under their value: joined again to read the notes whole.
      const text = tty.stdout.replace(/\n {12}(?=\S)/g, ' ');
      // The members boxed by cli-table3 on a terminal: a head, a row a member, the numbers aligned right.
      expect(text).toMatch(
        /^Team: 3 members, \d+ open tasks, \d+ in progress\n\n┌─+┬[─┬]+┐\n│ MEMBER +│ OPEN │ HOT │ TODAY │ EXTRA │ IN PROGRESS │\n│ bob +│ +\d+ │/,
      );
      const boxRows = text.split('\n').filter((line) => line.startsWith('│ ') && !line.includes('MEMBER'));
      const plainRows = piped.stdout.split('\n').slice(3, 6);
      // The same facts as the piped table's lines.
      expect(
        boxRows.map((line) =>
          line
            .split('│')
            .slice(1, -1)
            .map((cell) => cell.trim()),
        ),
      ).toEqual(plainRows.map((line) => line.split(/ {2,}/)));
      expect(text).toMatch(
        /\nCovers due {2}femi → dev, until \d{4}-\d\d-\d\d \d\d:\d\d \(job [0-9a-f]{8}\) give them back: 'topo tasks reassign --return'\n/,
      );
      expect(text).toMatch(
        /\nUnfinished {2}carla → dev: incomplete \(job [0-9a-f]{8}\) run each job's command again to finish it\n/,
      );
      expect(text).toMatch(
        /\nReached {5}erin: 1 open task since job [0-9a-f]{8} ended 2d ago what a sweep of each job would move now\n$/,
      );
      // Piped, the plain table and the same notes, nothing cut or wrapped.
      expect(piped.stdout).toMatch(
        /^Team: 3 members, \d+ open tasks, \d+ in progress\n\nMEMBER +OPEN +HOT +TODAY +EXTRA +IN PROGRESS\nbob /,
      );
      if (columns === 120) expect(piped.stdout.split('\n\n').at(-1)).toBe(tty.stdout.split('\n\n').at(-1));
    }
    // Jobs that involve nobody of the team (alice was neither a leaver nor a successor) are not the team's.
    const alone = await topo(
      ['status', '--team', s.store.users[0]!.id, '--json', 'covers_due,unfinished_jobs,reached_leavers'],
      {
        sandbox: s,
        env,
        deps,
      },
    );
    expect(JSON.parse(alone.stdout)).toEqual({ covers_due: [], unfinished_jobs: [], reached_leavers: [] });
    // Nor are those of another workspace: the same team against another API has none of them.
    const other = await sandbox();
    const elsewhere = await topo(['status', '--team', w.dev.id, '--json', 'covers_due,unfinished_jobs'], {
      sandbox: other,
      env,
      deps,
    });
    expect(elsewhere.code).toBe(0);
    expect(JSON.parse(elsewhere.stdout)).toEqual({ covers_due: [], unfinished_jobs: [] });
  });
});

describe('task types', () => {
  it('to-dos and playbook approvals: seeded for each rep, labelled, filtered with -t, shown', async () => {
    const s = await sandbox();
    const r = await topo(
      [
        'tasks',
        'list',
        '-t',
        'todo,playbook_approval',
        '--status',
        'all',
        '--all',
        '--json',
        'type,assignee_user_id',
      ],
      { sandbox: s },
    );
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as { type: string; assignee_user_id: string }[];
    // The six reps of the first team (the second, uneven team holds calls, reviews and replies only).
    for (const user of s.store.users.slice(0, 6))
      expect(
        got
          .filter((t) => t.assignee_user_id === user.id)
          .map((t) => t.type)
          .sort(),
      ).toEqual(['PLAYBOOK_APPROVAL', 'TODO']);
    const todo = s.store.state.tasks.find((t) => t.type === 'TODO' && isOpen(t))!;
    // (a key without the contact scopes: the table of tasks alone, wide enough for every type whole)
    const table = await topo(['tasks', 'list', '-t', 'todo,playbook_approval'], {
      sandbox: s,
      tty: true,
      columns: 160,
      key: 'topo_sandbox_tasks',
    });
    expect(table.stdout).toMatch(/ {2}to-do {2}/);
    expect(table.stdout).toMatch(/ {2}playbook approval {2}/);
    const show = await topo(['tasks', 'show', todo.id], { sandbox: s, tty: true, columns: 100 });
    expect(show.stdout).toMatch(/^Type +to-do$/m);
    // A to-do is the rep's own work: no conversation behind it.
    const thread = await topo(['tasks', 'thread', todo.id], { sandbox: s });
    expect(thread.code).toBe(0);
    expect(thread.stderr).toBe('This task has no messages.\n');
  });

  it('go through tasks next by the same rule; a type topo does not know goes through every view', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    for (const t of s.store.state.tasks) if (isOpen(t) && t.assignee_user_id === alice) s.store.skip(t.id);
    // Created as the API would, through the sandbox's control endpoint.
    const created = async (fields: Record<string, string>) => {
      const r = await fetch(new URL('/__sandbox/tasks', s.url), {
        method: 'POST',
        body: JSON.stringify({ assignee_user_id: alice, ...fields }),
      });
      expect(r.status).toBe(201);
      return (await r.json()) as Task;
    };
    const meeting = await created({ type: 'MEETING_PREP', priority: 'TODAY' });
    const todo = await created({ type: 'TODO', priority: 'HOT' });
    const approval = await created({ type: 'PLAYBOOK_APPROVAL', priority: 'EXTRA', status: 'IN_PROGRESS' });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await topo(['tasks', 'next', '-a', alice, '--json', 'id'], { sandbox: s });
      expect(next.code).toBe(0);
      const id = (JSON.parse(next.stdout) as { id: string }).id;
      order.push(id);
      s.store.skip(id);
    }
    // In progress first, then HOT before TODAY.
    expect(order).toEqual([approval.id, todo.id, meeting.id]);
    s.store.reopen(meeting.id);
    // Every view shows it in its own words, and exits 0.
    const card = await topo(['tasks', 'next', '-a', alice], {
      sandbox: s,
      tty: true,
      columns: 100,
      deps: { prompter: scriptedPrompter(['quit']) },
    });
    expect(card.code).toBe(0);
    expect(card.stdout).toMatch(/^Next for .*: meeting prep · TODAY · pending {2}\(1\u00a0open\)$/m);
    const list = await topo(['tasks', 'list', '-a', alice], { sandbox: s, tty: true, columns: 120 });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${meeting.id} {2}meeting prep {2}`, 'm'));
    const tsv = await topo(['tasks', 'list', '-a', alice], { sandbox: s });
    expect(tsv.stdout.split('\t').slice(0, 2)).toEqual([meeting.id, 'MEETING_PREP']);
    const show = await topo(['tasks', 'show', meeting.id], { sandbox: s, tty: true, columns: 100 });
    expect(show.stdout).toMatch(/^Type +meeting prep$/m);
    const status = await topo(['status', '-a', alice], { sandbox: s });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Type {8}other 1$/m);
    expect(status.stdout).toMatch(/^Next {8}meeting prep · TODAY · pending — /m);
    // A filter on other types is not disturbed by it; the offboarding's plan names it.
    const calls = await topo(['tasks', 'list', '-a', alice, '-t', 'call'], { sandbox: s });
    expect(calls.code).toBe(0);
    expect(calls.stdout).toBe('');
    const plan = await topo(
      ['tasks', 'reassign', '--from', alice, '--to', s.store.users[1]!.id, '--dry-run'],
      { sandbox: s },
    );
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain('  by type:       meeting prep 1\n');
  });
});
