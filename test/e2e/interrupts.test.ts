import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { isLoopback } from '../../src/session.js';
import {
  BIN,
  interrupts,
  MORE_TYPES_SEEDED,
  realSleep,
  sandbox,
  spawnTopo,
  tempDir,
  topo,
  waitFor,
} from '../helpers.js';

/** Interruptions, prompts, exit codes, what stdin may hold, and what reaches a terminal or the disk. */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs topo on a pseudo-terminal (util-linux `script`), typing `keys` once the prompt is up; returns what the
 * terminal showed and the exit code.
 */
function onTerminal(args: string[], env: Record<string, string>, keys: string, prompt: RegExp) {
  return typeOnTerminal(args, env, [[prompt, keys]]);
}

/**
 * Runs topo on a pseudo-terminal, in steps: each waits for its prompt to show after the previous step's keys
 * were typed, then types its own keys.
 */
function typeOnTerminal(
  args: string[],
  env: Record<string, string>,
  steps: [prompt: RegExp, keys: string][],
) {
  return new Promise<{ code: number | null; screen: string }>((resolve, reject) => {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...env, TERM: 'xterm', COLUMNS: '100' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let step = 0;
    let from = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer from topo ${args.join(' ')}: ${screen}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      const next = steps[step];
      // eslint-disable-next-line no-control-regex
      if (next && next[0].test(screen.slice(from).replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ''))) {
        step++;
        from = screen.length;
        child.stdin.write(next[1]);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

/** The environment of a run on a pseudo-terminal: a home of its own, against the sandbox. */
function terminalEnv(s: Sandbox): Record<string, string> {
  const home = tempDir();
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    TOPO_CONFIG_DIR: join(home, 'c'),
    TOPO_API_URL: s.url,
    TOPO_API_KEY: 'topo_sandbox_rw',
    TOPO_NO_KEYCHAIN: '1',
  };
}

describe('prompts on a real terminal', () => {
  const run = async (keys: string, args: (ids: string[]) => string[], prompt: RegExp) => {
    const s = await sandbox();
    const ids = s.store.state.tasks
      .filter((t) => t.status === 'PENDING')
      .slice(0, 2)
      .map((t) => t.id);
    const home = tempDir();
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TOPO_CONFIG_DIR: join(home, 'c'),
      TOPO_STATE_DIR: join(home, 's'),
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      TOPO_NO_KEYCHAIN: '1',
      NO_COLOR: '1',
    };
    const r = await onTerminal(args(ids), env, keys, prompt);
    return { ...r, s };
  };

  it.runIf(hasScript).each([
    ['Ctrl-C at a yes/no question', '\u0003'],
    ['Ctrl-D at a yes/no question (means no)', '\u0004'],
    ['"n" at a yes/no question', 'n\r'],
  ])('%s: exit 130, "cancelled: nothing was changed", nothing sent', async (_name, keys) => {
    const { code, screen, s } = await run(keys, (ids) => ['tasks', 'skip', ...ids], /Skip 2 tasks\?/);
    expect(code).toBe(130);
    expect(screen).toContain('error: cancelled: nothing was changed');
    expect(screen).not.toContain('User force closed');
    expect(s.received('POST')).toHaveLength(0);
  });

  it.runIf(hasScript)('Ctrl-C at the typed count of an offboarding: exit 130, nothing moved', async () => {
    const { code, screen, s } = await run(
      '12\u0003',
      () => ['tasks', 'reassign', '--from', 'alice', '--to', 'bob', '--sandbox'],
      /Type \d+ to confirm/,
    );
    expect(code).toBe(130);
    expect(screen).toContain('cancelled: nothing was changed');
    expect(s.received('PATCH')).toHaveLength(0);
  });

  it.runIf(hasScript).each([
    ['SIGINT sent by kill', 130, 'SIGINT'],
    ['SIGTERM', 143, 'SIGTERM'],
    ['Ctrl-D', 130, '\u0004'],
  ] as const)(
    '%s at the typed count of an offboarding: cancelled, nothing was changed, exit %i, nothing moved',
    async (_name, exit, what) => {
      const s = await sandbox();
      const home = tempDir();
      const env = { ...terminalEnv(s), TOPO_STATE_DIR: join(home, 's'), NO_COLOR: '1' };
      const args = ['tasks', 'reassign', '--from', s.store.users[0]!.id, '--to', s.store.users[1]!.id];
      const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { ...env, TERM: 'xterm', COLUMNS: '100' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        await waitFor(() => /Type \d+ to confirm/.test(screen), 15_000, 'the prompt');
        if (what.startsWith('SIG')) {
          // The topo process under script (a signal from outside, not a key typed on the terminal).
          const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' });
          const rows = table
            .trim()
            .split('\n')
            .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!)
            .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
          const mine = new Set([child.pid]);
          for (let grew = true; grew;) {
            grew = false;
            for (const r of rows)
              if (mine.has(r.ppid) && !mine.has(r.pid)) {
                mine.add(r.pid);
                grew = true;
              }
          }
          const topoPid = rows.find((r) => mine.has(r.pid) && r.args.startsWith(process.execPath))!.pid;
          process.kill(topoPid, what);
        } else child.stdin.write(what);
        expect(await closed).toBe(exit);
      } finally {
        child.kill('SIGKILL');
      }
      expect(screen).toContain('error: cancelled: nothing was changed');
      expect(s.received('PATCH')).toHaveLength(0);
    },
  );

  it.runIf(hasScript)('"y" goes ahead', async () => {
    const { code, s } = await run('y\r', (ids) => ['tasks', 'skip', ...ids], /Skip 2 tasks\?/);
    expect(code).toBe(0);
    expect(s.received('POST')).toHaveLength(2);
  });
});

