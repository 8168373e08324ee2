import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASK_TYPES, type Task } from '../../src/api/types.js';
import { displayWidth } from '../../src/output/width.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import {
  fastSleep,
  interrupts,
  onTerminal,
  realSleep,
  sandbox,
  scriptedPrompter,
  tempDir,
  topo,
  waitFor,
} from '../helpers.js';

/** A rep's day: the next task, acting on it, picking from a list, watching for new work. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

/** The documented rule: in progress before pending, then HOT, TODAY, EXTRA, then oldest first. */
function queueOf(s: Sandbox, user: string | null): Task[] {
  const status = (t: Task) => (t.status === 'IN_PROGRESS' ? 0 : 1);
  const priority = (t: Task) => ['HOT', 'TODAY', 'EXTRA'].indexOf(t.priority);
  return s.store.state.tasks
    .filter((t) => isOpen(t) && t.assignee_user_id === user)
    .sort(
      (a, b) =>
        status(a) - status(b) ||
        priority(a) - priority(b) ||
        (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1),
    );
}

describe('tasks next', () => {
  it('picks the task to do now by the documented rule', async () => {
    const s = await sandbox();
    for (const user of s.store.users.slice(0, 3)) {
      const r = await topo(['tasks', 'next', '-a', user.id, '--json'], { sandbox: s });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(queueOf(s, user.id)[0]);
    }
    // A new HOT in-progress task jumps the queue; an unknown priority comes after the known ones.
    const alice = s.store.users[0]!.id;
    const hot = s.store.createTask({ assignee_user_id: alice, status: 'IN_PROGRESS', priority: 'HOT' });
    const r = await topo(['tasks', 'next', '-a', alice], { sandbox: s });
    const expected = queueOf(s, alice)[0]!;
    expect(expected.created_at < hot.created_at).toBe(queueOf(s, alice)[0]!.id !== hot.id);
    expect(r.stdout.split('\t')[0]).toBe(expected.id);
  });

  it('-a none: the unassigned tasks by the same rule, as tasks list -a none means them', async () => {
    const s = await sandbox();
    const queue = queueOf(s, null);
    expect(queue.length).toBeGreaterThan(2);
    const json = await topo(['tasks', 'next', '-a', 'none', '--json'], { sandbox: s });
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    // In any case, as an alias is: NONE, None.
    for (const none of ['NONE', 'None']) {
      expect((await topo(['tasks', 'next', '-a', none, '--json'], { sandbox: s })).stdout).toBe(json.stdout);
      const listed = await topo(['tasks', 'list', '-a', none, '--json', 'assignee_user_id'], { sandbox: s });
      expect(listed.code, listed.stderr).toBe(0);
      expect(new Set(JSON.parse(listed.stdout).map((t: Task) => t.assignee_user_id))).toEqual(
        new Set([null]),
      );
    }
    expect(JSON.parse(json.stdout)).toEqual(queue[0]);
    // On a terminal: the card says whose queue it is; n leaves the first aside and shows the next.
    const card = await topo(['tasks', 'next', '-a', 'none'], {
      sandbox: s,
      tty: true,
      columns: 100,
      deps: { prompter: scriptedPrompter(['next', 'quit']) },
    });
    expect(card.code).toBe(0);
    const heads = card.stdout.split('\n').filter((l) => l.startsWith('Next '));
    expect(heads).toHaveLength(2);
    for (const head of heads)
      expect(head).toMatch(new RegExp(`^Next unassigned: .* \\(${queue.length}\u00a0open\\)$`));
    expect(card.stdout).toMatch(new RegExp(`^ {2}Task +${queue[0]!.id} `, 'm'));
    expect(card.stdout).toMatch(new RegExp(`^ {2}Task +${queue[1]!.id} `, 'm'));
    // Nobody left: said as such, exit 0.
    for (const t of queue) s.store.skip(t.id);
    const empty = await topo(['tasks', 'next', '-a', 'none'], { sandbox: s });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe('Nothing to do: no open task is unassigned.\n');
  });

  it('the card fits a narrow terminal: the role and a value that does not fit hang, an id or a URL too wide goes under its label, never cut', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!;
    const first = queueOf(s, alice.id)[0]!;
    const env = { TOPO_CONFIG_DIR: join(tempDir(), 'config') };
    expect((await topo(['alias', 'set', 'alice', alice.id], { env })).code).toBe(0);
    for (const columns of [60, 44]) {
      const card = await topo(['tasks', 'next', '-a', 'alice'], {
        sandbox: s,
        env,
        tty: true,
        columns,
        deps: { prompter: scriptedPrompter(['quit']) },
      });
      expect(card.code, card.stderr).toBe(0);
      const lines = stripVTControlCharacters(card.stdout).split('\n');
      // Only a URL wider than any line it could have runs past the edge.
      const over = lines.filter((l) => l.length > columns);
      expect(
        over.every((l) => /^ {2}LinkedIn +\S+$/.test(l) && l.trim().split(/ +/)[1]!.length + 4 > columns),
        JSON.stringify(over),
      ).toBe(true);
      const task = lines.findIndex((l) => l.startsWith('  Task'));
      if (columns >= 48) {
        expect(lines[task]).toMatch(new RegExp(`^ {2}Task {6}${first.id}$`));
        expect(lines[task + 1]).toMatch(/^ {12}·\u00a0created\u00a0\S+\u00a0ago$/);
      } else {
        // The id does not fit beside its label: it goes under it, whole, and the age under it.
        expect(lines[task]).toBe('  Task');
        expect(lines[task + 1]).toBe(`    ${first.id}`);
        expect(lines[task + 2]).toMatch(/^ {4}·\u00a0created\u00a0\S+\u00a0ago$/);
      }
    }
  });

  it('the one task of a queue left for later: said in the singular', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    // A type and priority of which alice holds exactly one open task.
    const open = queueOf(s, alice);
    const one = open.find(
      (t) => open.filter((u) => u.type === t.type && u.priority === t.priority).length === 1,
    )!;
    expect(one).toBeDefined();
    const r = await topo(
      ['tasks', 'next', '-a', alice, '-t', one.type.toLowerCase(), '-p', one.priority.toLowerCase()],
      { sandbox: s, tty: true, columns: 100, deps: { prompter: scriptedPrompter(['next']) } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Nothing else to do: the one left for later is all that is open.');
  });

  it('an empty queue: JSON null, "Nothing to do" on stderr, exit 0', async () => {
    const s = await sandbox();
    const nobody = '00000000-0000-4000-8000-0000000000ff';
    const r = await topo(['tasks', 'next', '-a', nobody, '--json'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('null\n');
    expect(r.stderr).toBe(`Nothing to do: ${nobody} has no open tasks.\n`);
  });

  it('on a terminal: the card, then each key does what its command does', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!;
    const bob = s.store.users[1]!;
    const queue = queueOf(s, alice.id);
    const [first, second, third] = queue;
    const env = { TOPO_PAGER: 'cat' };
    // n: leave the first aside; t: read the second's thread; s: skip it; r: reassign the third to bob; q.
    const run = await topo(['tasks', 'next', '-a', alice.id], {
      sandbox: s,
      tty: true,
      columns: 100,
      env,
      deps: { prompter: scriptedPrompter(['next', 'thread', 'skip', 'reassign', bob.id, 'quit']) },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Next for ${alice.id}:`);
    expect(run.stdout).toContain(first!.id);
    expect(run.stdout).toContain(second!.id);
    expect(run.stdout).toContain(third!.id);
    const contact = s.store.contact(s.store.run(first!.sequence_id)!.contact_id!);
    if (contact) expect(run.stdout).toContain(`${contact.first_name} ${contact.last_name}`);
    // the thread of the second task was shown, then its card again (the thread scrolled it away)
    const inbound = s.store.thread(second!).find((m) => m.direction === 'INBOUND');
    if (inbound) expect(run.stdout).toContain(inbound.body.split('\n')[0]);
    // Cards: the first, the second, the second again after its thread, the third, and the fourth (q).
    expect(run.stdout.split(`Next for ${alice.id}:`)).toHaveLength(1 + 5);
    expect(s.store.get(first!.id)!.status).toBe(first!.status);
    expect(s.store.get(second!.id)!.status).toBe('SKIPPED');
    expect(s.store.get(third!.id)!.assignee_user_id).toBe(bob.id);
    expect(run.stderr).toContain(`✓ skipped ${second!.id} ${second!.type} ${second!.priority}\n`);
    expect(run.stderr).toContain(`✓ reassigned ${third!.id} ${third!.type} ${third!.priority}`);
  });

  it('-t: the next task of these types (the next call), for a rep and for the unassigned tasks', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!;
    const wanted = queueOf(s, alice.id).find((t) => t.type === 'LINKEDIN_REPLY')!;
    const r = await topo(['tasks', 'next', '-a', alice.id, '-t', 'linkedin_reply', '--json', 'id,type'], {
      sandbox: s,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: wanted.id, type: 'LINKEDIN_REPLY' });
    const none = await topo(['tasks', 'next', '-a', 'none', '-t', 'call', '--json', 'type'], { sandbox: s });
    expect(JSON.parse(none.stdout)).toEqual({ type: 'CALL' });
    const bad = await topo(['tasks', 'next', '-t', 'calls'], { sandbox: s });
    expect(bad.code).toBe(2);
  });

  it('-p: the next task of these priorities, with -t too; an empty result says what was asked for', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!;
    const queue = queueOf(s, alice.id);
    const today = queue.find((t) => t.priority === 'TODAY')!;
    const r = await topo(['tasks', 'next', '-a', alice.id, '-p', 'today', '--json', 'id,priority'], {
      sandbox: s,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: today.id, priority: 'TODAY' });
    // Only the priorities asked for are listed: no request for HOT or EXTRA pages.
    const asked = s.received('GET', /^\/v1\/tasks$/).flatMap((q) => q.params);
    expect(asked).toContainEqual(['priorities', 'TODAY']);
    expect(asked).not.toContainEqual(['priorities', 'HOT']);
    const both = queue.find((t) => t.priority === 'EXTRA' && t.type === 'CALL');
    const call = await topo(['tasks', 'next', '-a', alice.id, '-p', 'extra', '-t', 'call', '--json', 'id'], {
      sandbox: s,
    });
    expect(JSON.parse(call.stdout)).toEqual(both ? { id: both.id } : null);
    const none = await topo(['tasks', 'next', '-a', 'none', '-p', 'hot', '--json', 'priority'], {
      sandbox: s,
    });
    expect(none.code).toBe(0);
    const unassignedHot = s.store.state.tasks.filter(
      (t) => !t.assignee_user_id && isOpen(t) && t.priority === 'HOT',
    );
    expect(JSON.parse(none.stdout)).toEqual(unassignedHot.length > 0 ? { priority: 'HOT' } : null);
    // An empty result names the filter: a type of which alice has no HOT task.
    const type = TASK_TYPES.find((t) => !queue.some((x) => x.type === t && x.priority === 'HOT'))!;
    expect(type).toBeDefined();
    const empty = await topo(['tasks', 'next', '-a', alice.id, '-p', 'hot', '-t', type], { sandbox: s });
    expect(empty.stderr).toMatch(
      new RegExp(
        `^Nothing to do: \\S+ has no open tasks of priority HOT and of type ${type.toLowerCase()}\\.\\n$`,
      ),
    );
    const bad = await topo(['tasks', 'next', '-p', 'urgent'], { sandbox: s });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --priority: invalid value 'urgent'/);
  });

  it('a conversation that cannot be read: the card without it, and a note that says so (never swallowed)', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!;
    const [first] = queueOf(s, alice.id);
    s.injectFault({ path: `/tasks/${first!.id}/messages$`, status: 503, times: 10 });
    const run = await topo(['tasks', 'next', '-a', alice.id], {
      sandbox: s,
      tty: true,
      columns: 100,
      deps: { prompter: scriptedPrompter(['quit']) },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(first!.id);
    expect(run.stdout).not.toContain('Last from');
    expect(run.stderr).toMatch(/^note: the conversation could not be read \(.*\); 't' tries again$/m);
  });

  it('t shows the thread exactly as tasks thread does: the contact by name, colleagues by alias', async () => {
    const s = await sandbox();
    // A rep whose next task has a reply from a contact who is known.
    const [user, task] = s.store.users
      .map((u) => [u, queueOf(s, u.id)[0]] as const)
      .find(([, t]) => {
        if (!t || !s.store.run(t.sequence_id)!.contact_id) return false;
        return s.store.thread(t).some((m) => m.direction === 'INBOUND');
      })!;
    const contact = s.store.contact(s.store.run(task!.sequence_id)!.contact_id!)!;
    const env = { TOPO_PAGER: 'cat' };
    const next = await topo(['tasks', 'next', '-a', user.id], {
      sandbox: s,
      tty: true,
      columns: 100,
      env,
      deps: { prompter: scriptedPrompter(['thread', 'quit']) },
    });
    expect(next.code).toBe(0);
    const thread = await topo(['tasks', 'thread', task!.id], { sandbox: s, tty: true, columns: 100, env });
    expect(thread.stdout).toContain(`← inbound · email · ${contact.first_name} ${contact.last_name} ·`);
    expect(next.stdout).toContain(thread.stdout);
    expect(next.stdout).not.toMatch(/← inbound · \w+ · contact ·/);
    // Wrapped lines of the card and the thread end where their text does.
    expect(next.stdout).not.toMatch(/ +$/m);
  });

  it('Ctrl-C at the question ends quietly with 130; a refused action is reported and the loop goes on', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const { CancelledError } = await import('../../src/errors.js');
    const prompter = scriptedPrompter([
      'reassign',
      '00000000-0000-4000-8000-00000000abcd',
      () => {
        throw new CancelledError();
      },
    ]);
    const r = await topo(['tasks', 'next', '-a', alice], { sandbox: s, tty: true, deps: { prompter } });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(
      /error: cannot assign to '00000000-0000-4000-8000-00000000abcd': User .* is not a member/,
    );
    expect(r.stderr.trimEnd().split('\n').at(-1)).not.toMatch(/^error: cancelled/);
  });
});

describe('tasks next, Ctrl-C during an action', () => {
  it('ends the session with 130 as the skip in flight is let finish: no next card, no question again', async () => {
    const s = await sandbox();
    const queue = queueOf(s, null);
    const ctrlC = interrupts();
    // The skip's call is held a while; Ctrl-C comes as it reaches the API.
    s.injectFault({ method: 'POST', delayMs: 200, times: 1 });
    const off = s.onRequest((q) => q.method === 'POST' && ctrlC.press());
    const prompter = scriptedPrompter(['skip', 'quit']);
    const r = await topo(['tasks', 'next', '-a', 'none'], {
      sandbox: s,
      tty: true,
      columns: 100,
      deps: { prompter, interrupts: ctrlC.registry },
    });
    off();
    expect(r.code, r.stderr).toBe(130);
    expect(prompter.asked).toEqual(['What now?']);
    expect(s.received('POST')).toHaveLength(1);
    expect(s.store.get(queue[0]!.id)!.status).toBe('SKIPPED');
  });
});

describe('tasks next, Ctrl-C while a reassignment is being chosen', () => {
  it('sends nothing and ends the session with 130', async () => {
    const s = await sandbox();
    const bob = s.store.users[1]!;
    const ctrlC = interrupts();
    const prompter = scriptedPrompter([
      'reassign',
      () => {
        ctrlC.press();
        return bob.id;
      },
      'quit',
    ]);
    const r = await topo(['tasks', 'next', '-a', 'none'], {
      sandbox: s,
      tty: true,
      columns: 100,
      deps: { prompter, interrupts: ctrlC.registry },
    });
    expect(r.code, r.stderr).toBe(130);
    expect(s.received('PATCH')).toHaveLength(0);
    expect(prompter.asked).toHaveLength(2);
  });
});

describe('the reassign picker, as a person types', () => {
  it('a UUID pasted with its Enter goes to that person, not to the name highlighted before the list caught up', async () => {
    const s = await sandbox();
    const home = tempDir();
    const [alice, bob, carla] = s.store.users;
    for (const u of [alice!, bob!, carla!])
      expect(
        (await topo(['alias', 'set', u.alias!, u.id], { env: { TOPO_CONFIG_DIR: join(home, 'config') } }))
          .code,
      ).toBe(0);
    const t = onTerminal(s, home, 100, `tasks next -a ${bob!.id}`);
    await waitFor(() => t.written().includes('reassign'), 15_000, 'the card');
    t.child.stdin.write('r');
    await waitFor(() => t.written().includes('Reassign to'), 15_000, 'the picker');
    // Pasted: the ID and its newline in one write.
    t.child.stdin.write(`${carla!.id}\r`);
    await quitAfterOneReassign(s, t, carla!.id);
  });
});
/** The call made, then `q`: one reassignment, to `to`, and exit 0. */
async function quitAfterOneReassign(
  s: Awaited<ReturnType<typeof sandbox>>,
  t: ReturnType<typeof onTerminal>,
  to: string,
): Promise<void> {
  await waitFor(() => s.received('PATCH').length > 0, 15_000, 'the call');
  t.child.stdin.write('q');
  t.child.stdin.end();
  expect(await t.exit).toBe(0);
  const calls = s.received('PATCH');
  expect(calls).toHaveLength(1);
  expect(JSON.parse(calls[0]!.body)).toMatchObject({ assignee_user_id: to });
}

/** bob's card on a terminal, alice and carla known by their aliases: the sandbox, the terminal and carla. */
async function bobsCard() {
  const s = await sandbox();
  const home = tempDir();
  const [alice, bob, carla] = s.store.users;
  const env = { TOPO_CONFIG_DIR: join(home, 'config') };
  for (const u of [alice!, carla!])
    expect((await topo(['alias', 'set', u.alias!, u.id], { env })).code).toBe(0);
  const t = onTerminal(s, home, 100, `tasks next -a ${bob!.id}`);
  await waitFor(() => t.written().includes('reassign'), 15_000, 'the card');
  return { s, t, carla: carla! };
}

describe('the reassign picker, typed ahead', () => {
  it('`r` and a name with its Enter pressed at once at a card reassign to that name', async () => {
    const { s, t, carla } = await bobsCard();
    t.child.stdin.write(`r${carla.alias!}\r`);
    await quitAfterOneReassign(s, t, carla.id);
  });
});

describe('IDs piped in on a terminal', () => {
  it.each([
    ['y', 0, 2],
    ['n', 130, 0],
  ])(
    'the question is asked on the terminal itself (answer %s: exit %i, %i skipped)',
    async (answer, code, skipped) => {
      const s = await sandbox();
      const home = tempDir();
      const ids = queueOf(s, s.store.users[0]!.id)
        .slice(0, 2)
        .map((t) => t.id);
      const file = join(home, 'ids.txt');
      writeFileSync(file, `${ids.join('\n')}\n`);
      const t = onTerminal(s, home, 100, `tasks skip - < ${file}`);
      await waitFor(() => t.written().includes('Skip 2 tasks?'), 15_000, 'the question');
      t.child.stdin.write(`${answer}\r`);
      expect(await t.exit).toBe(code);
      expect(s.received('POST').map((q) => q.path)).toHaveLength(skipped);
      if (skipped) expect(t.written()).toContain('2 skipped, 0 unchanged, 0 failed.');
      else expect(t.written()).toContain('cancelled: nothing was changed');
    },
  );

  it('with no terminal at all, the run needs --yes (exit 2, nothing sent)', async () => {
    const s = await sandbox();
    const ids = queueOf(s, s.store.users[0]!.id)
      .slice(0, 2)
      .map((t) => t.id);
    const r = await topo(['tasks', 'skip', '-'], { sandbox: s, input: `${ids.join('\n')}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs confirmation, but there is no terminal to ask: pass --yes/);
    expect(s.received('POST')).toHaveLength(0);
  });
});

describe('the reassign picker, Esc', () => {
  it('Esc leaves the picker for the question, nothing changed; the hint line says so', async () => {
    const s = await sandbox();
    const home = tempDir();
    const [alice, bob] = s.store.users;
    const env = { TOPO_CONFIG_DIR: join(home, 'config') };
    expect((await topo(['alias', 'set', 'alice', alice!.id], { env })).code).toBe(0);
    const t = onTerminal(s, home, 100, `tasks next -a ${bob!.id}`);
    const questions = () => t.written().split('What now?').length - 1;
    await waitFor(() => questions() === 1, 15_000, 'the card');
    t.child.stdin.write('r');
    await waitFor(() => t.written().includes('esc cancel'), 15_000, 'the picker');
    t.child.stdin.write('al');
    await waitFor(() => t.written().includes('UUID): al'), 15_000, 'typing');
    const asked = questions();
    t.child.stdin.write('\u001b');
    await waitFor(() => questions() > asked, 15_000, 'the question again');
    // The terminal reports a lone Esc once its wait for more bytes (half a second) is over: past that, q.
    await realSleep(800);
    t.child.stdin.write('q');
    t.child.stdin.end();
    expect(await t.exit).toBe(0);
    expect(s.received('PATCH')).toHaveLength(0);
    // The late escape key is not taken for a wrong key at the question.
    expect(t.written()).not.toContain('Press s, t, r, n or q');
  });
});

describe('tasks list --select', () => {
  it('ticks two tasks and skips exactly those, through the bulk course', async () => {
    const s = await sandbox();
    const before = JSON.stringify(s.store.state.tasks.filter((t) => !isOpen(t)));
    let offered: { value: string }[] = [];
    const prompter = scriptedPrompter([
      (choices: { value: string }[]) => {
        offered = choices;
        return [choices[1]!.value, choices[3]!.value];
      },
      'skip',
      true,
    ]);
    const r = await topo(['tasks', 'list', '--select', '-L', '6'], {
      sandbox: s,
      tty: true,
      deps: { prompter },
    });
    expect(r.code).toBe(0);
    expect(offered).toHaveLength(6);
    // Each line starts with the task's short ID: a narrow terminal cuts the end, never what tells them apart.
    for (const c of offered as { value: string; name: string }[])
      expect(c.name.startsWith(`${c.value.slice(0, 8)}… · `)).toBe(true);
    const ticked = [offered[1]!.value, offered[3]!.value];
    expect(prompter.asked).toEqual(['Tick the tasks to act on', 'Do what with these 2?', 'Skip 2 tasks?']);
    expect(
      s
        .received('POST')
        .map((q) => q.path)
        .sort(),
    ).toEqual(ticked.map((id) => `/v1/tasks/${id}/skip`).sort());
    for (const id of ticked) expect(s.store.get(id)!.status).toBe('SKIPPED');
    expect(JSON.stringify(s.store.state.tasks.filter((t) => !isOpen(t) && !ticked.includes(t.id)))).toBe(
      before,
    );
  });

  it('offers only what the ticked tasks’ state allows: no skip for completed tasks, no reopen for open ones', async () => {
    const s = await sandbox();
    const keysOffered: string[][] = [];
    const offer = (answer: string) => (choices: { key: string; value: string }[]) => {
      keysOffered.push(choices.map((c) => c.key));
      return answer;
    };
    const all = (choices: { value: string }[]) => choices.map((c) => c.value);
    // Ticked: the listed tasks, and for the last case a pending and a completed one.
    const done = s.store.state.tasks.find((t) => t.status === 'COMPLETED')!;
    const pending = s.store.state.tasks.find((t) => t.status === 'PENDING')!;
    const both = (choices: { value: string }[]) => {
      const ids = choices.map((c) => c.value).filter((id) => id === done.id || id === pending.id);
      expect(ids).toHaveLength(2);
      return ids;
    };
    for (const [status, answer] of [
      ['completed', 'reopen'],
      ['open', 'nothing'],
      ['pending', 'nothing'],
      ['skipped', 'nothing'],
      // Pending and completed ticked together: neither skip nor reopen suits both.
      ['all', 'nothing'],
    ] as const) {
      const mixed = status === 'all';
      const prompter = scriptedPrompter([mixed ? both : all, offer(answer), true]);
      const r = await topo(['tasks', 'list', '--select', '-s', status, '-L', mixed ? '1000' : '3'], {
        sandbox: s,
        tty: true,
        deps: { prompter },
      });
      expect(r.code, r.stderr).toBe(0);
    }
    // Nor what would change nothing: no reopen for pending tasks, no skip for skipped ones.
    expect(keysOffered).toEqual([
      ['o', 'r', 'q'],
      ['s', 'r', 'q'],
      ['s', 'r', 'q'],
      ['o', 'r', 'q'],
      ['r', 'q'],
    ]);
    expect(s.received('POST').filter((q) => q.path.endsWith('/skip'))).toHaveLength(0);
    expect(s.received('POST').filter((q) => q.path.endsWith('/reopen'))).toHaveLength(3);
  });

  it('without a terminal it is a usage error, exit 2, before any request', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--select'], { sandbox: s });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --select needs a terminal/);
    expect(s.requests).toHaveLength(0);
  });
});

/**
 * Runs `tasks watch` until it has polled `startPolls` times, makes the changes, lets it poll a few times more,
 * then presses Ctrl-C: its result and the IDs it printed.
 */
async function watchAround(s: Sandbox, args: string[], startPolls: number, change: () => void) {
  const ctrlC = interrupts();
  const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
  const watching = topo(['tasks', 'watch', ...args, '--interval', '5'], {
    sandbox: s,
    deps: { interrupts: ctrlC.registry },
    timeoutMs: 20_000,
  });
  await waitFor(() => polls() >= startPolls, 10_000, 'the start and a few polls');
  change();
  const after = polls();
  await waitFor(() => polls() >= after + 6, 10_000, 'polls after the changes');
  ctrlC.press();
  const r = await watching;
  const ids = r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]);
  return { r, ids };
}

