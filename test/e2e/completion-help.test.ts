import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, main } from '../../src/cli.js';
import { JOB_LIST_FIELDS } from '../../src/output/fields.js';
import { TASK_JSON_FIELDS as TASK_FIELDS } from '../../src/output/tasks.js';
import { BIN, memoryIO, sandbox, tempDir, topo } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

async function complete(words: string[], env: Record<string, string> = {}): Promise<string[]> {
  const r = await topo(['complete', '--', ...words], { env, key: null });
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(/^:\d+$/);
  return lines.slice(0, -1).map((l) => l.split('\t')[0]!);
}

describe('shell completion protocol', () => {
  it('completes commands and subcommands', async () => {
    expect(await complete(['ta'])).toEqual(['tasks']);
    expect(await complete(['tasks', ''])).toEqual([
      'list',
      'next',
      'watch',
      'show',
      'thread',
      'skip',
      'reopen',
      'reassign',
      'rebalance',
    ]);
    expect(await complete(['auth', ''])).toEqual(['login', 'status', 'logout']);
  });

  it('completes flags, global ones included', async () => {
    const flags = await complete(['tasks', 'list', '--']);
    for (const f of [
      '--status',
      '--type',
      '--priority',
      '--assignee',
      '--json',
      '--query',
      '--all',
      '--profile',
      '--sandbox',
      '--debug',
    ]) {
      expect(flags).toContain(f);
    }
  });

  it.each([
    [
      ['tasks', 'list', '--status', ''],
      ['open', 'pending', 'in_progress', 'completed', 'skipped', 'all'],
    ],
    [
      ['tasks', 'list', '--type', ''],
      ['call', 'email_reply', 'linkedin_reply', 'new_lead_review', 'todo', 'playbook_approval'],
    ],
    [
      ['tasks', 'list', '-t', 'call,'],
      [
        'call,email_reply',
        'call,linkedin_reply',
        'call,new_lead_review',
        'call,todo',
        'call,playbook_approval',
      ],
    ],
    [['tasks', 'list', '--priority', 'hot,to'], ['hot,today']],
    [
      ['tasks', 'list', '--sort', ''],
      ['created', 'updated'],
    ],
    [
      ['tasks', 'list', '--order', ''],
      ['asc', 'desc'],
    ],
    [
      ['tasks', 'reassign', 'x', '--scope', ''],
      ['task', 'sequence'],
    ],
    [
      ['completion', ''],
      ['zsh', 'bash', 'fish', 'powershell'],
    ],
    [['help', 'exit'], ['exit-codes']],
  ])('completes the values of %j', async (words, expected) => {
    expect(await complete(words)).toEqual(expected);
  });

  it('completes --json field names, after commas too', async () => {
    expect(await complete(['tasks', 'list', '--json', ''])).toEqual([...TASK_FIELDS]);
    expect(await complete(['tasks', 'show', 'x', '--json', 'id,'])).toEqual(
      TASK_FIELDS.filter((f) => f !== 'id').map((f) => `id,${f}`),
    );
    expect(await complete(['tasks', 'list', '--json', 'status,cre'])).toEqual(['status,created_at']);
    // The fields of the command's mode, chosen by the flags typed, as --json itself takes them.
    expect(await complete(['tasks', 'reassign', 'x', '--json', ''])).toEqual([
      'id',
      'result',
      'task',
      'error',
    ]);
    expect(await complete(['tasks', 'reassign', '--jobs', '--json', ''])).toEqual([...JOB_LIST_FIELDS]);
    expect(await complete(['tasks', 'reassign', '--undo', 'last', '--json', 'ki'])).toEqual(['kind']);
    expect(await complete(['tasks', 'reassign', '--from=x', '--json', 'moved,not'])).toEqual([
      'moved,not_started',
    ]);
  });

  it('--undo offers last and the jobs of the state folder, newest first, from their names alone', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = {
      TOPO_CONFIG_DIR: join(home, 'cfg'),
      TOPO_STATE_DIR: join(home, 'state'),
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
    };
    expect(await complete(['tasks', 'reassign', '--undo', ''], env)).toEqual(['last']);
    const [a, b] = [s.store.users[0]!.id, s.store.users[1]!.id];
    expect(
      (await topo(['tasks', 'reassign', '--from', a, '--to', b, '-p', 'hot', '--yes', '--json'], { env }))
        .code,
    ).toBe(0);
    expect(
      (await topo(['tasks', 'reassign', '--from', b, '--to', a, '-p', 'hot', '--yes', '--json'], { env }))
        .code,
    ).toBe(0);
    const jobs = await topo(['tasks', 'reassign', '--jobs', '--json'], { env });
    const ids = (JSON.parse(jobs.stdout) as { id: string }[]).map((j) => j.id);
    expect(ids).toHaveLength(2);
    // Not a journal: neither a file of another name nor a folder is offered.
    writeFileSync(join(home, 'state', 'jobs', 'sweeps.json'), '{}');
    mkdirSync(join(home, 'state', 'jobs', 'abcdef12.jsonl'));
    const offered = await complete(['tasks', 'reassign', '--undo', ''], env);
    expect(offered[0]).toBe('last');
    expect(new Set(offered.slice(1))).toEqual(new Set(ids));
    expect(await complete(['tasks', 'reassign', '--undo', ids[0]!.slice(0, 7)], env)).toEqual([ids[0]]);
  });

  it('completes alias names wherever a user is expected, and profile names, without touching the network', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg'), TOPO_API_URL: s.url, TOPO_API_KEY: 'topo_sandbox_rw' };
    await topo(['alias', 'set', 'bob', s.store.users[1]!.id], { env });
    await topo(['alias', 'set', 'bea', s.store.users[2]!.id], { env });
    await topo(['alias', 'set', 'zed', s.store.users[3]!.id, '--profile', 'eu'], { env });
    expect(await complete(['tasks', 'list', '-a', 'b'], env)).toEqual(['bea', 'bob']);
    expect(await complete(['tasks', 'reassign', '--from', ''], env)).toEqual(['bea', 'bob']);
    expect(await complete(['tasks', 'reassign', 'x', '--to', ''], env)).toEqual(['bea', 'bob']);
    // A team is a list: the names not yet given, after a comma.
    expect(await complete(['status', '--team', ''], env)).toEqual(['bea', 'bob']);
    expect(await complete(['status', '--team', 'bob,'], env)).toEqual(['bob,bea']);
    // -a also offers 'none' (unassigned tasks); --from and --to do not.
    expect(await complete(['--profile', 'eu', 'tasks', 'list', '--assignee', ''], env)).toEqual([
      'zed',
      'none',
    ]);
    expect(await complete(['--profile', 'eu', 'tasks', 'reassign', 'x', '--to', ''], env)).toEqual(['zed']);
    expect(await complete(['--profile', ''], env)).toEqual(['default', 'eu']);
    // The alias to remove.
    expect(await complete(['alias', 'remove', 'b'], env)).toEqual(['bea', 'bob']);
    expect(await complete(['--sandbox', 'tasks', 'list', '-a', ''], env)).toEqual([
      ...[...s.store.users.map((u) => u.alias), 'me'].sort(),
      'none',
    ]);
    expect(await complete(['--sandbox', 'tasks', 'rebalance', '--team', 'gia,h'], env)).toEqual(['gia,hugo']);
    expect(s.requests).toHaveLength(0);
  });
});

