import { describe, expect, it } from 'vitest';
import {
  RUN_STATUSES,
  TEMPLATE_STATUSES,
  type Contact,
  type Page,
  type SequenceRun,
  type SequenceTemplate,
  type Task,
} from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { sandboxTemplateIds } from '../../src/sandbox/store.js';
import { http, sandbox } from '../helpers.js';
import { CONTACT_KEYS, expectError, ISO_SECONDS, RUN_KEYS, TEMPLATE_KEYS, UUID } from './expect.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

async function page<T>(s: Sandbox, path: string, query: [string, string][] = []): Promise<Page<T>> {
  const r = await http(s, 'GET', path, { query });
  expect(r.status).toBe(200);
  return r.body as Page<T>;
}

/** Every item of a listing, walking its pages. */
async function all<T>(s: Sandbox, path: string, query: [string, string][] = [], size = 100): Promise<T[]> {
  const items: T[] = [];
  for (let p = 1; ; p++) {
    const body = await page<T>(s, path, [...query, ['size', String(size)], ['page', String(p)]]);
    items.push(...body.items);
    if (!body.has_more) return items;
  }
}

const runIds = (s: Sandbox) => [...new Set(s.store.state.tasks.map((t) => t.sequence_id))];

describe('sandbox: sequence runs', () => {
  it('lists one run per distinct task sequence_id in the envelope, every key present, ascending by created_at', async () => {
    const s = await sandbox();
    const first = await page<SequenceRun>(s, '/sequences');
    const count = runIds(s).length;
    expect(first.items).toHaveLength(10);
    expect(first.total_count).toBe(count);
    expect(first.total_pages).toBe(Math.ceil(count / 10));
    expect(first.has_more).toBe(true);
    const runs = await all<SequenceRun>(s, '/sequences', [], 7);
    expect(runs.map((r) => r.id).sort()).toEqual(runIds(s).sort());
    const created = runs.map((r) => r.created_at);
    expect([...created].sort()).toEqual(created);
    for (const run of runs) {
      expect(Object.keys(run)).toEqual(RUN_KEYS);
      expect(run.organization_id).toBe(s.store.state.organization_id);
      expect(RUN_STATUSES).toContain(run.status);
      for (const field of ['created_at', 'updated_at', 'last_step_executed_at'] as const)
        expect(run[field]).toMatch(ISO_SECONDS);
      if (run.contact_id !== null) expect(run.contact_id).toMatch(UUID);
      if (run.source_contact_list_id !== null) expect(run.source_contact_list_id).toMatch(UUID);
      expect(run.variables === null || typeof run.variables === 'object').toBe(true);
    }
    expect(runs.some((r) => r.variables === null) && runs.some((r) => r.variables !== null)).toBe(true);
    expect(runs.some((r) => r.source_contact_list_id === null)).toBe(true);
    expect(runs.some((r) => r.source_contact_list_id !== null)).toBe(true);
  });

  it('returns one run by id; 404 for an unknown one, 400 naming sequence_id for a malformed one', async () => {
    const s = await sandbox();
    const id = s.store.state.tasks[5]!.sequence_id;
    const r = await http(s, 'GET', `/sequences/${id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(s.store.run(id));
    expect((await http(s, 'GET', `/sequences/${id.toUpperCase()}`)).body).toEqual(s.store.run(id));
    await expectError(http(s, 'GET', `/sequences/${UNKNOWN}`), 404, 'NotFoundIssue', UNKNOWN);
    await expectError(http(s, 'GET', '/sequences/nope'), 400, 'ValidationIssue', 'sequence_id');
  });

  it('filters by status and sorts by updated_at in either order', async () => {
    const s = await sandbox({ tasks: 600 });
    const runs = s.store.runs();
    let total = 0;
    for (const status of RUN_STATUSES) {
      const expected = runs.filter((r) => r.status === status).map((r) => r.id);
      const got = await all<SequenceRun>(s, '/sequences', [['status', status]]);
      expect(got.map((r) => r.id).sort()).toEqual(expected.sort());
      total += got.length;
    }
    expect(total).toBe(runs.length);
    expect(new Set(runs.map((r) => r.status)).size).toBeGreaterThanOrEqual(5);
    for (const order of ['asc', 'desc']) {
      const got = await all<SequenceRun>(s, '/sequences', [
        ['sort_by', 'updated_at'],
        ['sort_order', order],
      ]);
      const values = got.map((r) => r.updated_at);
      const sorted = [...values].sort();
      expect(values).toEqual(order === 'asc' ? sorted : sorted.reverse());
    }
  });

  it('is WAITING_FOR_USER exactly when one of its tasks is open, with dates that follow its tasks', async () => {
    const s = await sandbox();
    for (const id of runIds(s)) {
      const tasks = s.store.sequence(id);
      const run = s.store.run(id)!;
      expect(run.status === 'WAITING_FOR_USER').toBe(tasks.some(isOpen));
      expect(sandboxTemplateIds(s.store.state)).toContain(run.sequence_template_id);
      expect(run.sequence_template_id).toBe(s.store.templateOfSequence(id));
      const events = tasks.flatMap((t) => [t.created_at, t.completed_at, t.skipped_at]).filter(Boolean);
      expect(run.last_step_executed_at).toBe([...events].sort().at(-1));
      for (const t of tasks) {
        expect(run.created_at < t.created_at).toBe(true);
        expect(run.updated_at >= t.updated_at).toBe(true);
      }
    }
  });

  it('follows skip and reopen: the last open task skipped ends the wait, reopened brings it back', async () => {
    const s = await sandbox();
    const id = runIds(s).find((r) => s.store.sequence(r).filter(isOpen).length === 1)!;
    const task = s.store.sequence(id).find(isOpen)!;
    const run = async () => (await http(s, 'GET', `/sequences/${id}`)).body as SequenceRun;
    const waiting = async () =>
      (await all<SequenceRun>(s, '/sequences', [['status', 'WAITING_FOR_USER']])).map((r) => r.id);
    const before = await run();
    expect(before.status).toBe('WAITING_FOR_USER');
    expect(await waiting()).toContain(id);

    expect((await http(s, 'POST', `/tasks/${task.id}/skip`)).status).toBe(200);
    const skipped = await run();
    expect(skipped.status).not.toBe('WAITING_FOR_USER');
    expect(RUN_STATUSES).toContain(skipped.status);
    expect(skipped.last_step_executed_at).toBe(s.store.get(task.id)!.skipped_at);
    expect(skipped.updated_at >= s.store.get(task.id)!.updated_at).toBe(true);
    expect(await waiting()).not.toContain(id);
    expect(
      (await all<SequenceRun>(s, '/sequences', [['status', String(skipped.status)]])).map((r) => r.id),
    ).toContain(id);

    expect((await http(s, 'POST', `/tasks/${task.id}/reopen`)).status).toBe(200);
    expect((await run()).status).toBe('WAITING_FOR_USER');
    expect(await waiting()).toContain(id);
  });
});

describe('sandbox: sequence templates', () => {
  it('lists the four templates that hold runs and one archived without runs, every key present', async () => {
    const s = await sandbox();
    const r = await page<SequenceTemplate>(s, '/sequence-templates');
    expect(r.total_count).toBe(5);
    expect(r.total_pages).toBe(1);
    expect(r.has_more).toBe(false);
    const templates = r.items;
    const created = templates.map((t) => t.created_at);
    expect([...created].sort()).toEqual(created);
    const withRuns = sandboxTemplateIds(s.store.state);
    expect(templates.filter((t) => withRuns.includes(t.id))).toHaveLength(4);
    const archived = templates.filter((t) => t.status === 'ARCHIVED');
    expect(archived).toHaveLength(1);
    expect(withRuns).not.toContain(archived[0]!.id);
    expect(s.store.runs().filter((run) => run.sequence_template_id === archived[0]!.id)).toHaveLength(0);
    const used = new Set(s.store.runs().map((run) => run.sequence_template_id));
    expect([...used].sort()).toEqual([...withRuns].sort());

    for (const t of templates) {
      expect(Object.keys(t)).toEqual(TEMPLATE_KEYS);
      expect(t.id).toMatch(UUID);
      expect(TEMPLATE_STATUSES).toContain(t.status);
      expect(t.step_count).toBeGreaterThan(0);
      expect(t.timezone).toMatch(/^[A-Z][A-Za-z_]+\/[A-Za-z_]+$/);
      expect(t.created_at).toMatch(ISO_SECONDS);
      expect(t.updated_at >= t.created_at).toBe(true);
      if (t.activated_at !== null) expect(t.activated_at >= t.created_at).toBe(true);
    }
    const names = templates.map((t) => t.name);
    expect(new Set(names).size).toBe(5);
    expect(names.some((n) => /[^\x20-\x7e]/.test(n ?? ''))).toBe(true);
    expect(templates.filter((t) => t.status === 'ACTIVE').length).toBeGreaterThanOrEqual(3);
    expect(templates.some((t) => t.status === 'INACTIVE' || t.status === 'FINISHING')).toBe(true);
    expect(templates.some((t) => t.summary === null || t.language === null)).toBe(true);
    // started before any of their runs
    for (const run of s.store.runs()) {
      const template = s.store.template(run.sequence_template_id)!;
      expect(template.activated_at! < run.created_at).toBe(true);
    }
  });

  it('returns one template by id; 404 for an unknown one, 400 naming sequence_template_id for a malformed one', async () => {
    const s = await sandbox();
    const id = sandboxTemplateIds(s.store.state)[2]!;
    const r = await http(s, 'GET', `/sequence-templates/${id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(s.store.template(id));
    await expectError(http(s, 'GET', `/sequence-templates/${UNKNOWN}`), 404, 'NotFoundIssue');
    await expectError(
      http(s, 'GET', '/sequence-templates/42'),
      400,
      'ValidationIssue',
      'sequence_template_id',
    );
  });

  it('filters by exact, case-sensitive name and by status', async () => {
    const s = await sandbox();
    const target = s.store.templates().find((t) => /[^\x20-\x7e]/.test(t.name ?? ''))!;
    const name = target.name!;
    const byName = await page<SequenceTemplate>(s, '/sequence-templates', [['name', name]]);
    expect(byName.items).toEqual([target]);
    for (const near of [name.toLowerCase(), name.slice(0, -1), ` ${name}`, name.normalize('NFD')]) {
      if (near === name) continue;
      expect((await page(s, '/sequence-templates', [['name', near]])).total_count).toBe(0);
    }
    const archived = await page<SequenceTemplate>(s, '/sequence-templates', [['status', 'ARCHIVED']]);
    expect(archived.items.map((t) => t.status)).toEqual(['ARCHIVED']);
    const active = await page<SequenceTemplate>(s, '/sequence-templates', [['status', 'ACTIVE']]);
    expect(active.total_count).toBe(s.store.templates().filter((t) => t.status === 'ACTIVE').length);
    expect((await page(s, '/sequence-templates', [['status', 'PENDING_SETUP']])).total_count).toBe(0);
  });

  it('treats created_at_after and created_at_before as strict bounds', async () => {
    const s = await sandbox();
    const sorted = [...s.store.templates()].sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    const middle = sorted[2]!;
    const after = await page<SequenceTemplate>(s, '/sequence-templates', [
      ['created_at_after', middle.created_at],
    ]);
    expect(after.items.map((t) => t.id)).toEqual(sorted.slice(3).map((t) => t.id));
    const before = await page<SequenceTemplate>(s, '/sequence-templates', [
      ['created_at_before', middle.created_at],
    ]);
    expect(before.items.map((t) => t.id)).toEqual(sorted.slice(0, 2).map((t) => t.id));
    const between = await page<SequenceTemplate>(s, '/sequence-templates', [
      ['created_at_after', sorted[0]!.created_at],
      ['created_at_before', sorted[4]!.created_at],
    ]);
    expect(between.items.map((t) => t.id)).toEqual(sorted.slice(1, 4).map((t) => t.id));
  });

  it('sorts by name, updated_at and created_at in either order, and pages', async () => {
    const s = await sandbox();
    for (const field of ['name', 'updated_at', 'created_at'] as const) {
      for (const order of ['asc', 'desc']) {
        const got = await page<SequenceTemplate>(s, '/sequence-templates', [
          ['sort_by', field],
          ['sort_order', order],
        ]);
        const values = got.items.map((t) => String(t[field]));
        const sorted = [...values].sort();
        expect(values).toEqual(order === 'asc' ? sorted : sorted.reverse());
      }
    }
    const second = await page<SequenceTemplate>(s, '/sequence-templates', [
      ['size', '2'],
      ['page', '3'],
    ]);
    expect(second.items).toHaveLength(1);
    expect(second.total_pages).toBe(3);
    expect(second.has_more).toBe(false);
    const beyond = await page<SequenceTemplate>(s, '/sequence-templates', [['page', '9']]);
    expect(beyond.items).toEqual([]);
    expect(beyond.total_count).toBe(5);
  });
});

describe('sandbox: contacts', () => {
  it('lists the contact of every run that has one, every key present, with realistic details', async () => {
    const s = await sandbox({ tasks: 1200 });
    const contacts = await all<Contact>(s, '/contacts');
    const runs = s.store.runs();
    const linked = runs.filter((r) => r.contact_id !== null);
    expect(contacts.map((c) => c.id).sort()).toEqual(linked.map((r) => r.contact_id).sort());
    const deleted = runs.length - linked.length;
    expect(deleted).toBeGreaterThan(0);
    expect(deleted / runs.length).toBeLessThan(0.08);
    const firstSeen = contacts.map((c) => c.first_seen_at);
    expect([...firstSeen].sort()).toEqual(firstSeen);
    for (const c of contacts) {
      expect(Object.keys(c)).toEqual(CONTACT_KEYS);
      expect(c.id).toMatch(UUID);
      expect(c.first_seen_at).toMatch(ISO_SECONDS);
      expect(c.last_seen_at >= c.first_seen_at).toBe(true);
      if (c.email !== null) expect(c.email).toMatch(/^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$/);
      if (c.email !== null && c.company_domain !== null)
        expect(c.email.endsWith(`@${c.company_domain}`)).toBe(true);
      if (c.phone_number !== null) expect(c.phone_number).toMatch(/^\+\d{10,14}$/);
      if (c.linkedin_url !== null)
        expect(c.linkedin_url).toMatch(/^https:\/\/www\.linkedin\.com\/in\/[a-z0-9-]+$/);
      if (c.profile_picture_url !== null) expect(c.profile_picture_url).toMatch(/^https:\/\//);
    }
    for (const field of CONTACT_KEYS.filter((k) => !['id', 'first_seen_at', 'last_seen_at'].includes(k))) {
      expect(contacts.some((c) => c[field] !== null)).toBe(true);
    }
    for (const field of ['phone_number', 'profile_picture_url', 'job_title', 'linkedin_url', 'state']) {
      expect(contacts.some((c) => c[field] === null)).toBe(true);
    }
    expect(contacts.some((c) => /[^\x20-\x7e]/.test(`${c.first_name}${c.last_name}${c.city}`))).toBe(true);
    expect(new Set(contacts.map((c) => c.company_name)).size).toBeGreaterThan(10);
    expect(new Set(contacts.map((c) => c.country)).size).toBeGreaterThan(4);
  });

  it('dates each contact from its run: first seen before the run started, last seen at its latest task', async () => {
    const s = await sandbox();
    for (const run of s.store.runs()) {
      if (run.contact_id === null) continue;
      const contact = s.store.contact(run.contact_id)!;
      expect(contact.first_seen_at < run.created_at).toBe(true);
      const latest = s.store
        .sequence(run.id)
        .map((t) => t.created_at)
        .sort()
        .at(-1);
      expect(contact.last_seen_at).toBe(latest);
    }
  });

  it('returns one contact by id; 404 for an unknown one, 400 naming contact_id for a malformed one', async () => {
    const s = await sandbox();
    const id = s.store.runs().find((r) => r.contact_id !== null)!.contact_id!;
    const r = await http(s, 'GET', `/contacts/${id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(s.store.contact(id));
    await expectError(http(s, 'GET', `/contacts/${UNKNOWN}`), 404, 'NotFoundIssue');
    await expectError(http(s, 'GET', '/contacts/jane@example.com'), 400, 'ValidationIssue', 'contact_id');
  });

  it('filters by email, linkedin_url and contact_id', async () => {
    const s = await sandbox();
    const contacts = s.store.contacts();
    const target = contacts.find((c) => c.email && c.linkedin_url)!;
    const one = (query: [string, string][]) => page<Contact>(s, '/contacts', query);
    expect((await one([['email', target.email!]])).items).toEqual(
      contacts.filter((c) => c.email === target.email),
    );
    // email addresses compare without regard to case
    expect((await one([['email', target.email!.toUpperCase()]])).items.map((c) => c.id)).toContain(target.id);
    expect((await one([['email', `x${target.email}`]])).total_count).toBe(0);
    expect((await one([['linkedin_url', target.linkedin_url!]])).items).toEqual([target]);
    expect((await one([['linkedin_url', `${target.linkedin_url}/`]])).total_count).toBe(0);
    expect((await one([['contact_id', target.id]])).items).toEqual([target]);
    expect((await one([['contact_id', UNKNOWN]])).total_count).toBe(0);
    expect(
      (
        await one([
          ['contact_id', target.id],
          ['email', 'someone@else.example'],
        ])
      ).total_count,
    ).toBe(0);
  });

  it('treats first_seen_after and last_seen_after as strict bounds', async () => {
    const s = await sandbox();
    const contacts = s.store.contacts();
    for (const [param, field] of [
      ['first_seen_after', 'first_seen_at'],
      ['last_seen_after', 'last_seen_at'],
    ] as const) {
      const bound = [...contacts].sort((a, b) => (a[field] < b[field] ? -1 : 1))[40]![field];
      const got = await all<Contact>(s, '/contacts', [[param, bound]]);
      const expected = contacts.filter((c) => c[field] > bound);
      expect(got.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
      expect(got.length).toBeLessThan(contacts.length - 40);
    }
  });

  it('sorts by email, last_seen_at and first_seen_at in either order', async () => {
    const s = await sandbox();
    for (const field of ['email', 'last_seen_at', 'first_seen_at'] as const) {
      for (const order of ['asc', 'desc']) {
        const got = await all<Contact>(s, '/contacts', [
          ['sort_by', field],
          ['sort_order', order],
        ]);
        const values = got.map((c) => c[field] ?? '');
        const sorted = [...values].sort();
        expect(values).toEqual(order === 'asc' ? sorted : sorted.reverse());
      }
    }
  });
});

describe('sandbox: threads greet the run contact', () => {
  it('says "Hi <first name>," to the run contact, and "Hi there," when the contact was deleted', async () => {
    const s = await sandbox({ tasks: 1200 });
    let named = 0;
    let there = 0;
    for (const task of s.store.state.tasks) {
      const run = s.store.run(task.sequence_id)!;
      const greetings = s.store
        .thread(task)
        .filter((m) => m.direction === 'OUTBOUND')
        .flatMap((m) => /^Hi ([^,\n]*),/.exec(m.body)?.[1] ?? []);
      const contact = run.contact_id === null ? undefined : s.store.contact(run.contact_id);
      const expected = contact?.first_name ?? 'there';
      for (const name of greetings) expect(name).toBe(expected);
      if (expected === 'there') there += greetings.length;
      else named += greetings.length;
    }
    expect(named).toBeGreaterThan(100);
    expect(there).toBeGreaterThan(0);
    const r = await http(s, 'GET', `/tasks/${s.store.state.tasks[0]!.id}/messages`);
    expect(r.body).toEqual(s.store.thread(s.store.state.tasks[0]!));
  });
});

describe('sandbox: strict queries of the companion listings', () => {
  const cases: [string, [string, string][], string][] = [
    ['/sequences', [['limit', '10']], 'limit'],
    ['/sequences', [['types', 'CALL']], 'types'],
    ['/sequences', [['sequence_template_ids', UNKNOWN]], 'sequence_template_ids'],
    ['/sequences', [['status', 'waiting_for_user']], 'status'],
    ['/sequences', [['status', 'PENDING']], 'status'],
    ['/sequences', [['status', 'ACTIVE,COMPLETED']], 'status'],
    [
      '/sequences',
      [
        ['status', 'ACTIVE'],
        ['status', 'COMPLETED'],
      ],
      'status',
    ],
    ['/sequences', [['sort_by', 'name']], 'sort_by'],
    ['/sequences', [['sort_order', 'up']], 'sort_order'],
    ['/sequences', [['size', '0']], 'size'],
    ['/sequences', [['size', '101']], 'size'],
    ['/sequences', [['page', '0']], 'page'],
    [
      '/sequences',
      [
        ['page', '1'],
        ['page', '2'],
      ],
      'page',
    ],
    ['/sequence-templates', [['limit', '10']], 'limit'],
    ['/sequence-templates', [['sequence_template_ids', UNKNOWN]], 'sequence_template_ids'],
    ['/sequence-templates', [['status', 'DRAFT']], 'status'],
    ['/sequence-templates', [['name', '']], 'name'],
    [
      '/sequence-templates',
      [
        ['name', 'a'],
        ['name', 'b'],
      ],
      'name',
    ],
    ['/sequence-templates', [['created_at_after', 'yesterday']], 'created_at_after'],
    ['/sequence-templates', [['created_at_before', '2026-13-45']], 'created_at_before'],
    ['/sequence-templates', [['sort_by', 'status']], 'sort_by'],
    ['/sequence-templates', [['sort_order', 'DESC']], 'sort_order'],
    ['/sequence-templates', [['size', 'ten']], 'size'],
    ['/contacts', [['limit', '10']], 'limit'],
    ['/contacts', [['sequence_id', UNKNOWN]], 'sequence_id'],
    ['/contacts', [['contact_id', 'abc']], 'contact_id'],
    [
      '/contacts',
      [
        ['contact_id', UNKNOWN],
        ['contact_id', UNKNOWN],
      ],
      'contact_id',
    ],
    [
      '/contacts',
      [
        ['email', 'a@b.example'],
        ['email', 'c@d.example'],
      ],
      'email',
    ],
    ['/contacts', [['email', '']], 'email'],
    ['/contacts', [['linkedin_url', '']], 'linkedin_url'],
    ['/contacts', [['first_seen_after', 'last week']], 'first_seen_after'],
    ['/contacts', [['last_seen_after', '2026-02-30T25:00:00Z']], 'last_seen_after'],
    ['/contacts', [['sort_by', 'created_at']], 'sort_by'],
    ['/contacts', [['sort_order', '1']], 'sort_order'],
    ['/contacts', [['size', '-1']], 'size'],
    ['/contacts', [['page', 'two']], 'page'],
  ];
  it.each(cases)('%s answers 400 ValidationIssue for %j, naming %s', async (path, query, field) => {
    const s = await sandbox({ tasks: 20 });
    const body = await expectError(http(s, 'GET', path, { query }), 400, 'ValidationIssue', field);
    expect(JSON.stringify(body.data)).toContain(field);
  });

  it('accepts every documented parameter together', async () => {
    const s = await sandbox({ tasks: 20 });
    const ok = async (path: string, query: [string, string][]) =>
      expect((await http(s, 'GET', path, { query })).status).toBe(200);
    await ok('/sequences', [
      ['page', '1'],
      ['size', '100'],
      ['status', 'ACTIVE'],
      ['sort_by', 'updated_at'],
      ['sort_order', 'desc'],
    ]);
    await ok('/sequence-templates', [
      ['page', '1'],
      ['size', '1'],
      ['name', 'x'],
      ['status', 'INACTIVE'],
      ['created_at_after', '2020-01-01'],
      ['created_at_before', '2030-01-01T00:00:00+02:00'],
      ['sort_by', 'name'],
      ['sort_order', 'asc'],
    ]);
    await ok('/contacts', [
      ['page', '2'],
      ['size', '5'],
      ['email', 'a@b.example'],
      ['linkedin_url', 'https://www.linkedin.com/in/a'],
      ['contact_id', UNKNOWN],
      ['first_seen_after', '2020-01-01T00:00:00Z'],
      ['last_seen_after', '2020-01-01 10:00'],
      ['sort_by', 'email'],
      ['sort_order', 'desc'],
    ]);
  });
});

describe('sandbox: keys, scopes and methods of the companion endpoints', () => {
  const endpoints = (s: Sandbox) => {
    const run = s.store.runs().find((r) => r.contact_id !== null)!;
    return {
      sequences: [
        '/sequences',
        `/sequences/${run.id}`,
        '/sequence-templates',
        `/sequence-templates/${run.sequence_template_id}`,
      ],
      contacts: ['/contacts', `/contacts/${run.contact_id}`],
    };
  };

  it('answers 200 to topo_sandbox_rw, and 403 naming the scope to the keys without it', async () => {
    const s = await sandbox({ tasks: 30 });
    const { sequences, contacts } = endpoints(s);
    for (const [paths, scope] of [
      [sequences, 'sequences:read'],
      [contacts, 'contacts:read'],
    ] as const) {
      for (const path of paths) {
        expect((await http(s, 'GET', path)).status).toBe(200);
        for (const key of ['topo_sandbox_tasks', 'topo_sandbox_ro', 'topo_sandbox_none']) {
          const body = await expectError(http(s, 'GET', path, { key }), 403, 'UnauthorizedIssue', scope);
          expect(body.data).toEqual({ required_scope: scope });
        }
      }
    }
    // the tasks-only key still does everything with tasks
    const task = s.store.state.tasks.find(isOpen)!;
    expect((await http(s, 'GET', '/tasks', { key: 'topo_sandbox_tasks' })).status).toBe(200);
    expect((await http(s, 'POST', `/tasks/${task.id}/skip`, { key: 'topo_sandbox_tasks' })).status).toBe(200);
  });

  it('answers 401 without a key or with an unknown one', async () => {
    const s = await sandbox({ tasks: 30 });
    const { sequences, contacts } = endpoints(s);
    for (const path of [...sequences, ...contacts]) {
      await expectError(http(s, 'GET', path, { key: null }), 401, 'UnauthorizedIssue');
      await expectError(http(s, 'GET', path, { key: 'topo_sandbox_nope' }), 401, 'UnauthorizedIssue');
    }
  });

  it('answers 405 to any other method, and 404 below the resources', async () => {
    const s = await sandbox({ tasks: 30 });
    const { sequences, contacts } = endpoints(s);
    for (const path of [...sequences, ...contacts]) {
      for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
        await expectError(http(s, method, path), 405, 'MethodNotAllowed', 'GET');
      }
    }
    await expectError(http(s, 'GET', `${sequences[1]}/contact`), 404, 'NotFoundIssue');
    await expectError(http(s, 'GET', '/sequence_templates'), 404, 'NotFoundIssue');
  });
});

describe('sandbox: companions are derived, deterministic and fast', () => {
  it('gives the same runs, templates and contacts for the same seed, and other contacts for another', async () => {
    const a = await sandbox({ seed: 42, tasks: 200 });
    const b = await sandbox({ seed: 42, tasks: 200 });
    const c = await sandbox({ seed: 43, tasks: 200 });
    expect(a.store.runs()).toEqual(b.store.runs());
    expect(a.store.templates()).toEqual(b.store.templates());
    expect(a.store.contacts()).toEqual(b.store.contacts());
    expect((await http(a, 'GET', '/contacts', { query: [['size', '100']] })).body).toEqual(
      (await http(b, 'GET', '/contacts', { query: [['size', '100']] })).body,
    );
    expect(a.store.thread(a.store.state.tasks[3]!)).toEqual(b.store.thread(b.store.state.tasks[3]!));
    expect(c.store.contacts().map((x) => x.email)).not.toEqual(a.store.contacts().map((x) => x.email));
    expect(c.store.templates().map((t) => t.name)).toEqual(a.store.templates().map((t) => t.name));
  });
});
