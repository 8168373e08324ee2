import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { displayWidth } from '../../src/output/width.js';
import { sandbox, tempDir, topo } from '../helpers.js';

/** Tasks that say who and what: contacts, campaigns and runs beside every task. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';
const newestFirst = (a: Task, b: Task) =>
  a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1;
const openNewest = (s: Sandbox) => s.store.state.tasks.filter(isOpen).sort(newestFirst);

/** GETs of the companion resources the sandbox answered, by path. */
function lookups(s: Sandbox): string[] {
  return s.received('GET', /^\/v1\/(sequences|sequence-templates|contacts)\//).map((r) => r.path);
}

function fullName(s: Sandbox, t: Task): string {
  const run = s.store.run(t.sequence_id)!;
  const c = run.contact_id ? s.store.contact(run.contact_id)! : undefined;
  return c ? [c.first_name, c.last_name].filter(Boolean).join(' ') : '';
}

describe('--with on tasks list', () => {
  it('nests the run, contact and campaign in JSON exactly as the API returns them', async () => {
    const s = await sandbox();
    const r = await topo(
      ['tasks', 'list', '-L', '12', '--with', 'run,contact', '--with', 'template', '--json'],
      {
        sandbox: s,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, unknown>[];
    const expected = openNewest(s).slice(0, 12);
    expect(got).toHaveLength(12);
    got.forEach((row, i) => {
      const t = expected[i]!;
      const run = s.store.run(t.sequence_id)!;
      expect(row).toEqual({
        ...t,
        contact: run.contact_id ? s.store.contact(run.contact_id) : null,
        sequence_template: s.store.template(run.sequence_template_id),
        sequence_run: run,
      });
    });
    // Each run, contact and template was asked for once.
    const paths = lookups(s);
    expect(new Set(paths).size).toBe(paths.length);
    const runs = new Set(expected.map((t) => t.sequence_id));
    expect(paths.filter((p) => p.startsWith('/v1/sequences/'))).toHaveLength(runs.size);
  });

  it('appends the documented columns to the TSV and CSV, after today’s stable ones', async () => {
    const s = await sandbox();
    const tsv = await topo(['tasks', 'list', '-L', '8', '--with', 'template,run,contact'], { sandbox: s });
    const expected = openNewest(s).slice(0, 8);
    const lines = tsv.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    lines.forEach((cols, i) => {
      const t = expected[i]!;
      const run = s.store.run(t.sequence_id)!;
      const contact = run.contact_id ? s.store.contact(run.contact_id)! : undefined;
      expect(cols.slice(0, 8)).toEqual([
        t.id,
        t.type,
        t.priority,
        t.status,
        t.assignee_user_id ?? '',
        t.sequence_id,
        t.created_at,
        t.updated_at,
      ]);
      expect(cols.slice(8)).toEqual([
        fullName(s, t),
        contact?.company_name ?? '',
        contact?.email ?? '',
        contact?.phone_number ?? '',
        s.store.template(run.sequence_template_id)!.name,
        run.status,
      ]);
    });
    const csv = await topo(['tasks', 'list', '-L', '3', '--with', 'contact', '--csv'], { sandbox: s });
    const parsed = Papa.parse<Record<string, string>>(csv.stdout, { header: true, skipEmptyLines: true });
    expect(parsed.meta.fields).toEqual([
      'id',
      'type',
      'priority',
      'status',
      'assignee_user_id',
      'sequence_id',
      'created_at',
      'updated_at',
      'contact_name',
      'company_name',
      'contact_email',
      'contact_phone',
    ]);
    expect(parsed.data[0]!.contact_name).toBe(fullName(s, expected[0]!));
  });

  it('a page’s companions in two rounds: every run asked at once, each contact and campaign as its run arrives', async () => {
    const s = await sandbox({ tasks: 2000 });
    const page = openNewest(s).slice(0, 30);
    const runs = new Set(page.map((t) => t.sequence_id));
    expect(runs.size).toBeGreaterThan(17);
    // The first run asked is answered at once, the others late, each contact and campaign at once: the order
    // requests arrive in says what waited for what.
    s.injectFault({ method: 'GET', path: '^/v1/sequences/', after: 1, delayMs: 400, times: runs.size });
    const order: { path: string; runsAnswered: number }[] = [];
    s.onRequest((q) =>
      order.push({
        path: q.path,
        runsAnswered: s.received('GET', /^\/v1\/sequences\//).filter((r) => r.status !== 0).length,
      }),
    );
    const r = await topo(['tasks', 'list', '-L', '30', '--with', 'contact,template,run', '--json'], {
      sandbox: s,
    });
    expect(r.code).toBe(0);
    const runAsks = order.filter((o) => o.path.startsWith('/v1/sequences/'));
    expect(runAsks).toHaveLength(runs.size);
    // No run waited for a late answer (a cap of 16 lookups at once would make all but one beyond it wait).
    for (const ask of runAsks) expect(ask.runsAnswered).toBeLessThanOrEqual(1);
    // The first run's contact and campaign are asked for as it arrives, not after the other runs.
    const contacts = order.filter((o) => o.path.startsWith('/v1/contacts/'));
    const templates = order.filter((o) => o.path.startsWith('/v1/sequence-templates/'));
    expect(contacts[0]!.runsAnswered).toBe(1);
    expect(templates[0]!.runsAnswered).toBe(1);
  });

  it('without --with, piped and JSON output are the tasks alone, and nothing else is asked', async () => {
    const s = await sandbox();
    const json = await topo(['tasks', 'list', '-L', '5', '--json'], { sandbox: s });
    expect(JSON.parse(json.stdout)).toEqual(openNewest(s).slice(0, 5));
    await topo(['tasks', 'list', '-L', '5'], { sandbox: s });
    expect(lookups(s)).toEqual([]);
    expect(s.received('GET', /^\/v1\/me$/)).toHaveLength(0);
  });

  it('a field named in --json asks for its lookup without --with', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '-L', '2', '--json', 'id,sequence_template'], { sandbox: s });
    const t = openNewest(s)[0]!;
    expect(JSON.parse(r.stdout)[0]).toEqual({
      id: t.id,
      sequence_template: s.store.template(s.store.run(t.sequence_id)!.sequence_template_id),
    });
  });
});

describe('the rep’s view on a terminal', () => {
  it('shows CONTACT and CAMPAIGN instead of SEQUENCE RUN, looking up only the rows shown', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '-L', '30'], { sandbox: s, tty: true, columns: 200 });
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+TYPE\s+PRIORITY\s+STATUS\s+ASSIGNEE\s+CONTACT\s+CAMPAIGN\s+CREATED$/);
    const shown = openNewest(s).slice(0, 30);
    rows.forEach((row, i) => {
      const t = shown[i]!;
      const run = s.store.run(t.sequence_id)!;
      const contact = run.contact_id ? s.store.contact(run.contact_id)! : undefined;
      const label = contact?.company_name ? `${fullName(s, t)} · ${contact.company_name}` : fullName(s, t);
      expect(row).toContain(contact ? label : 'contact deleted');
      expect(row).toContain(s.store.template(run.sequence_template_id)!.name!);
    });
    // At most one request per distinct run, contact and template of the rows shown.
    const paths = lookups(s);
    expect(new Set(paths).size).toBe(paths.length);
    const runs = new Set(shown.map((t) => t.sequence_id));
    expect(paths.filter((p) => p.startsWith('/v1/sequences/')).length).toBe(runs.size);
    expect(
      paths.every(
        (p) => [...runs].some((id) => p === `/v1/sequences/${id}`) || !p.startsWith('/v1/sequences/'),
      ),
    ).toBe(true);
  });

  it.each([
    [['tasks', 'list', '-L', '30'], 'ASSIG(NEE|…) +', 130],
    [['tasks', 'list', '-a', 'me', '-L', '30'], '', 120],
  ])(
    '%j keeps each ID whole from 100 columns, and is never wider than the terminal',
    async (argv, assignee, campaignFrom) => {
      const ids = (await topo(['--sandbox', ...argv, '--json', 'id'])).stdout;
      const expected = (JSON.parse(ids) as { id: string }[]).map((t) => t.id);
      expect(expected).toHaveLength(30);
      for (const columns of [160, 130, 120, 100, 80, 60]) {
        const r = await topo(['--sandbox', ...argv], { tty: true, columns });
        expect(r.code).toBe(0);
        const [head, ...rows] = r.stdout.trimEnd().split('\n');
        for (const line of [head!, ...rows]) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
        expect(rows).toHaveLength(30);
        // Down to 130 (120 without ASSIGNEE) the rep sees who and which campaign beside the whole ID and type;
        // then the campaign gives way, and at 100 the PRIORITY header is cut (its values are at most 5 wide).
        if (columns >= campaignFrom)
          expect(head).toMatch(
            new RegExp(`^ID {36}TYPE +PRIORITY +STATUS +${assignee}CONTACT +CAMPAIGN +CREATED$`),
          );
        if (columns >= 100 && columns < campaignFrom)
          expect(head).toMatch(
            new RegExp(`^ID {36}TYPE +PRIO(RITY|…) +STATUS +${assignee}CONTACT +CREATED$`),
          );
        rows.forEach((row, i) => {
          if (columns >= 100) expect(row.startsWith(`${expected[i]}  `)).toBe(true);
          else
            expect(row).toMatch(
              new RegExp(`^${expected[i]!.slice(0, 4)}[0-9a-f-]*…[0-9a-f-]*${expected[i]!.slice(-4)} `),
            );
          // TYPE, STATUS and the age stay whole down to 80 columns.
          if (columns >= 80)
            expect(row).toMatch(
              / {2}(call|email reply|linkedin reply|new lead review|to-do|playbook approval|playbook appro…) {2,}\S+ {2,}(pending|in progress) {2,}.*(\d+(mo|[mhdwy]) ago|just now)$/,
            );
        });
      }
    },
  );

  it('looks up a whole --all only when it fits one page (100 tasks), or when --with asks', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--all'], { sandbox: s, tty: true, columns: 200 });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Showing (\d{3}) of \1 open tasks\n$/);
    expect(r.stdout.split('\n')[0]).toContain('SEQUENCE RUN');
    expect(lookups(s)).toEqual([]);
    // One rep's queue: what a page would show, looked up as a page is (also for --select, which lists the same).
    const alice = s.store.users[0]!;
    const mine = await topo(['tasks', 'list', '--all', '-a', alice.id], {
      sandbox: s,
      tty: true,
      columns: 200,
    });
    expect(mine.code, mine.stderr).toBe(0);
    const [header, ...rows] = mine.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+TYPE\s+PRIORITY\s+STATUS\s+CONTACT\s+CAMPAIGN\s+CREATED$/);
    const runs = new Set(rows.map((row) => s.store.get(row.split(' ')[0]!)!.sequence_id));
    expect(new Set(lookups(s).filter((path) => path.startsWith('/v1/sequences/')))).toEqual(
      new Set([...runs].map((id) => `/v1/sequences/${id}`)),
    );
  });

  it('shows a deleted contact as such, in the table, in show and in JSON', async () => {
    const s = await sandbox();
    const t = openNewest(s)[0]!;
    s.store.patchRun(t.sequence_id, { contact_id: null });
    const table = await topo(['tasks', 'list', '-L', '1'], { sandbox: s, tty: true, columns: 160 });
    expect(table.stdout).toContain('contact deleted');
    const show = await topo(['tasks', 'show', t.id], { sandbox: s, tty: true, columns: 100 });
    expect(show.stdout).toMatch(/^Contact\s+contact deleted$/m);
    const json = await topo(['tasks', 'show', t.id, '--with', 'contact', '--json'], { sandbox: s });
    expect(JSON.parse(json.stdout).contact).toBeNull();
    expect(s.received('GET', /^\/v1\/contacts\//)).toHaveLength(0);
  });

  it('tasks show: the contact block, the campaign and the run’s status in words', async () => {
    const s = await sandbox();
    const t = openNewest(s).find((x) => {
      const run = s.store.run(x.sequence_id)!;
      return run.contact_id && s.store.contact(run.contact_id)!.phone_number;
    })!;
    const run = s.store.run(t.sequence_id)!;
    const c = s.store.contact(run.contact_id!)!;
    const template = s.store.template(run.sequence_template_id)!;
    const r = await topo(['tasks', 'show', t.id], { sandbox: s, tty: true, columns: 100 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Contact\\s+${fullName(s, t)}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^Title\\s+${c.job_title}$`, 'm'));
    expect(r.stdout).toContain(`${c.company_name} (${c.company_domain})`);
    expect(r.stdout).toMatch(new RegExp(`^Email\\s+${c.email}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^Phone\\s+\\${c.phone_number}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^LinkedIn\\s+${c.linkedin_url}$`, 'm'));
    expect(r.stdout).toMatch(
      new RegExp(`^Campaign\\s+${template.name} \\(${template.status.toLowerCase()}\\)$`, 'm'),
    );
    expect(r.stdout).toMatch(/^Run status\s+waiting for this task$/m);
    const piped = await topo(['tasks', 'show', t.id, '--with', 'contact,template,run'], { sandbox: s });
    expect(piped.stdout).toContain(`contact_phone\t${c.phone_number}\n`);
    expect(piped.stdout).toContain(`template_name\t${template.name}\n`);
    expect(piped.stdout.endsWith(`run_status\tWAITING_FOR_USER\n`)).toBe(true);
  });

  it('tasks thread names the contact on inbound messages, colleagues by alias', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => {
      const run = s.store.run(x.sequence_id)!;
      return run.contact_id && s.store.thread(x).some((m) => m.direction === 'INBOUND');
    })!;
    const r = await topo(['--sandbox', 'tasks', 'thread', t.id], { sandbox: s, tty: true, columns: 100 });
    // (--sandbox runs its own seeded workspace: compare with what it says about itself)
    expect(r.code).toBe(3 === r.code ? 3 : 0);
    const direct = await topo(['tasks', 'thread', t.id], { sandbox: s, tty: true, columns: 100 });
    expect(direct.stdout).toContain(`← inbound · email · ${fullName(s, t)} ·`);
    expect(direct.stdout).not.toMatch(/← inbound · [a-z]+ · contact ·/);
    const piped = await topo(['tasks', 'thread', t.id], { sandbox: s });
    expect(piped.stdout).toMatch(/^--- inbound \w+ from contact at /m);
    const named = await topo(['tasks', 'thread', t.id, '--with', 'contact'], { sandbox: s });
    expect(named.stdout).toContain(`--- inbound email from ${fullName(s, t)} at `);
    // A narrow terminal: every line fits, the header keeps the age, the exact time on a line of its own.
    const narrow = await topo(['tasks', 'thread', t.id, '--no-pager'], {
      sandbox: s,
      tty: true,
      columns: 50,
    });
    for (const line of narrow.stdout.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(50);
    expect(narrow.stdout).toMatch(
      new RegExp(
        `← inbound · email · ${fullName(s, t)} · (\\d+(mo|[mhdwy]) ago|just now)\\n {2}\\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
  });
});

describe('a key without the companion scopes', () => {
  it('shows today’s view with one notice naming both scopes it lacks, exit 0', async () => {
    const s = await sandbox();
    const key = 'topo_sandbox_tasks';
    const table = await topo(['tasks', 'list', '-L', '5'], { sandbox: s, key, tty: true, columns: 200 });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toContain('SEQUENCE RUN');
    const notices = table.stderr.split('\n').filter((l) => l.startsWith('note:'));
    expect(notices).toEqual([
      "note: this API key lacks the 'sequences:read' and 'contacts:read' scopes, so contacts and campaigns are not shown. Create a key with them (Settings → Developers → API Keys) and run 'topo auth login'.",
    ]);
    // The key's scopes were asked once; nothing was sent that the key would be refused.
    expect(lookups(s)).toEqual([]);
    // In the sandbox the remedy is its own key with every scope, not a key to create.
    const home = tempDir();
    const inSandbox = await topo(['--sandbox', 'tasks', 'list', '-L', '2'], {
      key,
      tty: true,
      env: { TOPO_DATA_DIR: join(home, 'data'), TOPO_CONFIG_DIR: join(home, 'cfg') },
    });
    expect(inSandbox.stderr).toContain(
      "so contacts and campaigns are not shown. Unset TOPO_API_KEY for the sandbox's demo key with every scope.\n",
    );
    const json = await topo(['tasks', 'list', '-L', '2', '--with', 'contact', '--json'], { sandbox: s, key });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).map((x: { contact: unknown }) => x.contact)).toEqual([null, null]);
    expect(json.stderr.trimEnd().split('\n')).toHaveLength(1);
    const show = await topo(['tasks', 'show', openNewest(s)[0]!.id], { sandbox: s, key, tty: true });
    expect(show.code).toBe(0);
    expect(show.stdout).not.toContain('Contact');
    expect(show.stderr).toContain("lacks the 'sequences:read' and 'contacts:read' scopes");
  });

  it('with sequences:read but not contacts:read: campaigns shown, one notice about contacts', async () => {
    const s = await sandbox({
      extraKeys: [{ key: 'topo_test_seq', name: 'No contacts', scopes: ['tasks:read', 'sequences:read'] }],
    });
    const r = await topo(['tasks', 'list', '-L', '5'], {
      sandbox: s,
      key: 'topo_test_seq',
      tty: true,
      columns: 200,
    });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain('CAMPAIGN');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('note:'))).toEqual([
      "note: this API key lacks the 'contacts:read' scope, so contact names and details are not shown. Create a key with it (Settings → Developers → API Keys) and run 'topo auth login'.",
    ]);
    expect(s.received('GET', /^\/v1\/contacts\//)).toHaveLength(0);
  });

  it('auth status says which views the key allows', async () => {
    const s = await sandbox();
    const r = await topo(['auth', 'status', '--json', 'views'], { sandbox: s, key: 'topo_sandbox_tasks' });
    expect(JSON.parse(r.stdout)).toEqual({
      views: { tasks: true, changes: true, campaigns: false, contacts: false },
    });
    const text = await topo(['auth', 'status'], { sandbox: s, key: 'topo_sandbox_tasks' });
    expect(text.stdout).toContain(
      'Not:        campaigns and sequence runs (needs sequences:read); contact names and details (needs contacts:read)',
    );
  });
});

