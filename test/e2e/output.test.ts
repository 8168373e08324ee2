import type { Command } from 'commander';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import type { Task } from '../../src/api/types.js';
import { displayWidth } from '../../src/output/width.js';
import { outputSpecOf } from '../../src/output/flags.js';
import { csvCell, csvLines } from '../../src/output/csv.js';
import { sandbox, scriptedPrompter, tempDir, topo, waitFor } from '../helpers.js';

/** The one output layer: table widths, CSV, JSON fields in help and behaviour, errors as JSON, --raw. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';
const newestFirst = (a: Task, b: Task) =>
  a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1;

function header(stdout: string): string[] {
  return stdout
    .split('\n')[0]!
    .trim()
    .split(/\s{2,}/);
}

describe('free text fits a narrow terminal', () => {
  const widest = (text: string) => Math.max(...text.split('\n').map(displayWidth));

  it.each([60, 80, 120])(
    'at %i columns: the tasks next header and an offboarding plan wrap under their labels',
    async (columns) => {
      const s = await sandbox();
      const card = await topo(['tasks', 'next', '-a', 'none'], {
        sandbox: s,
        tty: true,
        columns,
        deps: { prompter: scriptedPrompter(['quit']) },
      });
      expect(card.code).toBe(0);
      expect(widest(card.stdout.split('\n\n')[0]!)).toBeLessThanOrEqual(columns);
      // The header goes on under the type, the count of open tasks never split.
      expect(card.stdout).toMatch(
        /^Next unassigned: email reply · TODAY · in progress(\n {17}| {2})\(12\u00a0open\)\n/,
      );
      const [alice, bob, carla] = s.store.users;
      const plan = await topo(
        [
          'tasks',
          'reassign',
          '--from',
          alice!.id,
          '--to',
          `${bob!.id},${carla!.id}`,
          '--cap',
          '5',
          '--dry-run',
        ],
        {
          sandbox: s,
          tty: true,
          columns,
        },
      );
      expect(plan.code).toBe(0);
      const head = plan.stderr.split('  runs handled task by task')[0]!;
      expect(widest(head)).toBeLessThanOrEqual(columns);
      expect(head).toContain('  by type:       call 4, email reply 4, linkedin reply 1,');
      expect(head).toContain('  staying:       23 tasks in 11 runs');
      if (columns === 60) {
        expect(head).toContain('linkedin reply 1,\n                 new lead review 1\n');
        expect(head).toContain('(every successor is at\n                 --cap): TODAY 18, EXTRA 4, HOT 1\n');
      } else
        expect(head).toContain(
          '  by type:       call 4, email reply 4, linkedin reply 1, new lead review 1\n',
        );
    },
  );

  it('in a log (stderr not a terminal) a plan line stays one line, however long', async () => {
    const s = await sandbox();
    const [alice, bob, carla] = s.store.users;
    const plan = await topo(
      [
        'tasks',
        'reassign',
        '--from',
        alice!.id,
        '--to',
        `${bob!.id},${carla!.id}`,
        '--cap',
        '5',
        '--dry-run',
      ],
      {
        sandbox: s,
        columns: 60,
      },
    );
    expect(plan.stderr).toContain(
      '  by type:       call 4, email reply 4, linkedin reply 1, new lead review 1\n',
    );
  });

  it('auth login at 60 columns: the scopes wrap under their label', async () => {
    const s = await sandbox();
    const r = await topo(['auth', 'login'], {
      sandbox: s,
      key: null,
      tty: true,
      columns: 60,
      env: { TOPO_CONFIG_DIR: join(tempDir(), 'cfg') },
      deps: { prompter: scriptedPrompter(['topo_sandbox_rw', '']) },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(widest(r.stderr.split('\nnote:')[0]!)).toBeLessThanOrEqual(60);
    expect(r.stderr).toMatch(/^✓ Logged in to workspace\n {2}[0-9a-f-]{36} as key 'Sandbox\n {2}read-write'/);
    expect(r.stderr).toMatch(/\n {2}Scopes: tasks:read, tasks:write, sequences:read,\n {10}contacts:read\n/);
  });
});

describe('terminal tables fit the width', () => {
  it.each([
    [120, ['ID', 'TYPE', 'PRIORITY', 'STATUS', 'ASSIGNEE', 'SEQUENCE RUN', 'CREATED']],
    [100, ['ID', 'TYPE', 'PRIORITY', 'STATUS', 'ASSIGNEE', 'CREATED']],
    [80, ['ID', 'TYPE', 'PRIORITY', 'STATUS', 'ASSIGNEE', 'CREATED']],
    [60, ['ID', 'TYPE', 'PRIORITY', 'STATUS', 'ASSIGNEE', 'CREATED']],
  ])('at %i columns: never wider, the least useful columns give way first', async (columns, shown) => {
    // A key without the companion scopes: the table of tasks alone (the rep's view is in people.test.ts).
    const r = await topo(['--sandbox', 'tasks', 'list', '-L', '40'], {
      tty: true,
      columns,
      key: 'topo_sandbox_tasks',
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(41);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
    // A narrowed column's header is cut like its cells ('ASSIG…').
    const got = header(r.stdout);
    expect(got).toHaveLength(shown.length);
    got.forEach((h, i) => expect(shown[i]!.startsWith(h.replace(/…$/, ''))).toBe(true));
    if (columns >= 100) expect(got).toEqual(shown);
    // The ID gives way last: whole, to copy, from 100 columns; cut in the middle below.
    for (const line of lines.slice(1))
      expect(line).toMatch(
        columns >= 100 ? /^[0-9a-f-]{36} {2}\S/ : /^[0-9a-f]{4,}-?[0-9a-f-]*…[0-9a-f-]{4,} /,
      );
    if (columns >= 80) {
      // TYPE, STATUS and the age stay whole down to 80 columns.
      for (const line of lines.slice(1)) {
        expect(line).toMatch(
          / {2}(call|email reply|linkedin reply|new lead review|to-do|playbook approval|playbook appro…) {2}/,
        );
        expect(line).toMatch(/ (pending|in progress) /);
        expect(line).toMatch(/(\d+(mo|[mhdwy]) ago|just now)$/);
      }
    }
  });

  it('cuts an unknown assignee’s UUID in the middle rather than dropping TYPE or STATUS', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '-L', '10'], {
      sandbox: s,
      tty: true,
      columns: 80,
      key: 'topo_sandbox_tasks',
    });
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(lines.slice(1).every((l) => /…/.test(l))).toBe(true);
    expect(header(r.stdout)).toContain('STATUS');
  });
});

describe('IDs to copy', () => {
  it('a dry run’s table keeps each ID whole at 100 columns and cuts it only below, TYPE whole at 80', async () => {
    const s = await sandbox();
    const ids = s.store.state.tasks
      .filter(isOpen)
      .slice(0, 3)
      .map((t) => t.id);
    // A task the change would be refused for says so, and its ID stays whole at 100 columns too.
    const done = s.store.state.tasks.find((t) => t.status === 'COMPLETED')!.id;
    const refused = await topo(['tasks', 'skip', done, ...ids.slice(0, 1), '--dry-run'], {
      sandbox: s,
      tty: true,
      columns: 100,
    });
    const first = refused.stdout.split('\n')[1]!;
    expect(first.startsWith(`${done}  `)).toBe(true);
    expect(first).toMatch(/ {2}completed {2}.* {2}cannot be skipped$/);
    for (const columns of [100, 80]) {
      const r = await topo(['tasks', 'skip', ...ids, '--dry-run'], { sandbox: s, tty: true, columns });
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
      lines.slice(1).forEach((line, i) => {
        if (columns === 100) expect(line.startsWith(`${ids[i]}  `)).toBe(true);
        else expect(line).toMatch(new RegExp(`^${ids[i]!.slice(0, 6)}[0-9a-f-]*…`));
        // TYPE and STATUS stay whole, as in task tables.
        expect(line).toMatch(
          / {2}(call|email reply|linkedin reply|new lead review|to-do|playbook approval|playbook appro…) {2,}\S+ {2,}(pending|in progress) {2}/,
        );
      });
      expect(r.stderr).toBe('Dry run: 3 would change; nothing was changed.\n');
    }
  });

  it('a preview keeps what would happen whole down to 80 columns, and who each task would go to at 50', async () => {
    for (const columns of [100, 80]) {
      const r = await topo(
        ['--sandbox', 'tasks', 'reassign', '--from', 'alice', '--to', 'bob,carla', '--dry-run'],
        { tty: true, columns },
      );
      expect(r.code).toBe(0);
      const rows = r.stdout.trimEnd().split('\n').slice(1);
      expect(rows.length).toBeGreaterThan(5);
      for (const row of rows) {
        expect(displayWidth(row)).toBeLessThanOrEqual(columns);
        expect(row).toMatch(/ {2}would move to (bob|carla)$/);
        expect(row).toMatch(
          / {2}(call|email reply|linkedin reply|new lead review|to-do|playbook approval|playbook appro…) {2,}/,
        );
      }
    }
    // Narrower, who gets each task still shows: `→ bob`.
    for (const columns of [60, 50]) {
      const r = await topo(
        ['--sandbox', 'tasks', 'reassign', '--from', 'alice', '--to', 'bob,carla', '--dry-run'],
        { tty: true, columns },
      );
      const rows = r.stdout.trimEnd().split('\n').slice(1);
      for (const row of rows) {
        expect(displayWidth(row)).toBeLessThanOrEqual(columns);
        expect(row).toMatch(/ {2}→ (bob|carla)$/);
      }
    }
  });

  it('reassigning tasks by ID: the preview keeps who they would go to whole at 80 and 100, the ID at 100', async () => {
    const s = await sandbox();
    const [alice, bob] = s.store.users;
    const ids = [alice!, bob!].map(
      (u) => s.store.state.tasks.find((t) => isOpen(t) && t.assignee_user_id === u.id)!.id,
    );
    for (const columns of [100, 80]) {
      const r = await topo(['--sandbox', 'tasks', 'reassign', ...ids, '--to', 'carla', '--dry-run'], {
        tty: true,
        columns,
      });
      expect(r.code, r.stderr).toBe(0);
      const rows = r.stdout.trimEnd().split('\n').slice(1);
      expect(rows).toHaveLength(2);
      rows.forEach((row, i) => {
        expect(displayWidth(row)).toBeLessThanOrEqual(columns);
        expect(row).toMatch(/ {2}would move to carla$/);
        if (columns === 100) expect(row.startsWith(`${ids[i]}  `)).toBe(true);
      });
    }
  });

  it('an offboarding’s preview, and its undo’s, keep each ID whole at 100 columns, and whom each task goes to', async () => {
    const env = { TOPO_DATA_DIR: tempDir(), TOPO_STATE_DIR: tempDir() };
    const preview = async (args: string[], what: RegExp) => {
      const r = await topo(['--sandbox', 'tasks', 'reassign', ...args, '--dry-run'], {
        tty: true,
        columns: 100,
        env,
      });
      expect(r.code, r.stderr).toBe(0);
      const rows = r.stdout.trimEnd().split('\n').slice(1);
      expect(rows.length).toBeGreaterThan(5);
      for (const row of rows) {
        expect(displayWidth(row)).toBeLessThanOrEqual(100);
        expect(row).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} {2}/);
        expect(row).toMatch(what);
      }
    };
    await preview(['--from', 'alice', '--to', 'bob,carla'], / {2}would move to (bob|carla)$/);
    await preview(['--from', 'erin', '--to', 'bob,carla'], / {2}would move to (bob|carla)$/);
    const moved = await topo(
      ['--sandbox', 'tasks', 'reassign', '--from', 'erin', '--to', 'bob,carla', '--yes'],
      { env },
    );
    expect(moved.code).toBe(0);
    await preview(['--undo', 'last'], / {2}back to erin$/);
  });

  it('--select: the preview of a reassign keeps who the tasks would go to whole at 100 columns', async () => {
    const prompter = scriptedPrompter([
      (choices: { value: string }[]) => [choices[0]!.value, choices[1]!.value],
      'reassign',
      'dev',
      false,
    ]);
    const r = await topo(['--sandbox', 'tasks', 'list', '--select', '-a', 'alice', '-L', '2'], {
      tty: true,
      columns: 100,
      deps: { prompter },
    });
    expect(r.code).toBe(130);
    const rows = r.stderr.split('\n').filter((l) => /^[0-9a-f]{8}-/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(displayWidth(row)).toBeLessThanOrEqual(100);
      expect(row).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} {2}/);
      expect(row).toMatch(/ {2}would move to dev$/);
    }
  });

  it('each result line of a bulk change on a terminal names the whole ID', async () => {
    const s = await sandbox();
    const tasks = s.store.state.tasks.filter((t) => t.status === 'PENDING').slice(0, 2);
    const r = await topo(['tasks', 'skip', ...tasks.map((t) => t.id), '--yes'], {
      sandbox: s,
      tty: true,
      columns: 80,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      ...tasks.map((t) => `✓ skipped ${t.id} ${t.type} ${t.priority}`),
      '2 skipped, 0 unchanged, 0 failed.',
    ]);
  });
});

describe('a table longer than a page', () => {
  it('streams: widths are fixed by the first 500 rows, later rows are cut to them and stay aligned', async () => {
    const s = await sandbox({ tasks: 1200 });
    const listed = s.store.state.tasks.filter(isOpen).sort(newestFirst);
    expect(listed.length).toBeGreaterThan(700);
    // The first page is all calls; row 700 has the widest type of all.
    for (const t of listed) t.type = 'CALL';
    const late = listed[699]!;
    late.type = 'NEW_LEAD_REVIEW';
    const r = await topo(['tasks', 'list', '--all'], {
      sandbox: s,
      tty: true,
      columns: 160,
      key: 'topo_sandbox_tasks',
      env: { TOPO_PAGER: 'cat' },
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(listed.length + 1);
    expect(lines[0]).toMatch(/^ID {36}TYPE {2}PRIORITY/);
    const at = lines[0]!.indexOf('PRIORITY');
    for (const line of lines.slice(1)) expect(line.slice(at - 2, at)).toBe('  ');
    for (const line of lines.slice(1)) expect(line[at]).not.toBe(' ');
    expect(lines[700]).toMatch(new RegExp(`^${late.id}  new…  `));
    expect(lines.filter((l) => l.includes('new lead review'))).toEqual([]);
  });
});

describe('--csv', () => {
  it('prints RFC 4180 CSV with a header, the TSV columns, and survives commas, quotes and newlines', async () => {
    const s = await sandbox();
    const base = s.store.state.tasks.find(isOpen)!;
    const odd = {
      ...base,
      id: '0c0c0c0c-0000-4000-8000-000000000001',
      type: 'CALL, "urgent"\nsecond line',
      priority: '=HYPERLINK("x")',
      created_at: '2030-01-01T00:00:00Z',
    };
    s.store.insert(odd);
    const r = await topo(['tasks', 'list', '-L', '5', '--csv'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\r\n')[0]).toBe(
      'id,type,priority,status,assignee_user_id,sequence_id,created_at,updated_at',
    );
    const parsed = Papa.parse<Record<string, string>>(r.stdout, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data).toHaveLength(5);
    const first = parsed.data[0]!;
    expect(first.id).toBe(odd.id);
    // A line break is made visible, as on the terminal and in TSV: no cell holds a raw control character.
    expect(first.type).toBe('CALL, "urgent"\\nsecond line');
    // A cell a spreadsheet would run as a formula is quoted as text.
    expect(first.priority).toBe(`'${odd.priority}`);
    const expected = s.store.state.tasks.filter(isOpen).sort(newestFirst).slice(0, 5);
    expect(parsed.data.map((row) => row.id)).toEqual(expected.map((t) => t.id));
    expect(parsed.data[1]!.assignee_user_id).toBe(expected[1]!.assignee_user_id ?? '');
  });

  it('marks phone numbers and signed numbers as text, as every value a spreadsheet would compute', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '-L', '20', '--with', 'contact', '--csv'], { sandbox: s });
    expect(r.code).toBe(0);
    const rows = Papa.parse<Record<string, string>>(r.stdout, { header: true, skipEmptyLines: true }).data;
    const phones = rows.map((row) => row.contact_phone).filter(Boolean);
    expect(phones.length).toBeGreaterThan(0);
    for (const phone of phones) expect(phone).toMatch(/^'\+\d[\d ().-]*$/);
    for (const phone of ['+44 161 496 0568', '+441614960568', '+1-555-0100', '+1 (555) 0100', '+1-2'])
      expect(csvCell(phone)).toBe(`'${phone}`);
    for (const number of ['-5', '+2.5']) expect(csvCell(number)).toBe(`'${number}`);
    // A number the API sent as a number stays one.
    expect(csvLines([[-3, 2.5]])).toBe('-3,2.5\r\n');
    expect(csvCell('-2-3')).toBe("'-2-3");
    for (const formula of ['+SUM(A1:A9)', '-2+3', '=1', '@cmd', '+1 (555) =1'])
      expect(csvCell(formula)).toBe(`'${formula}`);
    // After spaces (a no-break space, an ideographic one), and in full-width forms, a formula is one still.
    for (const formula of [
      ' =1+1',
      '\u00a0\u00a0+SUM(A1)',
      '\u3000@cmd',
      '\uff1d1+1',
      ' \uff0bcmd',
      '\uff0d2',
      '\uff20x',
    ])
      expect(csvCell(formula)).toBe(`'${formula}`);
    for (const text of ['a =1', ' plain', '\uff1a=1']) expect(csvCell(text)).toBe(text);
    // A tab or a line break is made visible first: what starts with a backslash runs nothing.
    expect(csvCell('\t=1')).toBe('\\t=1');
    expect(csvCell('plain')).toBe('plain');
  });

  it('writes a long listing in pieces that join up: one header, every row once, in order', async () => {
    const s = await sandbox();
    const args = ['tasks', 'list', '--status', 'all', '--all'];
    const [csv, tsv] = await Promise.all([
      topo([...args, '--csv'], { sandbox: s }),
      topo(args, { sandbox: s }),
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    const parsed = Papa.parse<Record<string, string>>(csv.stdout, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const ids = tsv.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t')[0]);
    // Far more rows than are written at once (64), and not a multiple of it.
    expect(ids.length).toBe(s.store.state.tasks.length);
    expect(ids.length % 64).not.toBe(0);
    expect(parsed.data.map((row) => row.id)).toEqual(ids);
    expect(csv.stdout.match(/^id,type,/gm)).toHaveLength(1);
    expect(csv.stdout.endsWith('\r\n')).toBe(true);
  });

  it('cannot be combined with --json', async () => {
    const r = await topo(['tasks', 'list', '--csv', '--json'], { key: null });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.message).toBe('--csv and --json cannot be used together');
    const q = await topo(['tasks', 'list', '--csv', '--query', 'length(@)'], { key: null });
    expect(q.code).toBe(2);
    expect(JSON.parse(q.stderr).error.message).toBe('--csv and --query cannot be used together');
  });
});

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** How to run each command that prints data against the sandbox, with its required arguments. */
function runnable(
  path: string,
  s: Awaited<ReturnType<typeof sandbox>>,
  planFile: string,
): string[] | undefined {
  const open = s.store.state.tasks.find(isOpen)!;
  const done = s.store.state.tasks.find((t) => t.status === 'COMPLETED')!;
  const argv: Record<string, string[]> = {
    'tasks list': ['tasks', 'list', '-L', '2'],
    'tasks show': ['tasks', 'show', open.id],
    'tasks thread': ['tasks', 'thread', open.id],
    'tasks skip': ['tasks', 'skip', open.id, '--dry-run'],
    'tasks reopen': ['tasks', 'reopen', done.id, '--dry-run'],
    'tasks reassign': ['tasks', 'reassign', open.id, '--to', s.store.users[1]!.id, '--dry-run'],
    'tasks rebalance': [
      'tasks',
      'rebalance',
      '--team',
      s.store.users
        .slice(6)
        .map((u) => u.id)
        .join(','),
      '--dry-run',
    ],
    'auth status': ['auth', 'status'],
    'alias list': ['alias', 'list'],
    'templates list': ['templates', 'list'],
    'tasks next': ['tasks', 'next', '-a', s.store.users[0]!.id],
    'tasks watch': ['tasks', 'watch', '--interval', '5', '--count', '1'],
    'topo status': ['status', '-a', s.store.users[0]!.id],
    'plan show': ['plan', 'show', planFile],
    'plan apply': ['plan', 'apply', planFile, '--yes'],
  };
  return argv[path];
}

