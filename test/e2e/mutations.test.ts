import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { sandbox, topo } from '../helpers.js';

const byStatus = (s: Sandbox, status: string, n = 1): Task[] =>
  s.store.state.tasks.filter((t) => t.status === status).slice(0, n);
const snapshot = (s: Sandbox) => JSON.stringify(s.store.state.tasks);

describe('tasks skip / reopen', () => {
  it('skips one task without asking and prints its id when piped', async () => {
    const s = await sandbox();
    const [t] = byStatus(s, 'PENDING');
    const r = await topo(['tasks', 'skip', t!.id], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${t!.id}\n`);
    expect(r.stderr).toBe('');
    // Read first, so a task already skipped is reported truly and nothing is sent for it.
    expect(s.requests.map((q) => `${q.method} ${q.path} ${q.body}`)).toEqual([
      `GET /v1/tasks/${t!.id} `,
      `POST /v1/tasks/${t!.id}/skip `,
    ]);
    expect(s.store.get(t!.id)!.status).toBe('SKIPPED');
  });

  it('every preview takes the same output flags: skip and reopen --dry-run --csv print the preview as CSV', async () => {
    const s = await sandbox();
    const [pending] = byStatus(s, 'PENDING');
    const [done] = byStatus(s, 'COMPLETED');
    const before = snapshot(s);
    const skip = await topo(['tasks', 'skip', pending!.id, done!.id, '--dry-run', '--csv'], { sandbox: s });
    expect(skip.stderr).toBe(
      'Dry run: 1 would change, 1 would fail; nothing was changed.\nerror: 1 of 2 tasks would fail (the state forbids it); nothing was changed\n',
    );
    expect(skip.code).toBe(6);
    const rows = skip.stdout.split('\r\n');
    expect(rows[0]).toBe('id,result,type,priority,status,assignee_user_id,sequence_id,target');
    expect(rows[1]).toMatch(new RegExp(`^${pending!.id},would_change,.*,SKIPPED$`));
    expect(rows[2]).toMatch(new RegExp(`^${done!.id},would_fail,`));
    const reopen = await topo(['tasks', 'reopen', done!.id, '--dry-run', '--csv'], { sandbox: s });
    expect(reopen.code).toBe(0);
    expect(reopen.stdout.split('\r\n')[1]).toMatch(new RegExp(`^${done!.id},would_change,.*,PENDING$`));
    expect(snapshot(s)).toBe(before);
    // A run that changes tasks prints their IDs, never CSV: --csv alone is refused before anything is sent.
    s.requests.length = 0;
    const run = await topo(['tasks', 'skip', pending!.id, '--csv'], { sandbox: s });
    expect(run.stderr).toBe("error: --csv prints a dry run's preview: add --dry-run\n");
    expect(run.code).toBe(2);
    expect(s.requests).toHaveLength(0);
  });

  it('reads IDs from stdin with -, removes duplicates, and needs --yes for several', async () => {
    const s = await sandbox();
    const tasks = [...byStatus(s, 'PENDING', 2), ...byStatus(s, 'IN_PROGRESS', 1)];
    const input = `${tasks[0]!.id}\n${tasks[1]!.id} ${tasks[2]!.id}\n${tasks[0]!.id.toUpperCase()}\n`;
    const refused = await topo(['tasks', 'skip', '-'], { sandbox: s, input });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'error: skip of 3 tasks needs confirmation, but there is no terminal to ask: pass --yes (or --dry-run to preview)\n',
    );
    expect(s.requests).toHaveLength(0);
    const r = await topo(['tasks', 'skip', '-', '--yes'], { sandbox: s, input });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(r.stderr).toBe('3 skipped, 0 unchanged, 0 failed.\n');
    expect(s.received('POST')).toHaveLength(3);
    for (const t of tasks) expect(s.store.get(t.id)!.status).toBe('SKIPPED');
  });

  it("'-' reads the IDs of topo's own output in any format: piped, --csv, --json, a JSON object a line", async () => {
    const s = await sandbox();
    const ids = byStatus(s, 'PENDING', 2).map((t) => t.id);
    for (const format of [[], ['--csv'], ['--json'], ['--json', 'id,type']]) {
      const listed = await topo(['tasks', 'list', '-s', 'pending', '-L', '2', ...format], { sandbox: s });
      const r = await topo(['tasks', 'skip', '-', '--dry-run', '--json', 'id'], {
        sandbox: s,
        input: listed.stdout,
      });
      expect(r.code, `${format.join(' ')}: ${r.stderr}`).toBe(0);
      expect((JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id)).toHaveLength(2);
    }
    const lines = ids.map((id) => JSON.stringify({ id, type: 'CALL' })).join('\n');
    const watched = await topo(['tasks', 'skip', '-', '--dry-run', '--json', 'id'], {
      sandbox: s,
      input: lines,
    });
    expect((JSON.parse(watched.stdout) as { id: string }[]).map((x) => x.id)).toEqual(ids);
    expect(s.received('POST')).toHaveLength(0);
  });

  it('reports a task already in the requested state as unchanged, exit 0', async () => {
    const s = await sandbox();
    const [t] = byStatus(s, 'SKIPPED');
    const before = snapshot(s);
    const r = await topo(['tasks', 'skip', t!.id, '--json'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ id: t!.id, result: 'unchanged', task: t, error: null }]);
    expect(snapshot(s)).toBe(before);
    const [p] = byStatus(s, 'PENDING');
    const reopen = await topo(['tasks', 'reopen', p!.id], { sandbox: s });
    expect(reopen.code).toBe(0);
    expect(reopen.stdout).toBe('');
  });

  it('on a terminal, a task left as it was says why in the words of the change', async () => {
    const s = await sandbox();
    const [t] = byStatus(s, 'SKIPPED');
    const skip = await topo(['tasks', 'skip', t!.id], { sandbox: s, tty: true });
    expect(skip.stderr).toMatch(new RegExp(`^• ${t!.id} \\S.* already skipped\n$`));
    const [p] = byStatus(s, 'PENDING');
    const owner = s.store.users.find((u) => u.id === p!.assignee_user_id)!;
    const reassign = await topo(['tasks', 'reassign', p!.id, '--to', owner.id], { sandbox: s, tty: true });
    expect(reassign.code).toBe(0);
    expect(reassign.stderr).toMatch(new RegExp(`^• ${p!.id} \\S.* already with ${owner.id}\n$`));
    expect(s.received('PATCH')).toHaveLength(0);
  });

  it('fails a refused task with the API reason (exit 5 for one task)', async () => {
    const s = await sandbox();
    const [t] = byStatus(s, 'COMPLETED');
    const tty = await topo(['tasks', 'skip', t!.id], { sandbox: s, tty: true });
    // One task: the error line alone, not a result line too.
    expect(tty.stderr.trimEnd().split('\n')).toHaveLength(1);
    const r = await topo(['tasks', 'skip', t!.id], { sandbox: s });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: task ${t!.id} was not skipped: Task is COMPLETED and cannot be skipped; only PENDING or IN_PROGRESS tasks can be skipped \\(BusinessIssue, request req_\\w+\\)\\n$`,
      ),
    );
    expect(s.store.get(t!.id)!.status).toBe('COMPLETED');
  });

  it('continues past failures and exits 6 on a partial failure, with a summary', async () => {
    const s = await sandbox();
    const [open] = byStatus(s, 'PENDING');
    const [done] = byStatus(s, 'COMPLETED');
    const [gone] = ['00000000-0000-4000-8000-000000000000'];
    const r = await topo(['tasks', 'skip', done!.id, open!.id, gone!, '--yes', '--json'], { sandbox: s });
    expect(r.code).toBe(6);
    const results = JSON.parse(r.stdout) as {
      id: string;
      result: string;
      error: { type: string; request_id: string } | null;
    }[];
    expect(results.map((x) => [x.id, x.result])).toEqual([
      [done!.id, 'failed'],
      [open!.id, 'changed'],
      [gone!, 'failed'],
    ]);
    expect(results[0]!.error!.type).toBe('BusinessIssue');
    expect(results[0]!.error!.request_id).toMatch(/^req_/);
    expect(results[2]!.error!.type).toBe('NotFoundIssue');
    expect(r.stderr).toContain('1 skipped, 0 unchanged, 2 failed.');
    // Neither a 404 nor a refused state is fixed by running again: no such advice.
    expect(r.stderr).toContain('"message":"2 of 3 tasks failed"');
  });

  it('stops at the first 401/403 with exit 4 instead of trying every task', async () => {
    const s = await sandbox();
    const tasks = byStatus(s, 'PENDING', 12);
    const before = snapshot(s);
    const r = await topo(['tasks', 'skip', ...tasks.map((t) => t.id), '--yes', '--concurrency', '2'], {
      sandbox: s,
      key: 'topo_sandbox_ro',
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("lacks the 'tasks:write' scope");
    // The one call made was refused: that task failed; the others were not attempted.
    expect(r.stderr).toMatch(/0 skipped, 0 unchanged, 1 failed, 11 not attempted\./);
    expect(s.received('POST')).toHaveLength(1);
    expect(snapshot(s)).toBe(before);
    // One task: just the reason, no tally of one.
    const one = await topo(['tasks', 'skip', tasks[0]!.id], { sandbox: s, key: 'topo_sandbox_ro' });
    expect(one.code).toBe(4);
    expect(one.stderr).toMatch(
      /^error: This API key lacks the 'tasks:write' scope; nothing was changed \(UnauthorizedIssue, request req_\w+\)\n$/,
    );
  });

  it('--json lists every task after a refusal that stops the run: the refused one failed, the rest not attempted', async () => {
    const s = await sandbox();
    const pending = byStatus(s, 'PENDING', 3);
    const skipped = byStatus(s, 'SKIPPED', 3);
    const runs: [string[], string[]][] = [
      [['tasks', 'skip'], pending.map((t) => t.id)],
      [['tasks', 'reopen'], skipped.map((t) => t.id)],
      [
        [
          'tasks',
          'reassign',
          '--to',
          s.store.users.find((u) => pending.every((t) => t.assignee_user_id !== u.id))!.id,
        ],
        pending.map((t) => t.id),
      ],
    ];
    for (const [command, ids] of runs) {
      s.requests.length = 0;
      const r = await topo([...command, ...ids, '--yes', '--json'], { sandbox: s, key: 'topo_sandbox_ro' });
      expect(r.code, command.join(' ')).toBe(4);
      const results = JSON.parse(r.stdout) as {
        id: string;
        result: string;
        task: unknown;
        error: { status: number; type: string; request_id: string } | null;
      }[];
      expect(results.map((x) => [x.id, x.result])).toEqual([
        [ids[0], 'failed'],
        [ids[1], 'not_attempted'],
        [ids[2], 'not_attempted'],
      ]);
      expect(results[0]!.error).toMatchObject({ status: 403, type: 'UnauthorizedIssue' });
      expect(results[0]!.error!.request_id).toMatch(/^req_/);
      expect(results[1]!.error).toBeNull();
      expect(results[1]!.task).toMatchObject({ id: ids[1] });
      expect(r.stderr).toMatch(/, 0 unchanged, 1 failed, 2 not attempted\.\n/);
      expect(s.requests.filter((q) => q.method !== 'GET')).toHaveLength(1);
    }
  });

  it('--dry-run shows what would change and why, and changes nothing', async () => {
    const s = await sandbox();
    const [p] = byStatus(s, 'PENDING');
    const [sk] = byStatus(s, 'SKIPPED');
    const [c] = byStatus(s, 'COMPLETED');
    const before = snapshot(s);
    const r = await topo(['tasks', 'skip', p!.id, sk!.id, c!.id, '--dry-run'], { sandbox: s });
    // Exits as the run would: the completed task is refused (6, with the others going through).
    expect(r.code).toBe(6);
    const row = (t: Task, result: string) =>
      [t.id, result, t.type, t.priority, t.status, t.assignee_user_id ?? '', t.sequence_id, 'SKIPPED'].join(
        '\t',
      );
    expect(r.stdout).toBe(`${row(p!, 'would_change')}\n${row(sk!, 'unchanged')}\n${row(c!, 'would_fail')}\n`);
    expect(r.stderr).toBe(
      'Dry run: 1 would change, 1 unchanged, 1 would fail; nothing was changed.\nerror: 1 of 3 tasks would fail (the state forbids it); nothing was changed\n',
    );
    expect(s.received('POST')).toHaveLength(0);
    expect(snapshot(s)).toBe(before);
    // Every one forbidden: 5, as the run's refusals; with one that cannot be read too, 1 (two reasons), as a run.
    const [, c2] = byStatus(s, 'COMPLETED', 2);
    const all = await topo(['tasks', 'skip', c!.id, c2!.id, '--dry-run', '--json'], { sandbox: s });
    expect(all.code).toBe(5);
    expect(JSON.parse(all.stderr.trimEnd().split('\n').at(-1)!)).toMatchObject({
      error: { message: '2 of 2 tasks would fail (the state forbids it); nothing was changed', code: 5 },
    });
    // Each row that would fail says why, as a run's failure does (no request refused it: no status, no id).
    for (const row of JSON.parse(all.stdout) as { result: string; error: unknown }[])
      expect(row).toMatchObject({
        result: 'would_fail',
        error: {
          status: null,
          type: null,
          message: 'the task is COMPLETED and cannot be skipped',
          request_id: null,
        },
      });
    const missing = '00000000-0000-4000-8000-000000000001';
    const mixed = await topo(['tasks', 'skip', c!.id, missing, '--dry-run'], { sandbox: s });
    expect(mixed.stderr.trimEnd().split('\n').at(-1)).toBe(
      'error: 1 of 2 tasks could not be read, 1 would fail (the state forbids it); nothing was changed',
    );
    expect(mixed.code).toBe(1);
    const run = await topo(['tasks', 'skip', c!.id, missing, '--yes'], { sandbox: s });
    expect(run.code).toBe(1);
    expect(s.received('POST')).toHaveLength(1);
  });

  it('--dry-run of IDs that cannot be read exits as the run would: 3 when none exists, 6 when some do not', async () => {
    const s = await sandbox();
    const [p] = byStatus(s, 'PENDING');
    const missing = Array.from(
      { length: 300 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const none = await topo(['tasks', 'skip', ...missing, '--dry-run'], { sandbox: s });
    expect(none.code).toBe(3);
    expect(none.stderr.trimEnd().split('\n').at(-1)).toBe(
      'error: 300 of 300 tasks could not be read; nothing was changed (NotFoundIssue)',
    );
    const some = await topo(['tasks', 'skip', p!.id, missing[0]!, '--dry-run'], { sandbox: s });
    expect(some.code).toBe(6);
    expect(some.stderr).toBe(
      'Dry run: 1 would change, 1 could not be read; nothing was changed.\nerror: 1 of 2 tasks could not be read; nothing was changed\n',
    );
    expect(s.received('POST')).toHaveLength(0);
    // On a terminal the preview says why in a few words: its ID is beside it.
    const shown = await topo(['tasks', 'skip', p!.id, missing[0]!, '--dry-run'], {
      sandbox: s,
      tty: true,
      columns: 120,
    });
    const row = shown.stdout.split('\n').find((l) => l.startsWith(missing[0]!.slice(0, 8)))!;
    expect(row).toMatch(/ not found$/);
  });

  it('reopens completed and skipped tasks', async () => {
    const s = await sandbox();
    const ids = [byStatus(s, 'COMPLETED')[0]!.id, byStatus(s, 'SKIPPED')[0]!.id];
    const r = await topo(['tasks', 'reopen', ...ids, '-y'], { sandbox: s });
    expect(r.code).toBe(0);
    for (const id of ids) expect(s.store.get(id)!.status).toBe('PENDING');
  });

  it('rejects a malformed ID before sending anything', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'skip', 'abc', '--yes'], { sandbox: s });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: not a task ID: 'abc'\n");
    expect(s.requests).toHaveLength(0);
  });
});

