import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Contact, Message, Page, SequenceRun, SequenceTemplate, Task } from '../../src/api/types.js';
import { isoSeconds } from '../../src/basics/time.js';
import { seedState } from '../../src/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxTemplateIds, SandboxStore } from '../../src/sandbox/store.js';
import { http, MORE_TYPES_SEEDED, sandbox, SEED_NOW, tempDir } from '../helpers.js';
import { CONTACT_KEYS, RUN_KEYS, TEMPLATE_KEYS, UUID } from './expect.js';

/** A control endpoint, beside the API: no key. */
async function control(s: Sandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(new URL(`/__sandbox${path}`, s.url), {
    method,
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

describe('sandbox hooks: creating a task', () => {
  it('POST /__sandbox/tasks creates a PENDING task now, in a new run with a template and a contact', async () => {
    const s = await sandbox({ tasks: 50 });
    const before = Date.now();
    const r = await control(s, 'POST', '/tasks');
    expect(r.status).toBe(201);
    const task = r.body as Task;
    expect(Object.keys(task)).toEqual(Object.keys(s.store.state.tasks[0]!));
    expect(task).toEqual(s.store.get(task.id));
    expect(task.id).toMatch(UUID);
    expect(task.status).toBe('PENDING');
    expect(task.assignee_user_id).toBe(s.store.users[0]!.id);
    expect(task.created_at).toBe(task.updated_at);
    expect(Date.parse(task.created_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(task.created_at)).toBeLessThanOrEqual(Date.now());
    expect(s.store.sequence(task.sequence_id)).toEqual([task]);

    const newest = (
      await http(s, 'GET', '/tasks', {
        query: [
          ['sort_order', 'desc'],
          ['size', '1'],
        ],
      })
    ).body as Page<Task>;
    expect(newest.total_count).toBe(51 + MORE_TYPES_SEEDED);
    const run = (await http(s, 'GET', `/sequences/${task.sequence_id}`)).body as SequenceRun;
    expect(run.status).toBe('WAITING_FOR_USER');
    expect(sandboxTemplateIds(s.store.state)).toContain(run.sequence_template_id);
    expect(run.contact_id).toMatch(UUID);
    const contact = (await http(s, 'GET', `/contacts/${run.contact_id}`)).body as Contact;
    expect(contact.last_seen_at).toBe(task.created_at);
    const byTemplate = (
      await http(s, 'GET', '/tasks', {
        query: [
          ['sequence_template_ids', run.sequence_template_id],
          ['size', '100'],
        ],
      })
    ).body as Page<Task>;
    expect(byTemplate.items.map((t) => t.id)).toContain(task.id);
    // the seeded tasks end on SEED_NOW, before today
    expect(newest.items).toEqual([task]);
  });

  it('takes the given fields, and joins an existing run', async () => {
    const s = await sandbox({ tasks: 50 });
    const bob = s.store.users[1]!.id;
    const run = s.store.state.tasks[0]!.sequence_id;
    const r = await control(s, 'POST', '/tasks', {
      assignee_user_id: bob.toUpperCase(),
      type: 'CALL',
      priority: 'HOT',
      status: 'COMPLETED',
      sequence_id: run,
    });
    expect(r.status).toBe(201);
    const task = r.body as Task;
    expect(task).toMatchObject({
      assignee_user_id: bob,
      type: 'CALL',
      priority: 'HOT',
      status: 'COMPLETED',
      sequence_id: run,
      disposition: 'ANSWERED',
    });
    expect(task.completed_at).toBe(task.created_at);
    expect(s.store.sequence(run).at(-1)).toBe(s.store.get(task.id));
    expect(s.store.run(run)!.last_step_executed_at).toBe(task.created_at);
    const unassigned = (await control(s, 'POST', '/tasks', { assignee_user_id: null, type: 'TODO' }))
      .body as Task;
    expect(unassigned.assignee_user_id).toBeNull();
    expect(unassigned.type).toBe('TODO');
  });

  it.each([
    ['not json', 'JSON'],
    ['[]', 'object'],
    ['{"title":"x"}', 'title'],
    ['{"sequence_id":"run-1"}', 'sequence_id'],
    ['{"assignee_user_id":"bob"}', 'assignee_user_id'],
    ['{"status":""}', 'status'],
    ['{"priority":3}', 'priority'],
  ])('refuses the body %s with 400 and creates nothing', async (body, mentions) => {
    const s = await sandbox({ tasks: 20 });
    const r = await control(s, 'POST', '/tasks', body);
    expect(r.status).toBe(400);
    expect((r.body as { error: string }).error).toContain(mentions);
    expect(s.store.state.tasks).toHaveLength(20 + MORE_TYPES_SEEDED);
  });

  it('createTask stamps the store clock, and the same steps give the same ids', () => {
    let now = Date.parse('2026-11-02T08:30:00.750Z');
    const open = () => SandboxStore.open({ seed: 5, tasks: 30, now: SEED_NOW, clock: () => now });
    const a = open();
    const b = open();
    const first = a.createTask();
    expect(first.created_at).toBe('2026-11-02T08:30:00Z');
    now += 60_000;
    const second = a.createTask({ type: 'LINKEDIN_REPLY', sequence_id: first.sequence_id });
    expect(second.created_at).toBe('2026-11-02T08:31:00Z');
    expect(second.sequence_id).toBe(first.sequence_id);
    expect(a.sequence(first.sequence_id)).toHaveLength(2);
    now -= 60_000;
    expect(b.createTask()).toEqual(first);
    expect(a.list({ sortBy: 'created_at', sortOrder: 'desc' })[0]).toBe(second);
  });
});

describe('sandbox hooks: overriding runs, templates and contacts', () => {
  it('PATCH /__sandbox/contacts/{id} sets any field, kept in key order, seen by the contact and the listing', async () => {
    const s = await sandbox();
    const run = s.store.runs().find((r) => r.contact_id !== null)!;
    const id = run.contact_id!;
    const hostile = 'Evil\u001b[2J\u001b]0;pwned\u0007 Corp\r\nX';
    const r = await control(s, 'PATCH', `/contacts/${id}`, {
      id: 'ignored',
      company_name: hostile,
      phone_number: null,
      first_name: 'Zoë\u009b31m',
    });
    expect(r.status).toBe(200);
    const patched = r.body as Contact;
    expect(Object.keys(patched)).toEqual(CONTACT_KEYS);
    expect(patched).toMatchObject({
      id,
      company_name: hostile,
      phone_number: null,
      first_name: 'Zoë\u009b31m',
    });
    expect((await http(s, 'GET', `/contacts/${id}`)).body).toEqual(patched);
    expect(s.store.contact(id)).toEqual(patched);
    const listed = (await http(s, 'GET', '/contacts', { query: [['contact_id', id]] })).body as Page<Contact>;
    expect(listed.items).toEqual([patched]);
    const task = s.store.sequence(run.id)[0]!;
    const greetings = (s.store.thread(task) as Message[]).filter((m) => m.body.startsWith('Hi '));
    for (const m of greetings) expect(m.body.startsWith('Hi Zoë\u009b31m,')).toBe(true);
    // a second patch adds to the first
    await control(s, 'PATCH', `/contacts/${id}`, { city: 'Zürich', lead_score: 97 });
    expect(s.store.contact(id)).toMatchObject({ company_name: hostile, city: 'Zürich', lead_score: 97 });
    expect(Object.keys(s.store.contact(id)!)).toEqual([...CONTACT_KEYS, 'lead_score']);
  });

  it('PATCH /__sandbox/sequence-templates/{id} can null the name; listings still sort and filter', async () => {
    const s = await sandbox();
    const id = sandboxTemplateIds(s.store.state)[1]!;
    const r = await control(s, 'PATCH', `/sequence-templates/${id}`, { name: null, status: 'PAUSED' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body as object)).toEqual(TEMPLATE_KEYS);
    expect(r.body).toMatchObject({ id, name: null, status: 'PAUSED' });
    expect((await http(s, 'GET', `/sequence-templates/${id}`)).body).toEqual(r.body);
    const byName = (await http(s, 'GET', '/sequence-templates', { query: [['sort_by', 'name']] }))
      .body as Page<SequenceTemplate>;
    expect(byName.items[0]!.id).toBe(id);
    expect(s.store.template(id)!.name).toBeNull();
  });

  it('PATCH /__sandbox/sequences/{id} can delete the contact (threads say "Hi there,") or move the run to another template', async () => {
    const s = await sandbox();
    const run = s.store.runs().find((r) => r.contact_id !== null && s.store.sequence(r.id).some(isOpen))!;
    const r = await control(s, 'PATCH', `/sequences/${run.id}`, { contact_id: null });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body as object)).toEqual(RUN_KEYS);
    expect((r.body as SequenceRun).contact_id).toBeNull();
    expect(((await http(s, 'GET', `/sequences/${run.id}`)).body as SequenceRun).contact_id).toBeNull();
    for (const task of s.store.sequence(run.id)) {
      for (const m of s.store.thread(task)) {
        if (m.body.startsWith('Hi ')) expect(m.body.startsWith('Hi there,')).toBe(true);
      }
    }
    // the status still follows the tasks unless it is overridden too
    expect(s.store.run(run.id)!.status).toBe('WAITING_FOR_USER');

    const other = sandboxTemplateIds(s.store.state).find((t) => t !== run.sequence_template_id)!;
    await control(s, 'PATCH', `/sequences/${run.id}`, { sequence_template_id: other, status: 'FAILED' });
    expect(s.store.run(run.id)).toMatchObject({
      sequence_template_id: other,
      status: 'FAILED',
      contact_id: null,
    });
    const byTemplate = (
      await http(s, 'GET', '/tasks', {
        query: [
          ['sequence_template_ids', other],
          ['size', '100'],
        ],
      })
    ).body as Page<Task>;
    const ids = byTemplate.items.map((t) => t.id);
    for (const task of s.store.sequence(run.id)) expect(ids).toContain(task.id);
    const failed = (await http(s, 'GET', '/sequences', { query: [['status', 'FAILED']] }))
      .body as Page<SequenceRun>;
    expect(failed.items.map((x) => x.id)).toContain(run.id);
  });

  it('answers 404 for an unknown id and 400 for a body that is not a JSON object', async () => {
    const s = await sandbox({ tasks: 20 });
    const run = s.store.runs()[0]!;
    for (const path of ['/contacts', '/sequence-templates', '/sequences']) {
      const r = await control(s, 'PATCH', `${path}/00000000-0000-4000-8000-000000000000`, { name: 'x' });
      expect(r.status).toBe(404);
    }
    expect((await control(s, 'PATCH', `/sequences/${run.id}`, 'nope')).status).toBe(400);
    expect((await control(s, 'PATCH', `/sequences/${run.id}`, '[1]')).status).toBe(400);
    expect((await control(s, 'GET', `/sequences/${run.id}`)).status).toBe(404);
    expect(s.store.run(run.id)).toEqual(run);
    expect(s.store.state.overrides).toBeUndefined();
  });

  it('store methods do the same: patchRun, patchTemplate, patchContact; undefined for an unknown id', async () => {
    const s = await sandbox({ tasks: 20 });
    const run = s.store.runs().find((r) => r.contact_id !== null)!;
    expect(s.store.patchRun(run.id, { variables: { x: 1 } })!.variables).toEqual({ x: 1 });
    const template = s.store.templates()[0]!;
    expect(s.store.patchTemplate(template.id, { step_count: 0 })!.step_count).toBe(0);
    expect(s.store.patchContact(run.contact_id!, { email: null })!.email).toBeNull();
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(s.store.patchRun(unknown, {})).toBeUndefined();
    expect(s.store.patchTemplate(unknown, {})).toBeUndefined();
    expect(s.store.patchContact(unknown, {})).toBeUndefined();
  });
});

describe('sandbox hooks: the state file', () => {
  it('stores no run, template or contact; overrides are saved once set and load again', async () => {
    const file = join(tempDir(), 'state.json');
    const first = await startSandbox({ port: 0, tasks: 60, seed: 3, now: SEED_NOW, dataFile: file });
    const contacts = first.store.contacts();
    expect(contacts.length).toBeGreaterThan(10);
    await http(first, 'GET', '/contacts', { query: [['size', '100']] });
    await http(first, 'GET', '/sequences', { query: [['size', '100']] });
    const text = readFileSync(file, 'utf8');
    const saved = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(saved).sort()).toEqual([
      'organization_id',
      'seed',
      'seeded_at',
      'tasks',
      'users',
      'version',
    ]);
    for (const c of contacts) {
      expect(text).not.toContain(c.id);
      if (c.email) expect(text).not.toContain(c.email);
    }
    for (const t of first.store.templates()) expect(text).not.toContain(t.name!);

    const target = contacts[4]!;
    first.store.patchContact(target.id, { company_name: 'Acme\u001b[31m' });
    const run = first.store.runs()[2]!;
    first.store.patchRun(run.id, { contact_id: null });
    const created = first.store.createTask({ type: 'CALL' });
    await first.close();
    const after = JSON.parse(readFileSync(file, 'utf8')) as { overrides: unknown };
    expect(after.overrides).toEqual({
      contacts: { [target.id]: { company_name: 'Acme\u001b[31m' } },
      runs: { [run.id]: { contact_id: null } },
    });
    for (const c of contacts.filter((c) => c.id !== target.id))
      expect(readFileSync(file, 'utf8')).not.toContain(c.id);

    const second = await startSandbox({ port: 0, tasks: 60, seed: 3, dataFile: file });
    expect(second.store.contact(target.id)!.company_name).toBe('Acme\u001b[31m');
    expect(second.store.run(run.id)!.contact_id).toBeNull();
    expect(second.store.get(created.id)).toEqual(created);
    // a run's contact_id set to null leaves the contact itself as it was
    const createdContact = second.store.run(created.sequence_id)!.contact_id!;
    expect(second.store.contacts().map((c) => c.id)).toContain(createdContact);
    expect(second.store.contacts().filter((c) => c.id !== target.id && c.id !== createdContact)).toEqual(
      contacts.filter((c) => c.id !== target.id),
    );
    expect(second.store.templates()).toEqual(first.store.templates());
    await second.close();
  });

  it('two sandboxes on one file (two shells) see each other’s changes and lose neither', async () => {
    const file = join(tempDir(), 'shared.json');
    const one = await startSandbox({ port: 0, tasks: 60, seed: 3, now: SEED_NOW, dataFile: file });
    const two = await startSandbox({ port: 0, tasks: 60, seed: 3, now: SEED_NOW, dataFile: file });
    try {
      const open = (s: typeof one) =>
        http(s, 'GET', '/tasks', { query: [['size', '100']] }).then(
          (r) => (r.body as Page<Task>).total_count,
        );
      const before = await open(one);
      // `topo sandbox --new-task` in another shell: a third writer, outside both servers
      const created = SandboxStore.open({ seed: 3, tasks: 60, dataFile: file }).createTask({ type: 'CALL' });
      expect(await open(one)).toBe(before + 1);
      expect((await http(two, 'GET', `/tasks/${created.id}`)).status).toBe(200);
      // a change in one, then in the other: the second writes over the first only with the first in it
      const [a, b] = one.store.state.tasks.filter((t) => t.status === 'PENDING' && t.id !== created.id);
      expect((await http(one, 'POST', `/tasks/${a!.id}/skip`)).status).toBe(200);
      expect((await http(two, 'POST', `/tasks/${b!.id}/skip`)).status).toBe(200);
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { tasks: Task[] };
      const status = (id: string) => saved.tasks.find((t) => t.id === id)?.status;
      expect([status(a!.id), status(b!.id), status(created.id)]).toEqual(['SKIPPED', 'SKIPPED', 'PENDING']);
      expect(((await http(one, 'GET', `/tasks/${b!.id}`)).body as Task).status).toBe('SKIPPED');
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('loads a state file written before runs, templates and contacts existed', async () => {
    const file = join(tempDir(), 'old.json');
    const { seeded_at: _, overrides: __, ...old } = seedState({ seed: 8, tasks: 40, now: SEED_NOW });
    writeFileSync(file, JSON.stringify(old));
    const s = await startSandbox({ port: 0, dataFile: file });
    try {
      expect(s.store.state.tasks).toHaveLength(40 + MORE_TYPES_SEEDED);
      const templates = (await http(s, 'GET', '/sequence-templates')).body as Page<SequenceTemplate>;
      expect(templates.total_count).toBe(5);
      const newest = [...old.tasks].sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0]!;
      for (const t of templates.items)
        expect(t.updated_at < isoSeconds(Date.parse(newest.created_at) + 86_400_000)).toBe(true);
      const runs = (await http(s, 'GET', '/sequences', { query: [['size', '100']] }))
        .body as Page<SequenceRun>;
      expect(runs.total_count).toBe(new Set(old.tasks.map((t) => t.sequence_id)).size);
      const contact = runs.items.find((r) => r.contact_id !== null)!.contact_id!;
      expect((await http(s, 'GET', `/contacts/${contact}`)).status).toBe(200);
      // a change saves it again in the same form, with nothing derived added
      const task = old.tasks.find(isOpen)!;
      await http(s, 'POST', `/tasks/${task.id}/skip`);
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      expect(Object.keys(saved).sort()).toEqual(['organization_id', 'seed', 'tasks', 'users', 'version']);
    } finally {
      await s.close();
    }
  });
});