describe('JSON fields: what help lists is what --json accepts', () => {
  const program = buildProgram({ io: {} as never, env: {}, deps: {} });
  const printing = allCommands(program).filter((c) => c.options.some((o) => o.long === '--json'));
  const pathOf = (c: Command) => `${c.parent!.name()} ${c.name()}`;

  it('covers every command that prints data', () => {
    expect(printing.map(pathOf).sort()).toEqual(
      [
        'alias list',
        'auth status',
        'tasks list',
        'tasks reassign',
        'tasks rebalance',
        'tasks reopen',
        'tasks show',
        'tasks skip',
        'tasks thread',
        'tasks next',
        'tasks watch',
        'templates list',
        'topo status',
        'plan show',
        'plan apply',
      ].sort(),
    );
  });

  it.each(printing.map((c) => [pathOf(c), c] as const))('%s', async (path, cmd) => {
    const s = await sandbox();
    const planFile = join(tempDir(), 'plan.json');
    if (path.startsWith('plan ')) {
      // A plan to show or apply: one task to someone who does not hold it.
      const to = s.store.users[1]!.id;
      const task = s.store.state.tasks.find((t) => isOpen(t) && t.assignee_user_id !== to)!;
      const planned = await topo(['tasks', 'reassign', task.id, '--to', to, '--plan-out', planFile], {
        sandbox: s,
      });
      expect(planned.code).toBe(0);
    }
    const argv = runnable(path, s, planFile)!;
    const help = cmd.helpInformation();
    const fields = outputSpecOf(cmd)?.fields;
    if (fields) {
      expect(help).toContain(`JSON fields (for --json a,b,c):\n  ${fields[0]}`);
      // Every listed field is accepted, in any order, before any request.
      const running = topo([...argv, '--json', [...fields].reverse().join(',')], { sandbox: s });
      // (a watch prints once a new task arrives after it has looked a few times)
      if (path === 'tasks watch') {
        await waitFor(() => s.received('GET', /^\/v1\/tasks$/).length >= 6, 10_000, 'a few polls');
        s.store.createTask({});
      }
      const r = await running;
      expect(r.stderr).not.toMatch(/unknown field|error: /);
      expect(r.code).toBe(0);
      const bad = await topo([...argv, '--json', 'nope'], { sandbox: s });
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.stderr).error.message).toMatch(/^--json: unknown field 'nope' \(valid: /);
    } else {
      expect(help).not.toContain('JSON fields');
      const r = await topo([...argv, '--json'], { sandbox: s });
      expect(r.code).toBe(0);
      JSON.parse(r.stdout);
    }
  });
});