describe('tasks next on a real terminal', () => {
  it.runIf(hasScript)(
    'a key acts when pressed, without Enter; any other key says which there are',
    async () => {
      const s = await sandbox();
      const alice = s.store.users[0]!.id;
      const first = JSON.parse(
        (await topo(['tasks', 'next', '-a', alice, '--json', 'id'], { sandbox: s })).stdout,
      );
      const env = { ...terminalEnv(s), NO_COLOR: '1' };
      const { code, screen } = await typeOnTerminal(['tasks', 'next', '-a', alice], env, [
        [/\(press a key\)/, 'x'],
        [/Press s, t, r, n or q/, 'n'],
        [/\(press a key\)/, 'q'],
      ]);
      // eslint-disable-next-line no-control-regex
      const plain = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      expect(code).toBe(0);
      // n showed the next task at once, q ended it: nothing typed piled up.
      const shown = [...plain.matchAll(/Task +([0-9a-f-]{36}) /g)].map((m) => m[1]);
      expect(shown).toHaveLength(2);
      expect(shown[0]).toBe(first.id);
      expect(shown[1]).not.toBe(first.id);
      expect(plain).toMatch(new RegExp(`${shown[0]}[\\s\\S]*What now\\? leave it, show the next`));
      expect(plain).toMatch(new RegExp(`${shown[1]}[\\s\\S]*What now\\? quit`));
      expect(plain).not.toMatch(/nq|xn/);
      expect(s.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    },
  );
});

describe('keys typed ahead in tasks next', () => {
  it.runIf(hasScript)(
    'are taken in order by the next key prompts: "nq" pasted shows the next, then quits',
    async () => {
      const s = await sandbox();
      const alice = s.store.users[0]!.id;
      const env = { ...terminalEnv(s), NO_COLOR: '1' };
      const { code, screen } = await typeOnTerminal(['tasks', 'next', '-a', alice], env, [
        [/\(press a key\)/, 'nq'],
      ]);
      // eslint-disable-next-line no-control-regex
      const plain = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      expect(code).toBe(0);
      expect([...plain.matchAll(/Task +([0-9a-f-]{36}) /g)]).toHaveLength(2);
      expect(plain).toMatch(/What now\? leave it, show the next[\s\S]*What now\? quit/);
    },
  );
});

describe('Ctrl-C at the key prompt of tasks next', () => {
  it.runIf(hasScript)('ends quietly with 130: no hint about keys flashes on the way out', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const env = { ...terminalEnv(s), NO_COLOR: '1' };
    const { code, screen } = await typeOnTerminal(['tasks', 'next', '-a', alice], env, [
      [/\(press a key\)/, '\u0003'],
    ]);
    expect(code).toBe(130);
    expect(screen).not.toMatch(/Press s, t, r, n or q/);
    expect(s.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('a long table on a real terminal', () => {
  it.runIf(hasScript)(
    'the spinner counts while the first page is fetched and never draws once the table prints',
    async () => {
      const s = await sandbox({ tasks: 1500 });
      const env = terminalEnv(s);
      const { code, screen } = await onTerminal(
        ['tasks', 'list', '--status', 'all', '--all'],
        env,
        '',
        /^$ never/,
      );
      expect(code).toBe(0);
      // eslint-disable-next-line no-control-regex
      const plain = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      expect(plain).toContain(`Fetching tasks… 100 of ${(1500 + MORE_TYPES_SEEDED).toLocaleString('en-US')}`);
      expect(plain).not.toMatch(/Fetching tasks… (\d,\d{3}|[5-9]\d\d) of/);
      expect(plain.split('\n').filter((l) => /^[0-9a-f]{6}/.test(l))).toHaveLength(1500 + MORE_TYPES_SEEDED);
    },
  );
});

describe('Ctrl-C and SIGTERM during bulk work', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s during a bulk skip: calls in flight finish, what changed is printed, a done/left summary, exit %i',
    async (signal, exit) => {
      const s = await sandbox({ tasks: 600, latencyMs: 20 });
      const ids = s.store.state.tasks
        .filter(isOpen)
        .slice(0, 200)
        .map((t) => t.id);
      const run = spawnTopo(['tasks', 'skip', '-', '--yes', '--concurrency', '4'], { sandbox: s });
      let stdout = '';
      run.child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      run.child.stdin.end(ids.join('\n'));
      await waitFor(() => s.received('POST').length >= 10, 15_000, 'ten skips');
      run.child.kill(signal);
      expect(await run.exit).toBe(exit);
      const skipped = ids.filter((id) => s.store.get(id)!.status === 'SKIPPED');
      expect(skipped.length).toBeGreaterThan(0);
      expect(skipped.length).toBeLessThan(ids.length);
      // stdout lists exactly what changed, as a normal run would
      expect(stdout.trim().split('\n').sort()).toEqual([...skipped].sort());
      expect(run.stderr()).toMatch(
        new RegExp(
          `${skipped.length} skipped, 0 unchanged, 0 failed, ${ids.length - skipped.length} not attempted\\.`,
        ),
      );
      expect(run.stderr()).toMatch(
        /error: interrupted: \d+ skipped, \d+ tasks left; run the same command again to finish\n$/,
      );
      expect(run.stderr()).toContain(
        signal === 'SIGINT'
          ? 'Stopping: letting the calls in flight finish (Ctrl-C again to quit at once)…'
          : 'Stopping (SIGTERM): letting the calls in flight finish (a second signal quits at once)…',
      );
    },
  );
});

describe('Ctrl-C and SIGTERM during a listing', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s while an export walks its pages: the rows out stay out, and stderr says it stopped and where; exit %i',
    async (signal, exit) => {
      const s = await sandbox({ tasks: 3000, latencyMs: 20 });
      const args = ['tasks', 'list', '--all', '--status', 'all', '--csv', '--concurrency', '1'];
      const run = spawnTopo(args, { sandbox: s });
      let stdout = '';
      run.child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const pages = () => s.requests.filter((q) => q.method === 'GET' && q.path === '/v1/tasks').length;
      await waitFor(() => pages() >= 3, 15_000, 'three pages');
      run.child.kill(signal);
      expect(await run.exit).toBe(exit);
      const said =
        /^error: interrupted: the listing stopped after ([\d,]+) of ([\d,]+) tasks: the output is incomplete\n$/.exec(
          run.stderr(),
        );
      expect(said, run.stderr()).not.toBeNull();
      const rows = stdout.split('\r\n').filter(Boolean).length - 1;
      expect(rows).toBe(Number(said![1]!.replace(/,/g, '')));
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThan(Number(said![2]!.replace(/,/g, '')));
    },
  );

  it('with --json the stop is one JSON error on stderr, and the array on stdout is left open', async () => {
    const s = await sandbox({ tasks: 3000, latencyMs: 20 });
    const ctrlC = interrupts();
    const listing = topo(['tasks', 'list', '--all', '--status', 'all', '--json', '--concurrency', '1'], {
      sandbox: s,
      deps: { interrupts: ctrlC.registry },
    });
    const pages = () => s.requests.filter((q) => q.method === 'GET' && q.path === '/v1/tasks').length;
    await waitFor(() => pages() >= 2, 15_000, 'two pages');
    ctrlC.press();
    const r = await listing;
    expect(r.code).toBe(130);
    const error = JSON.parse(r.stderr) as { error: { code: number; message: string } };
    expect(error.error.code).toBe(130);
    expect(error.error.message).toMatch(
      /^interrupted: the listing stopped after [\d,]+ of ([\d,]+) tasks: the output is incomplete$/,
    );
    expect(() => JSON.parse(r.stdout)).toThrow();
    expect(r.stdout.startsWith('[')).toBe(true);
  });
});

describe('exit codes of bulk work', () => {
  it('all failed for the same reason: that reason’s code, not 6; and no advice to run again', async () => {
    const s = await sandbox();
    const done = s.store.state.tasks
      .filter((t) => t.status === 'COMPLETED')
      .slice(0, 3)
      .map((t) => t.id);
    const r = await topo(['tasks', 'skip', ...done, '--yes'], { sandbox: s });
    expect(r.code).toBe(5);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('error: 3 of 3 tasks failed (BusinessIssue)');
    expect(r.stderr).not.toContain('run the same command again');
    const gone = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const notFound = await topo(['tasks', 'skip', ...gone, '--yes'], { sandbox: s });
    expect(notFound.code).toBe(3);
    const mixed = await topo(['tasks', 'skip', done[0]!, gone[0]!, '--yes'], { sandbox: s });
    expect(mixed.code).toBe(1);
  });

  it('some succeeded, some failed: 6, and "run again" only for failures a retry can fix', async () => {
    const s = await sandbox();
    const [open, other] = s.store.state.tasks.filter((t) => t.status === 'PENDING');
    s.injectFault({ method: 'POST', path: `/${other!.id}/skip$`, status: 500, times: 10 });
    s.injectFault({ method: 'GET', path: `/${other!.id}$`, status: 500, times: 10, after: 1 });
    const r = await topo(['tasks', 'skip', open!.id, other!.id, '--yes'], { sandbox: s });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('1 of 2 tasks failed; run the same command again to retry them');
  });
});

describe('what standard input may hold', () => {
  it('nothing: "nothing to do", exit 0, no request', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'skip', '-', '--yes'], { sandbox: s, input: '' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('Nothing to do: no task IDs were given on standard input.\n');
    expect(s.requests).toHaveLength(0);
    const json = await topo(['tasks', 'skip', '-', '--yes', '--json'], { sandbox: s, input: '\n\n' });
    expect(json.stdout).toBe('[]\n');
  });

  it('the TSV of tasks list: its first column', async () => {
    const s = await sandbox();
    const listed = await topo(['tasks', 'list', '-s', 'pending', '-L', '3'], { sandbox: s });
    const r = await topo(['tasks', 'skip', '-', '--yes'], { sandbox: s, input: listed.stdout });
    expect(r.code).toBe(0);
    const ids = listed.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]!);
    expect(r.stdout.trim().split('\n').sort()).toEqual([...ids].sort());
  });

  it('something else: a clear error naming it, exit 2, nothing sent', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'skip', '-', '--yes'], { sandbox: s, input: '[{"id": 1}]\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: not a task ID: '1' /);
    // JSON records without an id (fields picked without it): said as such, not as '[object Object]'.
    const noId = await topo(['tasks', 'skip', '-', '--dry-run'], {
      sandbox: s,
      input: '[{"sequence_id":"x"},{"sequence_id":"y"}]\n',
    });
    expect(noId).toMatchObject({
      code: 2,
      stderr: `error: standard input holds 2 JSON records with no "id" field; pipe 'topo tasks list --json' with id among its fields (--json id,…)\n`,
    });
    expect(s.requests).toHaveLength(0);
  });
});

