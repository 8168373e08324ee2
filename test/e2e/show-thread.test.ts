import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/output/width.js';
import { sandbox, topo } from '../helpers.js';

describe('tasks show', () => {
  it('prints field<TAB>value lines when piped, every field in a fixed order', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => x.status === 'COMPLETED' && x.type === 'CALL')!;
    const r = await topo(['tasks', 'show', t.id], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        ['id', t.id],
        ['type', 'CALL'],
        ['priority', t.priority],
        ['status', 'COMPLETED'],
        ['assignee_user_id', t.assignee_user_id ?? ''],
        ['sequence_id', t.sequence_id],
        ['disposition', t.disposition ?? ''],
        ['reopened_at', ''],
        ['reopen_reason', ''],
        ['skipped_at', ''],
        ['completed_at', t.completed_at ?? ''],
        ['created_at', t.created_at],
        ['updated_at', t.updated_at],
        ['organization_id', t.organization_id],
      ]
        .map(([k, v]) => `${k}\t${v}\n`)
        .join(''),
    );
    expect(s.received('GET').map((q) => q.path)).toEqual([`/v1/tasks/${t.id}`]);
  });

  it('--json prints the object exactly; --json fields picks', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks[3]!;
    const r = await topo(['tasks', 'show', t.id, '--json'], { sandbox: s });
    expect(JSON.parse(r.stdout)).toEqual(t);
    const some = await topo(['tasks', 'show', t.id, '--json', 'priority,id'], { sandbox: s });
    expect(some.stdout).toBe(`${JSON.stringify({ priority: t.priority, id: t.id })}\n`);
  });

  it('exits 3 for an unknown task and 2 for a malformed id (without a request)', async () => {
    const s = await sandbox();
    const missing = await topo(['tasks', 'show', '00000000-0000-4000-8000-000000000000'], { sandbox: s });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(
      /^error: Task 00000000-0000-4000-8000-000000000000 not found \(NotFoundIssue, request req_\w+\)\n$/,
    );
    const bad = await topo(['tasks', 'show', 'abc'], { sandbox: s });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: task id: 'abc' is not a UUID\n");
    expect(s.requests).toHaveLength(1);
  });

  it('on a narrow terminal a value wraps under itself; a word that cannot break (a UUID, a URL) goes under its label, and runs past only when wider than any line', async () => {
    const s = await sandbox();
    const task = s.store.state.tasks.find(
      (t) => t.assignee_user_id !== null && s.store.thread(t).length > 0,
    )!;
    for (const columns of [40, 50, 60]) {
      const r = await topo(['tasks', 'show', task.id], { sandbox: s, tty: true, columns });
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      // Past the edge: only a word wider than a line of its own (beside its label, then: it fits nowhere).
      for (const line of lines.filter((l) => displayWidth(l) > columns)) {
        expect(line, `${columns}: ${line}`).toMatch(/^(\S+ {2,}| {2})\S+$/);
        expect(displayWidth(line.trim().split(/ +/).at(-1)!) + 2, line).toBeGreaterThan(columns);
      }
      // The ID (36 characters) beside its label at 60; under it, whole, at 50 and 40.
      const id = lines.findIndex((l) => l.includes(task.id));
      if (columns === 60) expect(lines[id]).toBe(`ID             ${task.id}`);
      else expect(lines.slice(id - 1, id + 1)).toEqual(['ID', `  ${task.id}`]);
    }
  });
});

describe('tasks show, text without spaces', () => {
  it('a Japanese company and title wrap under themselves on a narrow terminal, never past its edge', async () => {
    const s = await sandbox();
    const task = s.store.state.tasks.find(
      (t) => t.assignee_user_id !== null && s.store.run(t.sequence_id)?.contact_id,
    )!;
    const contactId = s.store.run(task.sequence_id)!.contact_id!;
    s.store.patchContact(contactId, {
      company_name: '株式会社メリディアントラベルソリューションズ',
      title: '営業オペレーション部シニアマネージャー',
      linkedin_url: null,
    });
    for (const columns of [40, 50]) {
      const r = await topo(['tasks', 'show', task.id], { sandbox: s, tty: true, columns });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      // Only an id too wide for any line may run past; the Japanese text never does.
      for (const line of lines.filter((l) => displayWidth(l) > columns)) expect(line).toMatch(/^ {0,2}\S+$/);
      expect(r.stdout.replace(/\n {2,}/g, '')).toContain('株式会社メリディアントラベルソリューションズ');
    }
  });
});

describe('tasks thread', () => {
  it('prints a plain transcript, oldest first, when piped', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => s.store.thread(x).length >= 3)!;
    const messages = s.store.thread(t);
    const r = await topo(['tasks', 'thread', t.id], { sandbox: s });
    expect(r.code).toBe(0);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('--- '));
    expect(headers).toHaveLength(messages.length);
    messages.forEach((m, i) => {
      const who = m.direction === 'INBOUND' ? 'contact' : m.sender_id;
      expect(headers[i]).toBe(
        `--- ${m.direction.toLowerCase()} ${m.channel.toLowerCase()} from ${who} at ${m.sent_at}`,
      );
      expect(r.stdout).toContain(m.body);
    });
  });

  it('on a terminal wraps bodies to the width: no line ends in a space, wrapped lines keep the indent', async () => {
    const s = await sandbox();
    const columns = 40;
    const t = s.store.state.tasks.find((x) =>
      s.store.thread(x).some((m) => m.body.includes('\n\n') && m.body.split('\n').some((l) => l.length > 60)),
    )!;
    const r = await topo(['tasks', 'thread', t.id, '--no-pager'], { sandbox: s, tty: true, columns });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) {
      expect(line).not.toMatch(/\s$/);
      // A header, a subject, a blank line, or the body indented by two spaces, never three, within the width.
      expect(line).toMatch(/^(← |→ |Subject: |$| {2}\S)/);
      if (line.startsWith('  ')) expect(line.length).toBeLessThanOrEqual(columns);
    }
    // Every word of every body is there, in order.
    const flat = r.stdout.replace(/\s+/g, ' ');
    for (const m of s.store.thread(t)) expect(flat).toContain(m.body.replace(/\s+/g, ' ').trim());
  });

  it('--json prints the array exactly as received', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks[0]!;
    const r = await topo(['tasks', 'thread', t.id, '--json'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(s.store.thread(t));
  });

  it('says so on stderr when the thread is empty', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => s.store.thread(x).length === 0)!;
    const r = await topo(['tasks', 'thread', t.id], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('This task has no messages.\n');
  });
});