describe('campaign names', () => {
  it('--template takes a name (exact), a UUID, or says "did you mean" for a near miss', async () => {
    const s = await sandbox();
    const [template] = s.store.templates();
    const byName = await topo(['tasks', 'list', '--status', 'all', '--all', '--template', template!.name!], {
      sandbox: s,
    });
    expect(byName.code).toBe(0);
    const ids = byName.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t')[0]);
    const expected = s.store.state.tasks.filter(
      (t) => s.store.run(t.sequence_id)!.sequence_template_id === template!.id,
    );
    expect(ids.sort()).toEqual(expected.map((t) => t.id).sort());
    const listing = s.received('GET', /^\/v1\/tasks$/).at(-1)!;
    expect(listing.params).toContainEqual(['sequence_template_ids', template!.id]);

    const listings = s.received('GET', /^\/v1\/tasks$/).length;
    const near = await topo(['tasks', 'list', '--template', template!.name!.toLowerCase().replace('-', '')], {
      sandbox: s,
    });
    expect(near.code).toBe(2);
    expect(near.stderr).toBe(
      `error: --template: no campaign named '${template!.name!.toLowerCase().replace('-', '')}' (did you mean '${template!.name}'?)\n`,
    );
    const none = await topo(['tasks', 'list', '--template', 'Nothing Like It At All'], { sandbox: s });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      "error: --template: no campaign named 'Nothing Like It At All'; see 'topo templates list'\n",
    );
    // A name that matches nothing stops before any task is listed.
    expect(s.received('GET', /^\/v1\/tasks$/)).toHaveLength(listings);
    const uuid = await topo(['tasks', 'list', '--template', template!.id, '-L', '1'], { sandbox: s });
    expect(uuid.code).toBe(0);
    const noScope = await topo(['tasks', 'list', '--template', template!.name!], {
      sandbox: s,
      key: 'topo_sandbox_tasks',
    });
    expect(noScope.code).toBe(4);
    expect(noScope.stderr).toBe(
      "error: --template by name needs the 'sequences:read' scope, which this key lacks; use the template's UUID, or a key with the scope\n",
    );
    const list = await topo(['templates', 'list'], { sandbox: s, key: 'topo_sandbox_tasks' });
    expect(list.code).toBe(4);
    expect(list.stderr).toBe(
      "error: listing campaigns needs the 'sequences:read' scope, which this key lacks: ask an admin for a key with it\n",
    );
  });

  it('templates list shows the campaigns; their names, and nothing else, are kept for completion', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CACHE_DIR: join(home, 'cache') };
    const r = await topo(['templates', 'list'], { sandbox: s, env });
    expect(r.code).toBe(0);
    const all = s.store.templates().sort((a, b) => (a.name! < b.name! ? -1 : 1));
    expect(r.stdout).toBe(all.map((t) => `${t.id}\t${t.name}\t${t.status}\t${t.step_count}\n`).join(''));
    const json = await topo(['templates', 'list', '--status', 'archived', '--json', 'name,status'], {
      sandbox: s,
      env,
    });
    expect(JSON.parse(json.stdout)).toEqual(
      all.filter((t) => t.status === 'ARCHIVED').map((t) => ({ name: t.name, status: t.status })),
    );
    const cache = JSON.parse(readFileSync(join(home, 'cache', 'templates.json'), 'utf8'));
    // Kept per workspace: the API URL and the profile.
    expect(cache[`default ${s.url}`].names).toEqual(all.map((t) => t.name).sort());
    const offered = async (args: string[]) =>
      (
        await topo(['complete', '--', ...args, 'tasks', 'list', '--template', ''], {
          env,
          key: null,
          sandbox: s,
        })
      ).stdout
        .split('\n')
        .filter((l) => l.includes('\t'))
        .map((l) => l.split('\t')[0]);
    expect(await offered([])).toEqual(all.map((t) => t.name).sort());
    // Another API URL of the same profile has names of its own: none yet.
    expect(await offered(['--api-url', 'https://other.example.com/v1'])).toEqual([]);
  });

  it('completion offers cached campaign names with control characters made visible', async () => {
    const s = await sandbox();
    const env = { TOPO_CACHE_DIR: join(tempDir(), 'cache') };
    const [first] = s.store.templates();
    s.store.patchTemplate(first!.id, { name: 'Q4\u001b]0;owned\u0007\tpush\u009b' });
    expect((await topo(['templates', 'list'], { sandbox: s, env })).code).toBe(0);
    const r = await topo(['complete', '--', 'tasks', 'list', '--template', ''], {
      env,
      key: null,
      sandbox: s,
    });
    expect(r.stdout).toContain('Q4\\e]0;owned\\x07\\tpush\\x9b\tcampaign\n');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('privacy and terminal safety', () => {
  it('writes no contact detail to disk and logs none with --debug', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = {
      TOPO_CONFIG_DIR: join(home, 'config'),
      TOPO_STATE_DIR: join(home, 'state'),
      TOPO_CACHE_DIR: join(home, 'cache'),
      TOPO_DATA_DIR: join(home, 'data'),
    };
    const t = openNewest(s)[0]!;
    const c = s.store.contact(s.store.run(t.sequence_id)!.contact_id!)!;
    const r = await topo(['tasks', 'show', t.id, '--debug'], { sandbox: s, env, tty: true });
    expect(r.stdout).toContain(c.email!);
    expect(r.stderr).toContain('[debug]');
    for (const secret of [c.email!, c.last_name!, c.phone_number ?? c.email!])
      expect(r.stderr).not.toContain(secret);
    await topo(['tasks', 'list', '--with', 'contact', '--debug'], { sandbox: s, env });
    const files = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
          )
        : [];
    for (const f of files(home)) expect(readFileSync(f, 'utf8')).not.toContain(c.email!);
  });

  it('makes text from contacts and campaigns safe on a terminal, like message bodies', async () => {
    const s = await sandbox();
    const t = openNewest(s)[0]!;
    const run = s.store.run(t.sequence_id)!;
    s.store.patchContact(run.contact_id!, {
      company_name: 'Evil\u001b]0;pwned\u0007 Corp',
      first_name: 'Ada\u001b[2J',
    });
    s.store.patchTemplate(run.sequence_template_id, { name: 'Camp\u009b31m' });
    const table = await topo(['tasks', 'list', '-L', '1'], { sandbox: s, tty: true, columns: 200 });
    const show = await topo(['tasks', 'show', t.id], { sandbox: s, tty: true, columns: 120 });
    for (const out of [table.stdout, show.stdout]) {
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\u001b\u0007\u009b]/);
      expect(out).toContain('Evil\\e]0;pwned\\x07 Corp');
      expect(out).toContain('Camp\\x9b31m');
    }
    const json = await topo(['tasks', 'show', t.id, '--with', 'contact', '--json'], { sandbox: s });
    expect(JSON.parse(json.stdout).contact.company_name).toBe('Evil\u001b]0;pwned\u0007 Corp');
  });
});