describe('names that are not people never reach the API', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    '--to %s is a usage error',
    async (name) => {
      const s = await sandbox();
      const t = s.store.state.tasks.find(isOpen)!;
      const r = await topo(['tasks', 'reassign', t.id, '--to', name], { sandbox: s });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `error: --to: '${name}' is neither a UUID nor a known alias (see 'topo alias list')\n`,
      );
      const list = await topo(['tasks', 'list', '-a', name], { sandbox: s });
      expect(list.code).toBe(2);
      expect(s.requests).toHaveLength(0);
    },
  );

  it('an alias in the config that is not a UUID is a config error naming it, exit 2', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'config.json'),
      '{"profiles": {"default": {"aliases": {"bob": "function(){}"}}}}',
      {
        mode: 0o600,
      },
    );
    const r = await topo(['tasks', 'list', '-a', 'bob'], { env: { TOPO_CONFIG_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("profile 'default': alias 'bob' must map to a UUID string");
  });
});

describe('escape sequences from the API never reach a terminal', () => {
  it('in an error’s type, request id and message', async () => {
    const s = await sandbox();
    s.injectFault({
      status: 409,
      contentType: 'application/json',
      body: JSON.stringify({
        status_code: 409,
        type: 'Commit\u001b[31mIssue',
        message: 'Conflict\u001b]0;pwned\u0007 here\u009b2J',
        request_id: 'req_\u001b[2Jx',
      }),
    });
    const r = await topo(['tasks', 'show', s.store.state.tasks[0]!.id], { sandbox: s });
    expect(r.code).toBe(5);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(r.stderr).toBe(
      'error: Conflict\\e]0;pwned\\x07 here\\x9b2J (Commit\\e[31mIssue, request req_\\e[2Jx)\n',
    );
  });

  it('a 5 MB error message is cut to one sane line', async () => {
    const s = await sandbox();
    s.injectFault({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ status_code: 400, type: 'ValidationIssue', message: 'x'.repeat(5_000_000) }),
    });
    const r = await topo(['tasks', 'show', s.store.state.tasks[0]!.id], { sandbox: s });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.length).toBeLessThan(500);
  });
});