describe('never apply a change twice, never lose one', () => {
  it('a connection dropped after the skip was applied: reads the task back, does not POST again', async () => {
    const s = await sandbox();
    const [t] = byStatus(s, 'PENDING');
    s.injectFault({ method: 'POST', reset: 'after' });
    const r = await topo(['tasks', 'skip', t!.id], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${t!.id}\n`);
    expect(s.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      `GET /v1/tasks/${t!.id}`,
      `POST /v1/tasks/${t!.id}/skip`,
      `GET /v1/tasks/${t!.id}`,
    ]);
    expect(s.store.get(t!.id)!.status).toBe('SKIPPED');
  });

  it('a connection dropped before the skip arrived: reads back, then sends it again once', async () => {
    const s = await sandbox();
    const [t] = byStatus(s, 'PENDING');
    s.injectFault({ method: 'POST', reset: 'before' });
    const r = await topo(['tasks', 'skip', t!.id], { sandbox: s });
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => q.method)).toEqual(['GET', 'POST', 'GET', 'POST']);
    expect(s.store.get(t!.id)!.status).toBe('SKIPPED');
  });

  it('503 and 429 on a POST are retried by the client with backoff', async () => {
    const s = await sandbox();
    const [t] = byStatus(s, 'SKIPPED');
    s.injectFault({ method: 'POST', status: 429, retryAfter: '0' });
    s.injectFault({ method: 'POST', status: 503, retryAfter: '0' });
    const r = await topo(['tasks', 'reopen', t!.id], { sandbox: s });
    expect(r.code).toBe(0);
    expect(s.received('POST').map((q) => q.status)).toEqual([429, 503, 200]);
  });
});

describe('tasks reassign', () => {
  const findRun = (s: Sandbox, test: (open: Task[], all: Task[]) => boolean) => {
    for (const id of new Set(s.store.state.tasks.map((t) => t.sequence_id))) {
      const all = s.store.sequence(id);
      const open = all.filter((t) => t.status === 'PENDING' || t.status === 'IN_PROGRESS');
      if (test(open, all)) return { id, all, open };
    }
    throw new Error('no such run in the seed');
  };

  it('moves one task with a PATCH of scope TASK and nothing else', async () => {
    const s = await sandbox();
    const run = findRun(s, (open) => open.length >= 2);
    const t = run.open[0]!;
    const to = s.store.users.find((u) => u.id !== t.assignee_user_id)!;
    const othersBefore = s.store.state.tasks.filter((x) => x.id !== t.id).map((x) => JSON.stringify(x));
    const r = await topo(['tasks', 'reassign', t.id, '--to', to.id], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${t.id}\n`);
    const patch = s.received('PATCH');
    expect(patch).toHaveLength(1);
    expect(patch[0]!.path).toBe(`/v1/tasks/${t.id}/assignee`);
    expect(JSON.parse(patch[0]!.body)).toEqual({ assignee_user_id: to.id, scope: 'TASK' });
    expect(s.store.get(t.id)!.assignee_user_id).toBe(to.id);
    expect(s.store.state.tasks.filter((x) => x.id !== t.id).map((x) => JSON.stringify(x))).toEqual(
      othersBefore,
    );
  });

  it('reports reassigning to the current assignee as unchanged and sends no PATCH', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => x.assignee_user_id && x.status === 'PENDING')!;
    const r = await topo(['tasks', 'reassign', t.id, '--to', t.assignee_user_id!, '--json'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ id: t.id, result: 'unchanged', task: t, error: null }]);
    expect(s.received('PATCH')).toHaveLength(0);
  });

  it('says clearly when the user is unknown: an alias that does not exist (2) or a UUID outside the workspace (5)', async () => {
    const s = await sandbox();
    const t = byStatus(s, 'PENDING')[0]!;
    const alias = await topo(['tasks', 'reassign', t.id, '--to', 'zed'], { sandbox: s });
    expect(alias.code).toBe(2);
    expect(alias.stderr).toBe(
      "error: --to: 'zed' is neither a UUID nor a known alias (see 'topo alias list')\n",
    );
    const stranger = '00000000-0000-4000-8000-00000000abcd';
    const r = await topo(['tasks', 'reassign', t.id, '--to', stranger], { sandbox: s });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: cannot assign to '${stranger}': User ${stranger} is not a member of this workspace; nothing was changed \\(BusinessIssue, request req_\\w+\\)\\n$`,
      ),
    );
    expect(s.store.get(t.id)!.assignee_user_id).toBe(t.assignee_user_id);
    const missing = await topo(['tasks', 'reassign', t.id], { sandbox: s });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--to is required');
  });

  it('--scope sequence moves every open task of the run (others’ too), reports exactly which moved', async () => {
    const s = await sandbox();
    const run = findRun(
      s,
      (open, all) =>
        open.length >= 2 &&
        new Set(open.map((t) => t.assignee_user_id)).size > 1 &&
        all.some((t) => t.status === 'COMPLETED' || t.status === 'SKIPPED'),
    );
    const named = run.open[0]!;
    const to = s.store.users.find((u) => !run.open.some((t) => t.assignee_user_id === u.id))!;
    const closedBefore = run.all.filter((t) => !run.open.includes(t)).map((t) => JSON.stringify(t));
    const outside = s.store.state.tasks.filter((t) => t.sequence_id !== run.id).map((t) => JSON.stringify(t));

    const refused = await topo(['tasks', 'reassign', named.id, '--to', to.id, '--scope', 'sequence'], {
      sandbox: s,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'error: reassigning a whole sequence run needs confirmation, but there is no terminal to ask: pass --yes (or --dry-run to preview)\n',
    );
    expect(s.requests).toHaveLength(0);

    const r = await topo(['tasks', 'reassign', named.id, '--to', to.id, '--scope', 'sequence', '--yes'], {
      sandbox: s,
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(run.open.map((t) => t.id).sort());
    expect(r.stderr).toContain(`Open tasks of sequence run ${run.id}:`);
    // stderr is a log here, not a terminal: the preview cuts nothing.
    for (const t of run.open) expect(r.stderr).toMatch(new RegExp(`^${t.id} `, 'm'));
    expect(r.stderr).toMatch(/Note: \d+ of these belong to someone other than/);
    expect(r.stderr).toContain(`${run.open.length} moved, 0 unchanged, 0 failed.`);
    const patches = s.received('PATCH');
    expect(patches).toHaveLength(1);
    expect(JSON.parse(patches[0]!.body)).toEqual({ assignee_user_id: to.id, scope: 'SEQUENCE' });
    for (const t of run.open) expect(s.store.get(t.id)!.assignee_user_id).toBe(to.id);
    expect(
      run.all
        .filter((t) => t.status !== 'PENDING' && t.status !== 'IN_PROGRESS')
        .map((t) => JSON.stringify(s.store.get(t.id))),
    ).toEqual(closedBefore);
    expect(s.store.state.tasks.filter((t) => t.sequence_id !== run.id).map((t) => JSON.stringify(t))).toEqual(
      outside,
    );
  });

  it('--scope sequence --dry-run lists the tasks that would move and changes nothing', async () => {
    const s = await sandbox();
    const run = findRun(s, (open) => open.length >= 2);
    const to = s.store.users.find((u) => !run.open.some((t) => t.assignee_user_id === u.id))!;
    const before = snapshot(s);
    const r = await topo(
      ['tasks', 'reassign', run.open[0]!.id, '--to', to.id, '--scope', 'sequence', '--dry-run'],
      { sandbox: s },
    );
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0])
        .sort(),
    ).toEqual(run.open.map((t) => t.id).sort());
    expect(r.stderr).toContain(`Dry run: ${run.open.length} would change; nothing was changed.`);
    expect(s.received('PATCH')).toHaveLength(0);
    expect(snapshot(s)).toBe(before);
  });
});