describe('tasks watch', () => {
  it('prints each new task once as it arrives, rides out 503s and a dropped connection, ends quietly on Ctrl-C', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const ctrlC = interrupts();
    const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
    const watching = topo(['tasks', 'watch', '-a', alice, '--interval', '5'], {
      sandbox: s,
      deps: { interrupts: ctrlC.registry },
      timeoutMs: 20_000,
    });
    await waitFor(() => polls() >= 6, 10_000, 'a few polls');
    const first = s.store.createTask({ assignee_user_id: alice, type: 'CALL' });
    s.store.createTask({ assignee_user_id: s.store.users[1]!.id });
    await waitFor(() => polls() >= 16, 10_000, 'more polls');
    // The API goes away for a while: 503s, then a dropped connection.
    s.injectFault({ method: 'GET', path: '^/v1/tasks$', status: 503, times: 12 });
    s.injectFault({ method: 'GET', path: '^/v1/tasks$', reset: 'before', times: 6 });
    await waitFor(
      () => s.received('GET').filter((q) => q.status === 503 || q.status === -1).length >= 18,
      10_000,
      'the outage',
    );
    const second = s.store.createTask({ assignee_user_id: alice, priority: 'HOT' });
    await waitFor(() => polls() >= 40, 10_000, 'polls after the outage');
    ctrlC.press();
    const r = await watching;
    expect(r.code).toBe(130);
    const ids = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]);
    expect(ids).toEqual([first.id, second.id]);
    const lost = r.stderr.split('\n').filter((l) => l.startsWith('Lost contact'));
    expect(lost).toHaveLength(1);
    expect(r.stderr).toContain('Back in contact with the API.');
    expect(r.stderr).not.toContain('error:');
  });

  it('prints a task that comes to the person watched (reassigned to them, reopened), not one of theirs that changes', async () => {
    const s = await sandbox();
    const [alice, bob] = s.store.users;
    const bobs = queueOf(s, bob!.id)[0]!;
    const skipped = s.store.state.tasks.find(
      (t) => t.status === 'SKIPPED' && t.assignee_user_id === alice!.id,
    )!;
    const own = queueOf(s, alice!.id)[0]!;
    let created: Task | undefined;
    const { r, ids } = await watchAround(s, ['-a', alice!.id], 6, () => {
      // One of alice's open tasks changes (an edit the API made): still hers, not new to her queue.
      own.updated_at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      expect(s.store.reassign(bobs.id, alice!.id, 'TASK').ok).toBe(true);
      expect(s.store.reopen(skipped.id).ok).toBe(true);
      created = s.store.createTask({ assignee_user_id: alice!.id });
    });
    expect(r.code).toBe(130);
    expect([...ids].sort()).toEqual([bobs.id, skipped.id, created!.id].sort());
  });

  it('the age of a row is from when it is drawn: a task that comes hours into the watch is just now', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    let offset = 0;
    const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
    const watching = topo(['tasks', 'watch', '-a', alice, '--interval', '5', '--count', '1'], {
      sandbox: s,
      tty: true,
      columns: 120,
      deps: { now: () => Date.now() + offset },
    });
    await waitFor(() => polls() >= 6, 10_000, 'a few polls');
    // Two hours later, by the clocks of both.
    offset = 2 * 3600_000;
    const t = s.store.createTask({ assignee_user_id: alice });
    t.created_at = t.updated_at = new Date(Date.now() + offset).toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await watching;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')[1]).toMatch(/ {2}just now$/);
  });

  it('with more tasks matching than it remembers, only created tasks are new, and it says so', async () => {
    const s = await sandbox({ tasks: 5_000 });
    let created: Task | undefined;
    const { r, ids } = await watchAround(s, ['-p', 'hot,today,extra'], 50, () => {
      const skipped = s.store.state.tasks.find((t) => t.status === 'SKIPPED')!;
      expect(s.store.reopen(skipped.id).ok).toBe(true);
      created = s.store.createTask({ assignee_user_id: s.store.users[1]!.id });
    });
    expect(r.code).toBe(130);
    // The reopened task is not shown: only the created one.
    expect(ids).toEqual([created!.id]);
    expect(r.stderr).toContain('note: more than 2,000 tasks match: only tasks created from now on are shown');
  });

  it.each([
    [100, []],
    [80, []],
    [100, ['-a', 'alice']],
  ])(
    'on a terminal of %i columns (%j): rows fit the header, the age and the alias stay whole',
    async (columns, flags) => {
      const s = await sandbox();
      const env = { TOPO_CONFIG_DIR: join(tempDir(), 'config') };
      const alice = s.store.users[0]!.id;
      await topo(['alias', 'set', 'alice', alice], { sandbox: s, env });
      const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
      const watching = topo(['tasks', 'watch', ...flags, '--interval', '5', '--count', '1'], {
        sandbox: s,
        env,
        tty: true,
        columns,
      });
      await waitFor(() => polls() >= 6, 10_000, 'a few polls');
      const t = s.store.createTask({
        assignee_user_id: alice,
        type: 'NEW_LEAD_REVIEW',
        status: 'IN_PROGRESS',
      });
      const r = await watching;
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('Watching for new tasks every 5 s (Ctrl-C to stop)…\n');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      const [head, row] = lines as [string, string];
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(columns);
      // The widths were fixed before any task came, for any task: the age is whole under its header.
      expect(head).toMatch(/ {2}CREATED$/);
      expect(row).toMatch(/ {2}just now$/);
      expect(row.indexOf('just now')).toBe(head.indexOf('CREATED'));
      expect(row).toMatch(/ {2}in progress {2}/);
      if (columns >= 100) expect(row.startsWith(`${t.id}  `)).toBe(true);
      if (flags.length) {
        // One person's tasks: ASSIGNEE left out, as in tasks list.
        expect(head).toMatch(/^ID {36}TYPE +PRIORITY +STATUS +CONTACT +CREATED$/);
      } else {
        expect(row).toMatch(/ {2}alice {2}/);
        if (columns >= 100)
          expect(head).toMatch(/^ID {36}TYPE +PRIO(RITY|…) +STATUS +ASSIG(NEE|…) +CONTACT +CREATED$/);
      }
    },
  );

  it('--json prints one object per line; --count stops after that many', async () => {
    const s = await sandbox();
    const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
    const watching = topo(['tasks', 'watch', '--interval', '5', '--count', '1', '--json', 'id,type'], {
      sandbox: s,
    });
    await waitFor(() => polls() >= 6, 10_000, 'a few polls');
    const t = s.store.createTask({ type: 'LINKEDIN_REPLY' });
    const r = await watching;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${JSON.stringify({ id: t.id, type: 'LINKEDIN_REPLY' })}\n`);
  });

  it('--exec runs the program for each new task: the JSON on stdin, TOPO_TASK_ID set, no shell', async () => {
    const s = await sandbox();
    const out = join(tempDir(), 'got.txt');
    const script = `let d='';process.stdin.on('data',c=>d+=c).on('end',()=>require('fs').appendFileSync(${JSON.stringify(out)},process.env.TOPO_TASK_ID+' '+process.argv[1]+' '+d))`;
    const { r, task: t } = await execForOne(s, script, {
      args: ['$HOME;x'],
      make: () => s.store.createTask({}),
    });
    expect(r.code).toBe(0);
    const [id, arg, ...json] = readFileSync(out, 'utf8').split(' ');
    expect(id).toBe(t.id);
    expect(arg).toBe('$HOME;x');
    expect(JSON.parse(json.join(' '))).toEqual(t);
  });

  it('on a 60-column terminal a new row keeps its priority whole, as tasks list does', async () => {
    const s = await sandbox();
    const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
    const watching = topo(['tasks', 'watch', '--interval', '5', '--count', '1'], {
      sandbox: s,
      tty: true,
      columns: 60,
    });
    await waitFor(() => polls() >= 6, 10_000, 'a few polls');
    s.store.createTask({ priority: 'TODAY', assignee_user_id: s.store.users[1]!.id });
    const r = await watching;
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/ PRIO… /);
    expect(row).toMatch(/ TODAY /);
    for (const line of [header!, row!]) expect(displayWidth(line)).toBeLessThanOrEqual(60);
  });

  it("--exec's standard input is the JSON --json prints: C1 controls escaped", async () => {
    const s = await sandbox();
    const out = join(tempDir(), 'got.json');
    const script = `let d='';process.stdin.setEncoding('latin1').on('data',c=>d+=c).on('end',()=>require('fs').writeFileSync(${JSON.stringify(out)},d,'latin1'))`;
    const { r, task: t } = await execForOne(s, script, {
      make: () => s.store.createTask({ type: 'CALL\u009b31m\u001b]0;x\u0007' }),
    });
    expect(r.code).toBe(0);
    const raw = readFileSync(out, 'latin1');
    // eslint-disable-next-line no-control-regex
    expect(raw).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(JSON.parse(Buffer.from(raw, 'latin1').toString('utf8'))).toEqual(t);

    // With --json fields, the program gets those fields only, as --json prints them.
    const picked = join(tempDir(), 'picked.json');
    const copy = `let d='';process.stdin.on('data',c=>d+=c).on('end',()=>require('fs').writeFileSync(${JSON.stringify(picked)},d))`;
    const fields = await execForOne(s, copy, {
      flags: ['--json', 'id,type'],
      make: () => s.store.createTask({ type: 'CALL' }),
    });
    expect(fields.r.code).toBe(0);
    expect(JSON.parse(readFileSync(picked, 'utf8'))).toEqual({ id: fields.task.id, type: 'CALL' });
  });

  it('an outage from the start (the first reads) is ridden out like a later one', async () => {
    const s = await sandbox();
    s.injectFault({ method: 'GET', path: '^/v1/tasks$', status: 503, times: 12 });
    const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
    const watching = topo(['tasks', 'watch', '--interval', '5', '--count', '1'], { sandbox: s });
    await waitFor(() => polls() >= 20, 10_000, 'the outage and a few polls');
    const t = s.store.createTask({});
    const r = await watching;
    expect(r.code).toBe(0);
    expect(r.stdout.split('\t')[0]).toBe(t.id);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Lost contact with the API'))).toHaveLength(1);
    expect(r.stderr).toContain('Back in contact with the API.');
  });

  it('rejects an interval under 5 s or over a day and stray arguments, before any request', async () => {
    const s = await sandbox();
    const fast = await topo(['tasks', 'watch', '--interval', '1'], { sandbox: s });
    expect(fast.code).toBe(2);
    expect(fast.stderr).toBe('error: --interval: between 5 and 86400 seconds (a day), got 1\n');
    // Beyond what a timer can wait: refused, not turned into a busy loop.
    const slow = await topo(['tasks', 'watch', '--interval', '99999999'], { sandbox: s });
    expect(slow.code).toBe(2);
    expect(slow.stderr).toBe('error: --interval: between 5 and 86400 seconds (a day), got 99999999\n');
    const day = await topo(['tasks', 'watch', '--interval', '25h'], { sandbox: s });
    expect(day.stderr).toBe('error: --interval: between 5 and 86400 seconds (a day), got 25h\n');
    // Days are a unit too (1d is the longest wait).
    const days = await topo(['tasks', 'watch', '--interval', '2d'], { sandbox: s });
    expect(days.stderr).toBe('error: --interval: between 5 and 86400 seconds (a day), got 2d\n');
    const unit = await topo(['tasks', 'watch', '--interval', '2x'], { sandbox: s });
    expect([unit.code, unit.stderr]).toEqual([
      2,
      "error: --interval: '2x' is not a time such as 30 (seconds), 90s, 5m, 1h or 1d\n",
    ]);
    const stray = await topo(['tasks', 'watch', 'oops'], { sandbox: s });
    expect(stray.code).toBe(2);
    expect(s.requests).toHaveLength(0);
    // A program that cannot run is said before the first request, not when the first task comes.
    for (const [program, why] of [
      ['/nonexistent/notify', 'not an executable file'],
      ['no-such-program-here', 'not found on PATH'],
    ] as const) {
      const r = await topo(['tasks', 'watch', '--exec', program], { sandbox: s });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: --exec: cannot run '${program}': ${why}\n`);
    }
    expect(s.requests).toHaveLength(0);
    // With a unit: 2m is 120 s between polls.
    const waits: number[] = [];
    const watching = topo(['tasks', 'watch', '--interval', '2m', '--count', '1', '--json', 'id'], {
      sandbox: s,
      deps: { sleep: (ms: number) => (waits.push(ms), fastSleep(ms)) },
    });
    await waitFor(() => waits.length >= 1, 10_000, 'the first poll');
    const t = s.store.createTask({});
    expect((await watching).stdout).toBe(`${JSON.stringify({ id: t.id })}\n`);
    expect(waits[0]).toBe(120_000);
  });
});