describe('files and folders', () => {
  it('config folders are 0700 whatever the umask, and a symlink is never followed to repair modes', async () => {
    const dir = tempDir();
    const target = join(dir, 'elsewhere');
    mkdirSync(target);
    chmodSync(target, 0o755);
    const cfg = join(dir, 'cfg');
    symlinkSync(target, cfg);
    const r = await topo(['alias', 'list'], { env: { TOPO_CONFIG_DIR: cfg } });
    expect(r.code).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(lstatSync(cfg).isSymbolicLink()).toBe(true);

    // A process of its own with umask 000 (the umask belongs to the process).
    const fresh = join(dir, 'new', 'cfg');
    execFileSync(
      'sh',
      [
        '-c',
        `umask 000 && exec "$0" "$1" alias set bob 00000000-0000-4000-8000-000000000001`,
        process.execPath,
        BIN,
      ],
      {
        env: { PATH: process.env.PATH ?? '', HOME: dir, TOPO_CONFIG_DIR: fresh, TOPO_NO_KEYCHAIN: '1' },
        stdio: 'ignore',
      },
    );
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(statSync(join(fresh, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('the sandbox’s data folder is 0700 and its state 0600 whatever the umask', () => {
    const dir = tempDir();
    const data = join(dir, 'share', 'topo');
    execFileSync('sh', ['-c', 'umask 000 && exec "$0" "$1" --sandbox alias list', process.execPath, BIN], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        TOPO_DATA_DIR: data,
        TOPO_CONFIG_DIR: join(dir, 'cfg'),
      },
      stdio: 'ignore',
    });
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(statSync(join(data, 'sandbox.json')).mode & 0o777).toBe(0o600);
  });

  it('a held config lock says which file and what to do', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'config.lock'));
    // (the wait is cut short here: by default a writer waits up to 30 s for the lock)
    const r = await topo(['alias', 'set', 'bob', '00000000-0000-4000-8000-000000000001'], {
      env: { TOPO_CONFIG_DIR: dir },
      timeoutMs: 20_000,
      deps: { lockWaitMs: 300 },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: the config file ${join(dir, 'config.json')} is locked by another topo process (lock ${join(dir, 'config.lock')}); try again, or remove the lock if no topo is running\n`,
    );
  });

  it('a config lock held for seconds by another topo is waited for: the write then goes through', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const lockfile = await import('proper-lockfile');
    // Held as a live topo holds it (kept fresh), for longer than writers used to wait (about 2.5 s).
    const release = await lockfile.lock(dir, { lockfilePath: join(dir, 'config.lock'), stale: 10_000 });
    const writing = topo(['alias', 'set', 'bob', '00000000-0000-4000-8000-000000000001'], {
      env: { TOPO_CONFIG_DIR: dir },
      timeoutMs: 40_000,
    });
    await realSleep(3_000);
    await release();
    const r = await writing;
    expect(r.stderr).toBe('✓ bob → 00000000-0000-4000-8000-000000000001\n');
    expect(r.code).toBe(0);
  });

  it('forty writers at once: every one goes through and nothing is lost', async () => {
    const dir = tempDir();
    const env = { TOPO_CONFIG_DIR: dir };
    const names = Array.from({ length: 40 }, (_, i) => `rep${i}`);
    const results = await Promise.all(
      names.map((n, i) =>
        topo(['alias', 'set', n, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`], {
          env,
          timeoutMs: 40_000,
        }),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const aliases = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).profiles.default.aliases;
    expect(Object.keys(aliases).sort()).toEqual([...names].sort());
  });

  it('a name that merely ends in .localhost is not this machine unless it resolves only to loopback', async () => {
    expect(await isLoopback('127.0.0.1')).toBe(true);
    expect(await isLoopback('[::1]')).toBe(true);
    expect(await isLoopback('localhost', async () => [{ address: '127.0.0.1' }])).toBe(true);
    expect(await isLoopback('evil.localhost', async () => [{ address: '203.0.113.9' }])).toBe(false);
    expect(
      await isLoopback('mixed.localhost', async () => [{ address: '127.0.0.1' }, { address: '203.0.113.9' }]),
    ).toBe(false);
    expect(
      await isLoopback('nowhere.localhost', async () => {
        throw new Error('ENOTFOUND');
      }),
    ).toBe(false);
    expect(await isLoopback('10.0.0.1')).toBe(false);
  });
});