describe('errors under --json', () => {
  it.each([
    [['tasks', 'list', '--bogus', '--json'], /^unknown option '--bogus'/],
    [['tasks', 'thread', '--json'], /^missing required argument 'id'/],
    [['tasks', 'show', 'a', 'b', '--json', 'id'], /^too many arguments for 'show'/],
    [['tasks', 'skip', 'nope', '--json'], /^not a task ID: 'nope'/],
    [['tasks', 'list', '--limit', 'x', '--query', 'length(@)'], /^--limit: 'x' is not a whole number/],
    [
      ['--timeout', 'soon', 'tasks', 'list', '--json'],
      /^--timeout: 'soon' is not a number of seconds above 0 and at most 3600/,
    ],
    [
      ['--timeout', '99999999', 'tasks', 'list', '--json'],
      /^--timeout: '99999999' is not a number of seconds/,
    ],
  ])('%j: one JSON error on stderr, exit 2, nothing sent', async (argv, message) => {
    const r = await topo(argv, { key: null });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const { error } = JSON.parse(lines[0]!);
    expect(error).toMatchObject({ code: 2, status: null, type: 'UsageError', request_id: null });
    expect(error.message).toMatch(message);
  });

  it('keeps the API’s status, type and request id for a refused change', async () => {
    const s = await sandbox();
    const done = s.store.state.tasks.find((t) => t.status === 'COMPLETED')!;
    const r = await topo(['tasks', 'skip', done.id, '--json'], { sandbox: s });
    expect(r.code).toBe(5);
    const { error } = JSON.parse(r.stderr.trimEnd().split('\n').at(-1)!);
    expect(error).toMatchObject({ code: 5, status: 422, type: 'BusinessIssue' });
    expect(error.request_id).toMatch(/^req_/);
    expect(error.message).toMatch(new RegExp(`^task ${done.id} was not skipped: Task is COMPLETED`));
    expect(JSON.parse(r.stdout)).toMatchObject([{ id: done.id, result: 'failed' }]);
  });
});