describe('completion scripts', () => {
  it.each([
    ['bash', 'topo.bash'],
    ['zsh', '_topo'],
    ['fish', 'topo.fish'],
  ])(
    'the committed %s script is what the completion library makes now (else: npm run completions)',
    async (shell, file) => {
      // Generated in-process by the library, not by the binary, which prints the committed file.
      const { io, out } = memoryIO();
      expect(await main(['completion', shell], io, {})).toBe(0);
      const committed = readFileSync(join(ROOT, 'completions', file), 'utf8');
      expect(committed).toBe(out());
      const r = await topo(['completion', shell], { spawn: true });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(committed);
    },
  );

  it.each([['--sandbox'], ['--no-color'], ['--profile', 'x'], ['--debug'], ['--timeout', '5']])(
    'a global flag before it (%s) still prints the script',
    async (...flags) => {
      const committed = readFileSync(join(ROOT, 'completions', 'topo.fish'), 'utf8');
      const r = await topo([...flags, 'completion', 'fish'], { key: null });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(committed);
      expect(r.code).toBe(0);
    },
  );

  it('an unknown shell is a usage error, with or without a global flag before it', async () => {
    for (const args of [
      ['completion', 'bogus'],
      ['--sandbox', 'completion', 'bogus'],
    ]) {
      const r = await topo(args, { key: null });
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: .*'bogus'.*zsh, bash, fish, powershell/);
      expect(r.code).toBe(2);
    }
  });

  it('a path (plan apply <file>, --report, --plan-out) is left to the shell; other values are not', async () => {
    const directive = async (words: string[]) =>
      (await topo(['complete', '--', ...words], { key: null })).stdout.trimEnd().split('\n').at(-1);
    expect(await directive(['plan', 'apply', ''])).toBe(':0');
    expect(await directive(['tasks', 'reassign', '--from', 'x', '--report', ''])).toBe(':0');
    expect(await directive(['tasks', 'reassign', '--from', 'x', '--plan-out', ''])).toBe(':0');
    expect(await directive(['tasks', 'list', '--status', ''])).toBe(':4');
  });

  it('bash: the script sources twice quietly; a value with spaces goes in quoted, or closed in its quote', () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A stand-in topo that answers every request with one campaign name.
    writeFileSync(join(bin, 'topo'), `#!/bin/sh\nprintf 'Closed-Lost Win-Back\\tcampaign\\n:4\\n'\n`, {
      mode: 0o755,
    });
    const system = '/usr/share/bash-completion/bash_completion';
    const helpers = existsSync(system) ? `source ${system}` : '';
    const script = join(ROOT, 'completions', 'topo.bash');
    const run = (typed: string) => `
COMP_WORDS=(topo tasks list --template ${typed})
COMP_CWORD=4
COMP_LINE="topo tasks list --template ${typed}"
COMP_POINT=\${#COMP_LINE}
__topo_complete 2>/dev/null
printf '%s\\n' "\${COMPREPLY[@]}"`;
    // Begun with an escaped space: the word as bash hands it over, backslash and all.
    const escaped = `
COMP_WORDS=(topo tasks list --template 'Closed-Lost\\ W')
COMP_CWORD=4
COMP_LINE='topo tasks list --template Closed-Lost\\ W'
COMP_POINT=\${#COMP_LINE}
__topo_complete 2>/dev/null
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync(
      'bash',
      [
        '-c',
        `${helpers}\nsource "${script}"\nsource "${script}"\n${run('Clo')}\n${run("\\'Clo")}\n${escaped}`,
      ],
      {
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir },
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    // Begun with an escaped space (Closed-Lost\ W), as bash hands the word over: matched as the shell reads it.
    expect(r.stdout).toBe("Closed-Lost\\ Win-Back\n'Closed-Lost Win-Back'\nClosed-Lost\\ Win-Back\n");
  });

  it.runIf(existsSync('/usr/bin/zsh') || existsSync('/bin/zsh'))(
    'zsh: a value with spaces goes in quoted as the shell reads it back',
    () => {
      const dir = tempDir();
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      // A stand-in topo that answers every request with one campaign name.
      writeFileSync(join(bin, 'topo'), `#!/bin/sh\nprintf 'Closed-Lost Win-Back\\tcampaign\\n:4\\n'\n`, {
        mode: 0o755,
      });
      const buffer = join(dir, 'buffer');
      // An interactive zsh on a pseudo-terminal (zpty): Tab, then a key that writes the line being edited.
      const driver = `
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "autoload -Uz compinit; compinit -u; source ${join(ROOT, 'completions', '_topo')}; compdef _topo topo"
zpty -w z 'printbuf() { print -r -- "$BUFFER" > ${buffer} }; zle -N printbuf; bindkey "^Xp" printbuf'
zpty -w -n z $'topo tasks list --template Clo\t\x18p'
for i in {1..600}; do [[ -s ${buffer} ]] && break; sleep 0.1; done
zpty -d z
`;
      execFileSync('zsh', ['-f', '-c', driver], {
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir },
        stdio: 'ignore',
      });
      expect(readFileSync(buffer, 'utf8')).toBe('topo tasks list --template Closed-Lost\\ Win-Back \n');
    },
  );

  it('bash: after a comma and after --flag= values complete as typed', () => {
    const { env, helpers } = bashWithTopo();
    // Each line as bash hands it over: the words, and the line with the cursor at its end.
    const line = (typed: string, ...words: string[]) => `
COMP_LINE=${shellWord(typed)}; COMP_POINT=\${#COMP_LINE}
COMP_WORDS=(${words.map(shellWord).join(' ')}); COMP_CWORD=${words.length - 1}
__topo_complete 2>/dev/null; printf '%s|' "\${COMPREPLY[@]}"; echo`;
    const out = execFileSync(
      'bash',
      [
        '-c',
        [
          helpers,
          `source "${join(ROOT, 'completions', 'topo.bash')}"`,
          line('topo tasks list --json id,ty', 'topo', 'tasks', 'list', '--json', 'id,ty'),
          line('topo tasks list --type call,new', 'topo', 'tasks', 'list', '--type', 'call,new'),
          line('topo tasks list --status=pe', 'topo', 'tasks', 'list', '--status', '=', 'pe'),
        ].join('\n'),
      ],
      { env, encoding: 'utf8' },
    );
    // Commas stay bare (a backslash before one made readline's common prefix grow with each Tab).
    expect(out).toBe('id,type|\ncall,new_lead_review|\npending|\n');
  });

  it('bash, with the committed script loaded, completes a real command line', () => {
    const { env, helpers } = bashWithTopo();
    const script = `
${helpers}
source "${join(ROOT, 'completions', 'topo.bash')}"
COMP_WORDS=(topo tasks list --status in)
COMP_CWORD=4
COMP_LINE='topo tasks list --status in'
COMP_POINT=\${#COMP_LINE}
__topo_complete 2>/dev/null
printf '%s\\n' "\${COMPREPLY[@]}"
COMP_WORDS=(topo tasks re)
COMP_CWORD=2
COMP_LINE='topo tasks re'
COMP_POINT=\${#COMP_LINE}
__topo_complete 2>/dev/null
printf '%s\\n' "\${COMPREPLY[@]}"
`;
    const out = execFileSync('bash', ['-c', script], { env, encoding: 'utf8' });
    expect(out).toBe('in_progress\nreopen\nreassign\nrebalance\n');
  });
});

