import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Contact, Task } from '../../src/api/types.js';
import { mailtoTarget, telTarget, webTarget } from '../../src/output/links.js';
import { displayWidth } from '../../src/output/width.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { BIN, hyperlinks, sandbox, scriptedPrompter, tempDir, topo } from '../helpers.js';

/** Contacts one click away: tel:, mailto: and LinkedIn links on a terminal that shows them, and nowhere else. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';
const FORCED = { FORCE_HYPERLINK: '1' };

/** An open task whose run's contact has a phone, an email and a LinkedIn URL, and whose thread has a reply. */
function taskWithContact(s: Sandbox): { task: Task; contact: Contact } {
  for (const task of s.store.state.tasks.filter(isOpen)) {
    const run = s.store.run(task.sequence_id)!;
    const contact = run.contact_id ? s.store.contact(run.contact_id) : undefined;
    const replied = s.store.thread(task).some((m) => m.direction === 'INBOUND');
    if (
      contact?.phone_number &&
      contact.email &&
      contact.linkedin_url &&
      replied &&
      task.type === 'EMAIL_REPLY'
    )
      return { task, contact };
  }
  throw new Error('no such task in the seeded workspace');
}

describe('links on a terminal that supports them (FORCE_HYPERLINK=1)', () => {
  it('tasks show: the phone is a tel: link, the email a mailto: link, the LinkedIn URL a link; the text unchanged', async () => {
    const s = await sandbox();
    const { task, contact } = taskWithContact(s);
    const run = (env: Record<string, string>) =>
      topo(['tasks', 'show', task.id], { sandbox: s, tty: true, columns: 100, env });
    const linked = await run(FORCED);
    const plain = await run({});
    expect(linked.code).toBe(0);
    const found = hyperlinks(linked.stdout);
    expect(found.text).toBe(plain.stdout);
    expect(found.targets).toEqual([
      mailtoTarget(contact.email),
      telTarget(contact.phone_number),
      webTarget(contact.linkedin_url),
    ]);
    expect(found.targets[1]).toMatch(/^tel:\+\d+$/);
    // Each link is around the value it stands for.
    expect(linked.stdout).toContain(`${telTarget(contact.phone_number)}\u0007${contact.phone_number}`);
    expect(hyperlinks(plain.stdout).targets).toEqual([]);
  });

  it.each([60, 80, 120])(
    'tasks list at %i columns: CONTACT links to call the contact; cut cells keep whole links and widths hold',
    async (columns) => {
      const s = await sandbox();
      const run = (env: Record<string, string>) =>
        topo(['tasks', 'list', '-L', '30'], { sandbox: s, tty: true, columns, env });
      const linked = await run(FORCED);
      const plain = await run({});
      const found = hyperlinks(linked.stdout);
      expect(found.text).toBe(plain.stdout);
      expect(found.targets.length).toBeGreaterThan(20);
      for (const target of found.targets)
        expect(target).toMatch(/^(tel:\+?\d+|mailto:\S+@\S+|https:\/\/\S+)$/);
      for (const line of linked.stdout.trimEnd().split('\n')) {
        const { targets, text } = hyperlinks(line);
        expect(targets.length).toBeLessThanOrEqual(1);
        expect(displayWidth(text)).toBeLessThanOrEqual(columns);
        // eslint-disable-next-line no-control-regex
        expect(text).not.toMatch(/[\u0000-\u001f]/);
      }
    },
  );

  it('tasks thread: the contact in each reply header links to answer on its channel', async () => {
    const s = await sandbox();
    const { task, contact } = taskWithContact(s);
    const r = await topo(['tasks', 'thread', task.id, '--no-pager'], {
      sandbox: s,
      tty: true,
      columns: 100,
      env: FORCED,
    });
    expect(r.code).toBe(0);
    const replies = s.store.thread(task).filter((m) => m.direction === 'INBOUND');
    const found = hyperlinks(r.stdout);
    expect(found.targets).toEqual(replies.map(() => mailtoTarget(contact.email)));
    expect(r.stdout).toContain(`\u0007${contact.first_name} ${contact.last_name}`);
  });

  it('the tasks next card and topo status: the phone to dial is a tel: link', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const card = await topo(['tasks', 'next', '-a', alice], {
      sandbox: s,
      tty: true,
      columns: 100,
      env: FORCED,
      deps: { prompter: scriptedPrompter(['quit']) },
    });
    expect(card.code).toBe(0);
    const next = JSON.parse(
      (await topo(['tasks', 'next', '-a', alice, '--with', 'contact', '--json'], { sandbox: s })).stdout,
    ) as Task & {
      contact: Contact;
    };
    const targets = hyperlinks(card.stdout).targets;
    expect(targets).toEqual([
      telTarget(next.contact.phone_number),
      mailtoTarget(next.contact.email),
      webTarget(next.contact.linkedin_url),
    ]);
    const status = await topo(['status', '-a', alice], { sandbox: s, tty: true, columns: 80, env: FORCED });
    expect(status.code).toBe(0);
    const line = status.stdout.split('\n').find((l) => l.startsWith('Next '))!;
    expect(hyperlinks(line).targets).toEqual([telTarget(next.contact.phone_number)]);
    expect(displayWidth(hyperlinks(line).text)).toBeLessThanOrEqual(80);
  });
});