describe('--query with -r/--raw', () => {
  it('prints string results one per line, and anything else as JSON', async () => {
    const s = await sandbox();
    const expected = s.store.state.tasks.filter(isOpen).sort(newestFirst).slice(0, 3);
    const ids = await topo(['tasks', 'list', '-L', '3', '--query', '[].id', '-r'], { sandbox: s });
    expect(ids.stdout).toBe(expected.map((t) => `${t.id}\n`).join(''));
    const one = await topo(['tasks', 'show', expected[0]!.id, '--query', 'status', '--raw'], { sandbox: s });
    expect(one.stdout).toBe(`${expected[0]!.status}\n`);
    const notRaw = await topo(['tasks', 'show', expected[0]!.id, '--query', 'status'], { sandbox: s });
    expect(notRaw.stdout).toBe(`"${expected[0]!.status}"\n`);
    const objects = await topo(['tasks', 'list', '-L', '1', '--query', '[0]', '-r'], { sandbox: s });
    expect(JSON.parse(objects.stdout)).toEqual(expected[0]);
    const alone = await topo(['tasks', 'list', '-r'], { sandbox: s });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('error: --raw goes with --json or --query\n');
  });

  it('escapes C1 control characters in JSON', async () => {
    const s = await sandbox();
    const base = s.store.state.tasks.find(isOpen)!;
    s.store.insert({
      ...base,
      id: '0c0c0c0c-0000-4000-8000-00000000000c',
      type: 'CALL\u009b31m',
      created_at: '2030-01-01T00:00:00Z',
    });
    const r = await topo(['tasks', 'list', '-L', '1', '--json', 'type'], { sandbox: s });
    expect(r.stdout).toBe('[{"type":"CALL\\u009b31m"}]\n');
    expect(JSON.parse(r.stdout)[0].type).toBe('CALL\u009b31m');
  });
});