function argvOf(key: string): string[] {
  if (key === '') return [];
  if (key === '--help') return ['--help'];
  return key.startsWith('help ') ? key.split(' ') : [...key.split(' '), '--help'];
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

describe('help', () => {
  const program = buildProgram({ io: {} as never, env: {}, deps: {} });
  const commands = allCommands(program).filter((c) => c.name() !== 'help');

  it.each(
    commands.map((c) => [c.parent === program ? c.name() : `${c.parent!.name()} ${c.name()}`, c] as const),
  )(
    '%s has a summary, examples first, inherited flags and (with --json fields) the field list',
    (_name, cmd) => {
      const text = cmd.helpInformation();
      expect(cmd.summary()).not.toBe('');
      const examples = text.indexOf('Examples:\n  $ topo');
      expect(examples).toBeGreaterThan(0);
      const flags = text.search(/^(Flags|Filter flags|Output flags|Safety flags|Arguments|Commands):$/m);
      if (flags >= 0) expect(examples).toBeLessThan(flags);
      expect(text).toContain('Inherited flags:\n');
      expect(text).toContain("'topo help environment'");
      // The field list is shown exactly where --json takes one.
      const takesFields = cmd.options.some((o) => o.long === '--json' && o.optional);
      expect(text.includes('JSON fields (for --json a,b,c):')).toBe(takesFields);
    },
  );

  it('groups the flags of tasks list into filters and output', () => {
    const list = commands.find((c) => c.name() === 'list' && c.parent?.name() === 'tasks')!;
    const text = list.helpInformation();
    expect(text).toMatch(/Filter flags:\n\s+-s, --status/);
    expect(text).toMatch(/Output flags:[\s\S]*--json \[fields\][\s\S]*--query <expr>/);
    const skip = commands.find((c) => c.name() === 'skip')!.helpInformation();
    expect(skip).toMatch(/Safety flags:\n\s+-y, --yes[\s\S]*--dry-run/);
  });

  it.each([
    ['environment', 'TOPO_API_KEY'],
    ['exit-codes', '130  cancelled'],
    ['formatting', '--query EXPR'],
  ])('topo help %s prints the topic', async (topic, text) => {
    const r = await topo(['help', topic]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(text);
  });

  it('the help topics say what the README says: every exit code, every variable and setting flag', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = (title: string) => readme.split(`\n## ${title}\n`)[1]!.split('\n## ')[0]!;
    const codes = [...section('Exit codes').matchAll(/^\| (\d+) +\|/gm)].map((m) => m[1]!);
    expect(codes).toContain('143');
    const exitHelp = (await topo(['help', 'exit-codes'])).stdout;
    for (const code of codes) expect(exitHelp).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    const settings = section('Settings and environment');
    const names = new Set(
      [...settings.matchAll(/`((?:TOPO_|NO_|FORCE_|HTTPS?_)[A-Z_]+|PAGER|--[a-z-]+)/g)].map((m) => m[1]!),
    );
    expect(names.size).toBeGreaterThan(15);
    const envHelp = (await topo(['help', 'environment'])).stdout;
    for (const name of names) expect(envHelp, name).toContain(name);
  });

  it('every help text and topic fits 80 columns; only example commands may run longer', async () => {
    const { renderHelpCache } = await import('../../src/cli.js');
    const pages = await renderHelpCache();
    expect(Object.keys(pages).length).toBeGreaterThan(20);
    const over = Object.entries(pages).flatMap(([key, text]) =>
      text
        .split('\n')
        .filter((line) => line.length > 80 && !/^\s*\$ /.test(line))
        .map((line) => `${key}: ${line}`),
    );
    expect(over).toEqual([]);
  });

  it('on a terminal narrower than 80 columns, help is fitted to it: flags wrap under their text', async () => {
    for (const argv of [
      ['tasks', 'list', '--help'],
      ['tasks', 'reassign', '--help'],
      ['help', 'exit-codes'],
    ]) {
      const r = await topo(argv, { tty: true, columns: 60 });
      expect(r.code).toBe(0);
      const over = r.stdout.split('\n').filter((line) => line.length > 60 && !/^\s*\$ /.test(line));
      if (argv[0] !== 'help') expect(over, argv.join(' ')).toEqual([]);
    }
    const list = await topo(['tasks', 'list', '--help'], { tty: true, columns: 60 });
    expect(list.stdout).toMatch(/^ {2}-s, --status <status> +open, pending, in_progress,\n {31}\S/m);
  });

  it('shows defaults as they are typed, never quoted', async () => {
    for (const args of [
      ['tasks', 'list', '--help'],
      ['tasks', 'skip', '--help'],
      ['tasks', 'watch', '--help'],
    ]) {
      const r = await topo(args);
      expect(r.stdout).toMatch(/\(default: \w/);
      expect(r.stdout).not.toMatch(/default: "/);
    }
  });

  it('topo with no arguments prints a short overview and exits 0', async () => {
    const r = await topo([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: topo <command> [flags]');
    expect(r.stdout).toContain('tasks reassign');
    expect(r.stdout).toContain('topo --sandbox tasks list');
  });

  it('a mistyped command suggests the closest one, on one line, exit 2', async () => {
    const r = await topo(['taks', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown command 'taks' (did you mean tasks?)\n");
    const sub = await topo(['tasks', 'lst']);
    // A command and its alias are one command: named once, by its name.
    expect(sub.stderr).toBe("error: unknown command 'lst' (did you mean list?)\n");
    expect((await topo(['tasks', 'ls', '--help'])).code).toBe(0);
  });

  it('a command group typed alone prints its help as --help does: on stdout, exit 0', async () => {
    for (const group of ['tasks', 'plan', 'alias', 'auth']) {
      const alone = await topo([group]);
      expect([alone.code, alone.stderr], group).toEqual([0, '']);
      expect(alone.stdout, group).toBe((await topo([group, '--help'])).stdout);
    }
  });

  it('the help printed without loading the CLI is the help the CLI renders, for every command', async () => {
    const { renderHelpCache } = await import('../../src/cli.js');
    const live = await renderHelpCache();
    expect(Object.keys(live).length).toBeGreaterThan(20);
    const cached = JSON.parse(readFileSync(join(ROOT, 'dist', 'help.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(cached).toEqual(live);
    // Every key renders the same in-process; the binary serves a few of them from the cache.
    for (const [key, text] of Object.entries(live)) {
      const r = await topo(argvOf(key));
      expect(r.code, key).toBe(0);
      expect(r.stdout, key).toBe(text);
    }
    for (const key of ['', 'tasks list', 'help exit-codes', 'tasks reassign']) {
      const r = await topo(argvOf(key), { spawn: true });
      expect(r.stdout, key).toBe(live[key]);
    }
  });

  it('completion from the description the build wrote is completion from the CLI itself', async () => {
    const { renderCompletionSpec } = await import('../../src/cli.js');
    const live = await renderCompletionSpec();
    expect(live.map((c) => c.path)).toContain('tasks reassign');
    expect(JSON.parse(readFileSync(join(ROOT, 'dist', 'completion.json'), 'utf8'))).toEqual(live);
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    await topo(['alias', 'set', 'bob', '2b0a3a8e-6f0e-4a5c-9a51-6c1f3f0a9b11'], { env });
    for (const words of [
      ['ta'],
      ['tasks', 'list', '--'],
      ['tasks', 'list', '-t', 'call,'],
      ['tasks', 'show', 'x', '--json', 'id,'],
      ['tasks', 'reassign', '--from', ''],
      ['help', ''],
      ['completion', ''],
    ]) {
      const inProcess = await topo(['complete', '--', ...words], { env, key: null });
      const spawned = await topo(['complete', '--', ...words], { env, key: null, spawn: true });
      expect(spawned.code, words.join(' ')).toBe(0);
      expect(spawned.stdout, words.join(' ')).toBe(inProcess.stdout);
      expect(inProcess.stdout.split('\n').length, words.join(' ')).toBeGreaterThan(2);
    }
  });

  it('--help and help <command> print the same text', async () => {
    const a = await topo(['tasks', 'skip', '--help']);
    const b = await topo(['help', 'tasks', 'skip']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('--query', () => {
  it('applies a JMESPath expression to the JSON output', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--all', '--json', '--query', "[?priority=='HOT'].id"], {
      sandbox: s,
    });
    expect(r.code).toBe(0);
    const hot = s.store.state.tasks
      .filter((t) => (t.status === 'PENDING' || t.status === 'IN_PROGRESS') && t.priority === 'HOT')
      .sort((a, b) =>
        a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1,
      )
      .map((t) => t.id);
    expect(JSON.parse(r.stdout)).toEqual(hot);
    const t = s.store.state.tasks[0]!;
    const show = await topo(['tasks', 'show', t.id, '--query', 'status'], { sandbox: s });
    expect(show.stdout).toBe(`${JSON.stringify(t.status)}\n`);
  });

  it('rejects a bad expression with exit 2 before any request', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--json', '--query', '[?priority=='], { sandbox: s });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.message).toMatch(/^--query: /);
    expect(s.requests).toHaveLength(0);
  });
});

/** A word as bash reads it back, in single quotes. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The environment of a bash that completes with the built binary as `topo` (a folder of its own for its
 * config), and bash-completion's helpers to source first where they are installed (the script uses their
 * _get_comp_words_by_ref then; without them it joins the words bash split at = and : itself).
 */
function bashWithTopo(): { env: Record<string, string>; helpers: string } {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'topo'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  const system = '/usr/share/bash-completion/bash_completion';
  const helpers = existsSync(system) ? `source ${system}` : '';
  return {
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir, TOPO_CONFIG_DIR: join(dir, 'cfg') },
    helpers,
  };
}
