import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { memoryIO, sandbox, scriptedPrompter, tempDir } from '../helpers.js';

/** A person who answers every yes/no question with `answer` and types `typed` wherever asked to. */
function terminal(answer: boolean, typed = '') {
  const scripted = scriptedPrompter([]);
  const prompter = {
    ...scripted,
    confirm: async (message: string) => (scripted.asked.push(message), answer),
    input: async (message: string) => (scripted.asked.push(message), typed),
  };
  const { io, err } = memoryIO({ tty: true, columns: 120 });
  return { io, prompter, asked: scripted.asked, err };
}

describe('confirmation on a terminal', () => {
  it('asks before skipping several tasks; yes goes ahead', async () => {
    const s = await sandbox();
    const ids = s.store.state.tasks
      .filter((t) => t.status === 'PENDING')
      .slice(0, 3)
      .map((t) => t.id);
    const t = terminal(true);
    const env = {
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      TOPO_CONFIG_DIR: tempDir(),
      NO_COLOR: '1',
    };
    const code = await main(['tasks', 'skip', ...ids], t.io, env, { prompter: t.prompter });
    expect(code).toBe(0);
    expect(t.asked).toEqual(['Skip 3 tasks?']);
    for (const id of ids) expect(s.store.get(id)!.status).toBe('SKIPPED');
    for (const id of ids) expect(t.err()).toMatch(new RegExp(`^✓ skipped ${id} \\w+ \\w+$`, 'm'));
  });

  it('declining changes nothing and exits 130', async () => {
    const s = await sandbox();
    const ids = s.store.state.tasks
      .filter((t) => t.status === 'PENDING')
      .slice(0, 2)
      .map((t) => t.id);
    const t = terminal(false);
    const env = { TOPO_API_URL: s.url, TOPO_API_KEY: 'topo_sandbox_rw', TOPO_CONFIG_DIR: tempDir() };
    const code = await main(['tasks', 'skip', ...ids], t.io, env, { prompter: t.prompter });
    expect(code).toBe(130);
    expect(t.err()).toContain('error: cancelled: nothing was changed');
    expect(s.received('POST')).toHaveLength(0);
  });

  it('does not ask for a single task', async () => {
    const s = await sandbox();
    const id = s.store.state.tasks.find((t) => t.status === 'PENDING')!.id;
    const t = terminal(false);
    const env = { TOPO_API_URL: s.url, TOPO_API_KEY: 'topo_sandbox_rw', TOPO_CONFIG_DIR: tempDir() };
    expect(await main(['tasks', 'skip', id], t.io, env, { prompter: t.prompter })).toBe(0);
    expect(t.asked).toEqual([]);
  });

  it('asks before moving a sequence run, naming the count, the run and the new assignee', async () => {
    const s = await sandbox();
    const run = [...new Set(s.store.state.tasks.map((t) => t.sequence_id))].find(
      (id) =>
        s.store.sequence(id).filter((t) => t.status === 'PENDING' || t.status === 'IN_PROGRESS').length >= 2,
    )!;
    const open = s.store.sequence(run).filter((t) => t.status === 'PENDING' || t.status === 'IN_PROGRESS');
    const home = tempDir();
    const to = s.store.users.find((u) => !open.some((t) => t.assignee_user_id === u.id))!;
    const env = {
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      TOPO_CONFIG_DIR: home,
      NO_COLOR: '1',
    };
    const setup = terminal(true);
    await main(['alias', 'set', 'newrep', to.id], setup.io, env);
    const no = terminal(false);
    expect(
      await main(['tasks', 'reassign', open[0]!.id, '--to', 'newrep', '--scope', 'sequence'], no.io, env, {
        prompter: no.prompter,
      }),
    ).toBe(130);
    expect(no.asked).toEqual([`Reassign these ${open.length} open tasks of sequence run ${run} to newrep?`]);
    expect(s.received('PATCH')).toHaveLength(0);
    const yes = terminal(true);
    expect(
      await main(['tasks', 'reassign', open[0]!.id, '--to', 'newrep', '--scope', 'sequence'], yes.io, env, {
        prompter: yes.prompter,
      }),
    ).toBe(0);
    for (const t of open) expect(s.store.get(t.id)!.assignee_user_id).toBe(to.id);
    expect(yes.err()).toContain(`✓ reassigned`);
  });

  it('offboarding asks to type the number of tasks; a wrong number cancels with nothing changed', async () => {
    const s = await sandbox();
    const [alice, bob] = s.store.users;
    const count = s.store.state.tasks.filter(
      (t) => t.assignee_user_id === alice!.id && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
    ).length;
    const env = {
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      TOPO_CONFIG_DIR: tempDir(),
      TOPO_STATE_DIR: tempDir(),
      NO_COLOR: '1',
    };
    const wrong = terminal(true, String(count + 1));
    expect(
      await main(['tasks', 'reassign', '--from', alice!.id, '--to', bob!.id], wrong.io, env, {
        prompter: wrong.prompter,
      }),
    ).toBe(130);
    expect(wrong.asked).toEqual([`Move ${count} tasks from ${alice!.id}? Type ${count} to confirm:`]);
    expect(s.received('PATCH')).toHaveLength(0);
    const right = terminal(true, String(count));
    expect(
      await main(['tasks', 'reassign', '--from', alice!.id, '--to', bob!.id], right.io, env, {
        prompter: right.prompter,
      }),
    ).toBe(0);
    expect(
      s.store.state.tasks.filter(
        (t) => t.assignee_user_id === alice!.id && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
      ),
    ).toHaveLength(0);
  });
});