describe('no links', () => {
  it.each([
    ['piped', { env: FORCED }, ['tasks', 'show', '<id>', '--with', 'contact']],
    [
      '--json on a terminal',
      { env: FORCED, tty: true },
      ['tasks', 'show', '<id>', '--with', 'contact', '--json'],
    ],
    ['--no-links', { env: FORCED, tty: true }, ['--no-links', 'tasks', 'show', '<id>']],
    ['TOPO_LINKS=0', { env: { ...FORCED, TOPO_LINKS: '0' }, tty: true }, ['tasks', 'show', '<id>']],
    [
      'a terminal the detection does not know',
      { env: { TERM: 'xterm' }, tty: true },
      ['tasks', 'show', '<id>'],
    ],
  ] as const)('%s: tasks show has none', async (_name, options, argv) => {
    const s = await sandbox();
    const { task, contact } = taskWithContact(s);
    const r = await topo(
      argv.map((a) => (a === '<id>' ? task.id : a)),
      { sandbox: s, columns: 100, ...options },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(contact.phone_number!);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\u001b\]|\u001bP/);
  });

  it('piped listings, CSV on a terminal, and piped status have none', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    for (const [argv, tty] of [
      [['tasks', 'list', '-L', '30', '--with', 'contact'], false],
      [['tasks', 'list', '-L', '30', '--with', 'contact', '--csv'], true],
      [['status', '-a', alice], false],
      [['tasks', 'next', '-a', alice, '--with', 'contact'], false],
    ] as const) {
      const r = await topo([...argv], { sandbox: s, columns: 100, tty, env: FORCED });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\+\d{6,}/);
      // eslint-disable-next-line no-control-regex
      expect(r.stdout).not.toMatch(/\u001b\]|\u001bP/);
    }
  });

  it('TOPO_LINKS=1 forces them on a terminal the detection does not know', async () => {
    const s = await sandbox();
    const { task } = taskWithContact(s);
    const r = await topo(['tasks', 'show', task.id], { sandbox: s, tty: true, env: { TOPO_LINKS: '1' } });
    expect(hyperlinks(r.stdout).targets).toHaveLength(3);
  });
});

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The built topo on a pseudo-terminal (util-linux `script`) with exactly this environment; what it showed. */
function onTerminal(
  args: string[],
  env: Record<string, string>,
  { columns = 100, stdout = '' }: { columns?: number; stdout?: string } = {},
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const child = spawn('script', ['-qec', `stty cols ${columns}; ${command} ${stdout}`, '/dev/null'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end of topo ${args.join(' ')}: ${screen}`));
    }, 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe.runIf(hasScript)('on a real terminal, as the terminal says what it is', () => {
  const envFor = (s: Sandbox, extra: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    HOME: tempDir(),
    TOPO_CONFIG_DIR: join(tempDir(), 'config'),
    TOPO_API_URL: s.url,
    TOPO_API_KEY: 'topo_sandbox_rw',
    TOPO_NO_KEYCHAIN: '1',
    TERM: 'xterm-256color',
    ...extra,
  });

  it('stdout sent to a file, what stays on the terminal (the plan on stderr) is as wide as the terminal', async () => {
    const s = await sandbox();
    const [, bob, carla, dev] = s.store.users.map((u) => u.id);
    const { code, screen } = await onTerminal(
      ['tasks', 'reassign', '--from', dev!, '--to', `${bob},${carla}`, '--dry-run'],
      envFor(s, {}),
      { columns: 140, stdout: '> /dev/null' },
    );
    expect(code).toBe(0);
    const widths = screen
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split(/\r?\n/)
      .map((line) => displayWidth(line));
    // A line of the plan wider than 80 columns (where it wrapped before), none wider than the terminal.
    expect(Math.max(...widths)).toBeGreaterThan(80);
    expect(Math.max(...widths)).toBeLessThanOrEqual(140);
  });

  it.each([
    ['WezTerm', 3, { TERM_PROGRAM: 'WezTerm', TERM_PROGRAM_VERSION: '20240203-110809-5046fc22' }],
    ['a VTE terminal', 3, { VTE_VERSION: '7600' }],
    ['Apple Terminal', 0, { TERM_PROGRAM: 'Apple_Terminal', TERM_PROGRAM_VERSION: '453' }],
    ['plain xterm', 0, {}],
    [
      'WezTerm with --no-links',
      0,
      { TERM_PROGRAM: 'WezTerm', TERM_PROGRAM_VERSION: '20240203', ARGS: '--no-links' },
    ],
  ] as const)('%s: tasks show draws %i links', async (_name, count, extra) => {
    const s = await sandbox();
    const { task, contact } = taskWithContact(s);
    const { ARGS, ...env } = { ARGS: '', ...extra };
    const { code, screen } = await onTerminal(
      [...(ARGS ? [ARGS] : []), 'tasks', 'show', task.id],
      envFor(s, env),
    );
    expect(code).toBe(0);
    expect(screen).toContain(contact.email!);
    // A process of its own draws OSC 8 as it is (no tmux here).
    // eslint-disable-next-line no-control-regex
    const links = [...screen.matchAll(/\u001b\]8;;([^\u0007]+)\u0007/g)].map((m) => m[1]);
    expect(links).toEqual(
      count
        ? [mailtoTarget(contact.email), telTarget(contact.phone_number), webTarget(contact.linkedin_url)]
        : [],
    );
  });

  it('piped, even in a terminal that shows links: none', async () => {
    const s = await sandbox();
    const { task } = taskWithContact(s);
    const r = await topo(['tasks', 'show', task.id], {
      sandbox: s,
      spawn: true,
      env: {
        TERM: 'xterm-256color',
        TERM_PROGRAM: 'WezTerm',
        TERM_PROGRAM_VERSION: '20240203',
        FORCE_HYPERLINK: '1',
      },
    });
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\u001b/);
  });
});