describe('tasks watch --sandbox', () => {
  it('says how to see tasks arrive, and shows the one `topo sandbox --new-task` makes in another process', async () => {
    const env = { TOPO_DATA_DIR: join(tempDir(), 'data'), TOPO_CONFIG_DIR: join(tempDir(), 'config') };
    let slept = 0;
    const watching = topo(
      ['--sandbox', 'tasks', 'watch', '--interval', '5', '--count', '1', '--json', 'id'],
      {
        key: null,
        env,
        deps: {
          sleep: (ms: number) => {
            slept++;
            return fastSleep(ms);
          },
        },
      },
    );
    await waitFor(() => slept >= 1, 10_000, 'the first poll');
    // another process: `topo sandbox --new-task` writes the data file the watching sandbox reads
    const made = await topo(['sandbox', '--new-task', 'bob'], { key: null, env });
    expect(made.code, made.stderr).toBe(0);
    const r = await watching;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${JSON.stringify({ id: made.stdout.trim() })}\n`);
    expect(r.stderr).toBe(
      "note: nothing adds tasks to the --sandbox workspace by itself; to see one arrive, run 'topo sandbox --new-task <rep>' in another shell\n",
    );
  });
});

describe('everyday gaps', () => {
  it('-a none and --unassigned list the tasks nobody holds', async () => {
    const s = await sandbox();
    const expected = s.store.state.tasks
      .filter((t) => isOpen(t) && t.assignee_user_id === null)
      .sort((a, b) =>
        a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1,
      );
    expect(expected.length).toBeGreaterThan(2);
    for (const flags of [['-a', 'none'], ['--unassigned']]) {
      const r = await topo(['tasks', 'list', ...flags, '--all'], { sandbox: s });
      expect(r.code).toBe(0);
      expect(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => l.split('\t')[0]),
      ).toEqual(expected.map((t) => t.id));
    }
    const limited = await topo(['tasks', 'list', '-a', 'none', '-L', '2'], {
      sandbox: s,
      tty: true,
      columns: 200,
    });
    expect(limited.stderr).toContain('Showing 2 unassigned open tasks');
    const bad = await topo(['alias', 'set', 'none', s.store.users[0]!.id], { sandbox: s });
    expect(bad.code).toBe(2);
  });

  it('--updated-after walks newest-updated first and stops at the bound', async () => {
    const s = await sandbox();
    const skipped = s.store.state.tasks.filter(isOpen).slice(0, 3);
    for (const t of skipped) s.store.skip(t.id);
    const r = await topo(['tasks', 'list', '-s', 'skipped', '--updated-after', '1h', '--all'], {
      sandbox: s,
    });
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0])
        .sort(),
    ).toEqual(skipped.map((t) => t.id).sort());
    // It stopped at the first page: not every skipped task was walked.
    const pages = s.received('GET', /^\/v1\/tasks$/);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.params).toContainEqual(['sort_by', 'updated_at']);
    expect(pages[0]!.params).toContainEqual(['sort_order', 'desc']);
    const clash = await topo(['tasks', 'list', '--updated-after', '1d', '--order', 'asc'], { sandbox: s });
    expect(clash.code).toBe(2);
    const table = await topo(['tasks', 'list', '--sort', 'updated', '-L', '3'], {
      sandbox: s,
      tty: true,
      columns: 200,
    });
    expect(table.stdout.split('\n')[0]).toMatch(/ UPDATED$/);
  });

  it('alias set me --from-task names the assignee of a task you hold', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    const t = s.store.state.tasks.find((x) => x.assignee_user_id)!;
    const r = await topo(['alias', 'set', 'me', '--from-task', t.id], { sandbox: s, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`✓ me → ${t.assignee_user_id} (the assignee of task ${t.id})\n`);
    const list = await topo(['alias', 'list', '--json'], { sandbox: s, env });
    expect(JSON.parse(list.stdout)).toEqual({ me: t.assignee_user_id });
    const nobody = s.store.state.tasks.find((x) => !x.assignee_user_id)!;
    const unassigned = await topo(['alias', 'set', 'me', '--from-task', nobody.id], { sandbox: s, env });
    expect(unassigned.code).toBe(2);
    expect(unassigned.stderr).toContain('is unassigned');
  });

  it('Ctrl-C while the thread is in the pager is the pager’s: topo waits for it to end, then ends as usual', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => s.store.thread(x).length >= 3)!;
    const home = tempDir();
    const started = join(home, 'started');
    const release = join(home, 'release');
    // A pager that, as less does, stays on Ctrl-C, and ends when the test lets it.
    const pager = join(home, 'pager.cjs');
    writeFileSync(
      pager,
      `const fs = require('fs');
process.on('SIGINT', () => {});
process.stdin.resume();
process.stdin.on('end', () => {
  fs.writeFileSync(${JSON.stringify(started)}, '');
  const poll = setInterval(() => fs.existsSync(${JSON.stringify(release)}) && process.exit(0), 20);
});
`,
    );
    const run = onTerminal(s, home, 80, `tasks thread ${t.id}`, {
      TOPO_PAGER: `${process.execPath} ${pager}`,
    });
    await waitFor(() => existsSync(started), 60_000, 'the pager');
    // Ctrl-C reaches topo (the terminal sends it to the pager too, which stays).
    spawnSync('pkill', ['-INT', '-P', String(run.child.pid)]);
    writeFileSync(release, '');
    // topo was still there to see the pager end: it ends as a command that was read to the end does.
    expect(await run.exit).toBe(0);
  });

  it('a long thread goes through the pager on a terminal; never when piped, nor with --no-pager', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => s.store.thread(x).length >= 3)!;
    const env = {
      TOPO_PAGER: `${process.execPath} -e process.stdin.on('data',d=>process.stdout.write(String(d).toUpperCase()))`,
    };
    const paged = await topo(['tasks', 'thread', t.id], { sandbox: s, tty: true, env });
    expect(paged.stdout).toContain('→ OUTBOUND');
    const plain = await topo(['tasks', 'thread', t.id, '--no-pager'], { sandbox: s, tty: true, env });
    expect(plain.stdout).toContain('→ outbound');
    const piped = await topo(['tasks', 'thread', t.id], { sandbox: s, env });
    expect(piped.stdout).toMatch(/^--- outbound|^--- inbound/);
    // A pager that fails or cannot start does not swallow the thread.
    for (const [pager, why] of [
      ['false', 'failed (exit 1)'],
      ['/nonexistent/pager', 'could not start'],
    ]) {
      const broken = await topo(['tasks', 'thread', t.id], {
        sandbox: s,
        tty: true,
        env: { TOPO_PAGER: pager },
      });
      expect(broken.code).toBe(0);
      expect(broken.stdout).toContain('→ outbound');
      expect(broken.stderr).toBe(`warning: the pager '${pager}' ${why}; printing directly\n`);
    }
  });
});

/**
 * `tasks watch --count 1 --exec node -e <script> [args]` in-process, with a task made by `make` once the watch
 * has polled a few times: its result and the task.
 */
async function execForOne(
  s: Sandbox,
  script: string,
  o: { flags?: string[]; args?: string[]; make: () => Task },
): Promise<{ r: Awaited<ReturnType<typeof topo>>; task: Task }> {
  const polls = () => s.received('GET', /^\/v1\/tasks$/).length;
  const before = polls();
  const watching = topo(
    [
      ...['tasks', 'watch', '--interval', '5', '--count', '1', ...(o.flags ?? [])],
      ...['--exec', process.execPath, '--', '-e', script, ...(o.args ?? [])],
    ],
    { sandbox: s },
  );
  await waitFor(() => polls() >= before + 6, 10_000, 'a few polls');
  const task = o.make();
  return { r: await watching, task };
}
