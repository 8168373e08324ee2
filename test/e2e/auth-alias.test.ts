import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/output/width.js';
import { sandbox, tempDir, topo } from '../helpers.js';

/** A sandbox, a config folder of its own, and `auth login --with-token` of this key with TOPO_API_URL set. */
async function loggedIn(key: string) {
  const s = await sandbox();
  const home = tempDir();
  const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
  const login = await topo(['auth', 'login', '--with-token'], {
    sandbox: s,
    key: null,
    env,
    input: `${key}\n`,
  });
  return { s, home, env, login };
}

describe('auth', () => {
  it('login --with-token checks the key with /me, stores it 0600 in a 0700 folder, and status reports it', async () => {
    const { s, home, env, login } = await loggedIn('topo_sandbox_ro');
    expect(login.code).toBe(0);
    expect(login.stdout).toBe('');
    expect(login.stderr).toContain(
      `✓ Logged in to workspace ${s.store.state.organization_id} as key 'Sandbox read-only'`,
    );
    expect(login.stderr).toContain("warning: this key lacks 'tasks:write'");
    expect(login.stderr).toContain('note: TOPO_NO_KEYCHAIN=1 is set, so the key is kept in ');
    expect(login.stderr).not.toContain('topo_sandbox_ro\n');
    expect(s.received('GET').map((r) => r.path)).toEqual(['/v1/me']);
    const file = join(home, 'cfg', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'cfg')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8')).profiles.default.api_key).toBe('topo_sandbox_ro');

    const status = await topo(['auth', 'status', '--json'], { sandbox: s, key: null, env });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      profile: 'default',
      source: 'profile',
      storage: 'file',
      api_url: s.url,
      key_prefix: 'topo_sandbox',
      name: 'Sandbox read-only',
      organization_id: s.store.state.organization_id,
      scopes: ['tasks:read'],
      valid: true,
      views: { tasks: true, changes: false, campaigns: false, contacts: false },
    });

    const list = await topo(['tasks', 'list', '-L', '1'], { sandbox: s, key: null, env });
    expect(list.code).toBe(0);
    expect(s.requests.at(-1)!.key).toBe('topo_sandbox_ro');

    const shadow = await topo(['auth', 'status'], { sandbox: s, env });
    expect(shadow.stdout).toMatch(/^Profile: {4}default\nAPI: {8}http/);
    expect(shadow.stdout).toContain('Key from:   TOPO_API_KEY');
    expect(shadow.stderr).toContain("warning: TOPO_API_KEY shadows the key stored in profile 'default'");

    const logout = await topo(['auth', 'logout'], { sandbox: s, key: null, env });
    expect(logout.code).toBe(0);
    const after = await topo(['auth', 'status'], { sandbox: s, key: null, env });
    expect(after.code).toBe(4);
    expect(after.stderr).toContain("Run 'topo auth login'");
  });

  it('login keeps the API URL it checked the key against (TOPO_API_URL or --api-url) with the key', async () => {
    const { s, home, env, login } = await loggedIn('topo_sandbox_rw');
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`\n  API: ${s.url} (kept in the profile)\n`);
    const file = join(home, 'cfg', 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).profiles.default.api_url).toBe(s.url);

    // Later, without TOPO_API_URL: the key goes where it was checked, not to the default host.
    const before = s.requests.length;
    const list = await topo(['tasks', 'list', '-L', '1'], { key: null, env });
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const reached = s.requests.slice(before);
    expect(reached.length).toBeGreaterThan(0);
    expect(new Set(reached.map((r) => `${r.path} ${r.key}`))).toEqual(new Set(['/v1/tasks topo_sandbox_rw']));

    // A profile's own URL, not named at login, is left as it is and said without the note.
    const again = await topo(['auth', 'login', '--with-token'], {
      key: null,
      env,
      input: 'topo_sandbox_ro\n',
    });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`\n  API: ${s.url}\n`);
    expect(JSON.parse(readFileSync(file, 'utf8')).profiles.default).toMatchObject({
      api_url: s.url,
      api_key: 'topo_sandbox_ro',
    });
  });

  it('refuses a key the API rejects and saves nothing (exit 4)', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    const r = await topo(['auth', 'login', '--with-token'], {
      sandbox: s,
      key: null,
      env,
      input: 'topo_wrong',
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('error: the API rejected this key (UnauthorizedIssue); nothing was saved\n');
    const status = await topo(['auth', 'status'], { sandbox: s, key: null, env });
    expect(status.code).toBe(4);
  });

  it('auth status says what it knows here when the API does not answer, then the error and its exit code', async () => {
    const s = await sandbox();
    await s.close();
    const text = await topo(['auth', 'status'], { sandbox: s, key: 'topo_sandbox_rw' });
    expect(text.stdout).toBe(
      `Profile:    default\nAPI:        ${s.url}\nKey from:   TOPO_API_KEY\nKey:        not checked: the API did not answer (below)\n`,
    );
    expect(text.stderr).toMatch(/^error: cannot reach 127\.0\.0\.1:\d+: connection refused\n$/);
    expect(text.code).toBe(1);
    const json = await topo(['auth', 'status', '--json'], { sandbox: s, key: 'topo_sandbox_rw' });
    expect(JSON.parse(json.stdout)).toMatchObject({ source: 'environment', valid: null, api_url: s.url });
    expect(JSON.parse(json.stderr).error.type).toBe('NetworkError');
    expect(json.code).toBe(1);
  });

  it('auth status exits 4 when the key is rejected', async () => {
    const s = await sandbox();
    const r = await topo(['auth', 'status', '--json'], { sandbox: s, key: 'topo_gone' });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, source: 'environment' });
  });

  it('login without a terminal and without --with-token is a usage error', async () => {
    const r = await topo(['auth', 'login'], { key: null });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: no terminal to ask for the key: pipe it in with --with-token, or set TOPO_API_KEY\n',
    );
  });

  it('keeps profiles apart', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    await topo(['auth', 'login', '--with-token', '--profile', 'eu'], {
      sandbox: s,
      key: null,
      env,
      input: 'topo_sandbox_rw',
    });
    const def = await topo(['auth', 'status'], { sandbox: s, key: null, env });
    expect(def.code).toBe(4);
    const eu = await topo(['auth', 'status'], { sandbox: s, key: null, env: { ...env, TOPO_PROFILE: 'eu' } });
    expect(eu.code).toBe(0);
    expect(eu.stdout).toContain("Key from:   profile 'eu'");
    expect(s.received('GET', /^\/v1\/tasks/)).toHaveLength(0);
  });

  it('one rule for a profile that does not exist: whatever reads it says so, exit 2, nothing sent', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    await topo(['auth', 'login', '--with-token', '--profile', 'eu'], {
      sandbox: s,
      key: null,
      env,
      input: 'topo_sandbox_rw',
    });
    s.requests.length = 0;
    const message = "error: no profile 'uk' (profiles: eu); 'topo auth login --profile uk' creates it\n";
    for (const args of [
      ['tasks', 'list', '--profile', 'uk'],
      ['alias', 'list', '--profile', 'uk'],
      ['alias', 'remove', 'bob', '--profile', 'uk'],
      ['auth', 'status', '--profile', 'uk'],
      ['auth', 'logout', '--profile', 'uk'],
    ]) {
      const r = await topo(args, { sandbox: s, key: null, env });
      expect(r.stderr, args.join(' ')).toBe(message);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const fromEnv = await topo(['alias', 'list'], { key: null, env: { ...env, TOPO_PROFILE: 'uk' } });
    expect(fromEnv.stderr).toBe(message);
    expect(fromEnv.code).toBe(2);
    expect(s.requests).toHaveLength(0);
    // Adding an alias creates the profile it names.
    const set = await topo(['alias', 'set', 'bob', s.store.users[1]!.id, '--profile', 'uk'], {
      key: null,
      env,
    });
    expect(set.code).toBe(0);
    const list = await topo(['alias', 'list', '--profile', 'uk'], { key: null, env });
    expect(list.stdout).toBe(`bob\t${s.store.users[1]!.id}\n`);
  });

  it('a profile named that does not exist is refused with TOPO_API_KEY set too, unless no profile exists at all', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    // No profile at all (a CI machine): the name only names the workspace of jobs and aliases.
    const bare = await topo(['tasks', 'list', '-L', '1', '--profile', 'ci'], { sandbox: s, env });
    expect(bare.code).toBe(0);
    await topo(['auth', 'login', '--with-token', '--profile', 'eu'], {
      sandbox: s,
      key: null,
      env,
      input: 'topo_sandbox_rw',
    });
    s.requests.length = 0;
    const message = "error: no profile 'nope' (profiles: eu); 'topo auth login --profile nope' creates it\n";
    for (const [args, extra] of [
      [['tasks', 'list', '--profile', 'nope'], {}],
      [['tasks', 'list'], { TOPO_PROFILE: 'nope' }],
      [['auth', 'status', '--profile', 'nope'], {}],
      [['tasks', 'reassign', '--jobs', '--profile', 'nope'], {}],
    ] as [string[], Record<string, string>][]) {
      const r = await topo(args, { sandbox: s, env: { ...env, ...extra } });
      expect(r.stderr, args.join(' ')).toBe(message);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(s.requests).toHaveLength(0);
    const known = await topo(['tasks', 'list', '-L', '1', '--profile', 'eu'], { sandbox: s, env });
    expect(known.code).toBe(0);
  });

  it('the sandbox has its own profile: --profile with it is refused, TOPO_PROFILE is not used', async () => {
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg'), TOPO_DATA_DIR: join(home, 'data') };
    for (const [args, extra, what] of [
      [['--sandbox', '--profile', 'eu', 'alias', 'list'], {}, '--sandbox'],
      [['alias', 'list', '--profile', 'eu'], { TOPO_SANDBOX: '1' }, 'TOPO_SANDBOX=1'],
    ] as const) {
      const r = await topo([...args], { key: null, env: { ...env, ...extra } });
      expect(r.stderr).toBe(
        `error: --profile eu and ${what} do not go together: the sandbox has its own profile ('sandbox'); leave out one of them\n`,
      );
      expect(r.code).toBe(2);
    }
    const r = await topo(['--sandbox', 'alias', 'list'], { key: null, env: { ...env, TOPO_PROFILE: 'eu' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('alice\t');
    // Nor an API URL: the sandbox has an address of its own (TOPO_API_URL, for other commands, is not used).
    const url = await topo(
      ['--sandbox', '--api-url', 'https://x.example/v1?a=1', 'tasks', 'list', '-L', '1'],
      {
        key: null,
        env,
      },
    );
    expect([url.code, url.stderr]).toEqual([
      2,
      'error: --api-url and --sandbox do not go together: the sandbox runs at an address of its own; leave out one of them\n',
    ]);
    const fromEnv = await topo(['--sandbox', 'tasks', 'list', '-L', '1'], {
      key: null,
      env: { ...env, TOPO_API_URL: 'https://x.example/v1' },
    });
    expect(fromEnv.code).toBe(0);
  });
});

describe('alias', () => {
  it('alias list with no alias: nothing piped, an empty object in JSON, the header row alone in CSV', async () => {
    const env = { TOPO_CONFIG_DIR: join(tempDir(), 'cfg') };
    expect((await topo(['alias', 'list'], { key: null, env })).stdout).toBe('');
    expect((await topo(['alias', 'list', '--json'], { key: null, env })).stdout).toBe('{}\n');
    expect((await topo(['alias', 'list', '--csv'], { key: null, env })).stdout).toBe('name,uuid\r\n');
  });

  it('a person of several names is shown by one, the same everywhere: a sandbox rep by their own, else the last set', async () => {
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg'), TOPO_DATA_DIR: join(home, 'data') };
    const carla = '214aa188-3c4f-4d02-8f5b-d14dcc312684';
    const bob = 'd4e8eb2a-f2f2-4165-a881-cd424e42a851';
    const set = async (name: string, id: string, profile: string[] = ['--sandbox']) =>
      expect((await topo([...profile, 'alias', 'set', name, id], { key: null, env })).code).toBe(0);
    const plan = async (argv: string[]) =>
      (
        await topo([...argv, 'tasks', 'reassign', '--from', carla, '--to', bob, '--dry-run'], {
          key: null,
          env,
        })
      ).stderr;
    await set('leaver', carla);
    await set('rep1', bob);
    await set('carla', carla);
    expect(await plan(['--sandbox'])).toContain('from carla to bob\n');
    // Elsewhere (no seeded names): the alias set last, whichever it is, and a name set again is set last.
    const s = await sandbox();
    const other = ['--profile', 'eu'];
    await set('leaver', carla, other);
    await set('carla', carla, other);
    await set('bob', bob, other);
    const shown = async () =>
      (
        await topo([...other, 'tasks', 'reassign', '--from', carla, '--to', bob, '--dry-run'], {
          key: 'topo_sandbox_rw',
          env: { ...env, TOPO_API_URL: s.url },
        })
      ).stderr;
    expect(await shown()).toContain('from carla to bob\n');
    await set('leaver', carla, other);
    expect(await shown()).toContain('from leaver to bob\n');
  });

  it('in the sandbox, removing your alias that shadows a seeded name says the seeded name stays', async () => {
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg'), TOPO_DATA_DIR: join(home, 'data') };
    const carla = '214aa188-3c4f-4d02-8f5b-d14dcc312684';
    const bob = 'd4e8eb2a-f2f2-4165-a881-cd424e42a851';
    expect((await topo(['--sandbox', 'alias', 'set', 'bob', carla], { key: null, env })).code).toBe(0);
    const r = await topo(['--sandbox', 'alias', 'remove', 'bob'], { key: null, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `✓ Removed your alias bob; 'bob' is also one of the sandbox's own names, which stays (→ ${bob})\n`,
    );
    const list = await topo(['--sandbox', 'alias', 'list'], { key: null, env });
    expect(list.stdout).toContain(`bob\t${bob}\n`);
  });

  it('sets, lists, uses and removes aliases', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    const bob = s.store.users[1]!;
    expect((await topo(['alias', 'set', 'bob', bob.id.toUpperCase()], { env })).code).toBe(0);
    const me = await topo(['alias', 'set', 'me', bob.id], { env });
    expect(me.code).toBe(0);
    // Two names for one person is allowed, and said.
    expect(me.stderr).toBe(`✓ me → ${bob.id}\nnote: bob also names this user\n`);
    const list = await topo(['alias', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual({ bob: bob.id, me: bob.id });
    const plain = await topo(['alias', 'list'], { env });
    expect(plain.stdout).toBe(`bob\t${bob.id}\nme\t${bob.id}\n`);

    const mine = await topo(['tasks', 'list', '-a', 'me', '-L', '1'], { sandbox: s, env });
    expect(mine.code).toBe(0);
    expect(s.requests.every((r) => r.params.some(([k, v]) => k === 'assignee_user_id' && v === bob.id))).toBe(
      true,
    );

    // Pointing a name elsewhere says what it was.
    const carla = s.store.users[2]!;
    const moved = await topo(['alias', 'set', 'me', carla.id], { env });
    expect(moved.stderr).toBe(`✓ me → ${carla.id}, was ${bob.id}\n`);
    expect((await topo(['alias', 'remove', 'bob'], { env })).code).toBe(0);
    const gone = await topo(['alias', 'remove', 'bob'], { env });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe("error: no alias named 'bob' (see 'topo alias list')\n");
    // A third name for carla: both others are named.
    expect((await topo(['alias', 'set', 'cc', carla.id], { env })).code).toBe(0);
    const third = await topo(['alias', 'set', 'carla', carla.id], { env });
    expect(third.stderr).toBe(`✓ carla → ${carla.id}\nnote: cc and me also name this user\n`);
  });

  it('names ignore case: Bob2 set is bob2 typed, set again in another case replaces it, removed in any case', async () => {
    const s = await sandbox();
    const env = { TOPO_CONFIG_DIR: join(tempDir(), 'cfg') };
    const [bob, carla] = [s.store.users[1]!, s.store.users[2]!];
    expect((await topo(['alias', 'set', 'Bob2', bob.id], { env })).code).toBe(0);
    const listed = await topo(['tasks', 'list', '-a', 'bob2', '-L', '1'], { sandbox: s, env });
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(s.requests.at(-1)!.params).toContainEqual(['assignee_user_id', bob.id]);
    const again = await topo(['alias', 'set', 'BOB2', carla.id], { env });
    expect(again.stderr).toBe(`✓ BOB2 → ${carla.id}, in place of Bob2 → ${bob.id}\n`);
    expect(JSON.parse((await topo(['alias', 'list', '--json'], { env })).stdout)).toEqual({ BOB2: carla.id });
    for (const reserved of ['none', 'NONE']) {
      const taken = await topo(['alias', 'set', reserved, bob.id], { env });
      expect([taken.code, taken.stderr]).toEqual([
        2,
        `error: alias '${reserved}' is taken: 'none' means nobody (unassigned tasks)\n`,
      ]);
    }
    const removed = await topo(['alias', 'remove', 'bob2'], { env });
    expect([removed.code, removed.stderr]).toEqual([0, '✓ Removed alias BOB2\n']);
    // in the sandbox, a name of your own in another case hides the seeded one
    const home = tempDir();
    const sandboxEnv = { TOPO_CONFIG_DIR: join(home, 'cfg'), TOPO_DATA_DIR: join(home, 'data') };
    expect(
      (await topo(['--sandbox', 'alias', 'set', 'Alice', carla.id], { key: null, env: sandboxEnv })).code,
    ).toBe(0);
    const mine = await topo(['--sandbox', 'alias', 'list', '--json'], { key: null, env: sandboxEnv });
    const names = JSON.parse(mine.stdout) as Record<string, string>;
    expect([names.Alice, 'alice' in names]).toEqual([carla.id, false]);
  });

  it('refuses a name spelled like a UUID, and the sandbox’s own names cannot be removed', async () => {
    const env = { TOPO_CONFIG_DIR: join(tempDir(), 'cfg') };
    const uuid = 'd4e8eb2a-f2f2-4165-a881-cd424e42a851';
    const r = await topo(['alias', 'set', uuid, '86c41ff0-0000-4000-8000-000000000000'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: alias '${uuid}': looks like a user UUID; choose a name\n`);
    const femi = await topo(['--sandbox', 'alias', 'remove', 'femi'], { env });
    expect(femi.code).toBe(2);
    expect(femi.stderr).toBe(
      "error: 'femi' is one of the sandbox's own names, not an alias you set: it stays\n",
    );
  });

  it('rejects a bad alias name or UUID', async () => {
    expect((await topo(['alias', 'set', '1x', '00000000-0000-4000-8000-000000000000'])).code).toBe(2);
    const bad = await topo(['alias', 'set', 'x', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: uuid: 'nope' is not a UUID\n");
  });
});

describe('--sandbox', () => {
  it('runs a command against a local sandbox with the seeded reps as aliases, keeping state between runs', async () => {
    const home = tempDir();
    const env = { TOPO_DATA_DIR: join(home, 'data') };
    const first = await topo(['--sandbox', 'tasks', 'list', '-a', 'bob', '--json', 'id,assignee_user_id'], {
      key: null,
      env,
    });
    expect(first.code).toBe(0);
    const tasks = JSON.parse(first.stdout) as { id: string; assignee_user_id: string }[];
    expect(tasks.length).toBeGreaterThan(0);
    const state = JSON.parse(readFileSync(join(home, 'data', 'sandbox.json'), 'utf8')) as {
      users: { alias: string; id: string }[];
    };
    const bob = state.users.find((u) => u.alias === 'bob')!.id;
    expect(tasks.every((t) => t.assignee_user_id === bob)).toBe(true);
    const again = await topo(['--sandbox', 'tasks', 'list', '-a', 'bob', '--json', 'id,assignee_user_id'], {
      key: null,
      env,
    });
    expect(again.stdout).toBe(first.stdout);
    const aliases = await topo(['--sandbox', 'alias', 'list', '--json'], { key: null, env });
    expect(JSON.parse(aliases.stdout)).toMatchObject({ bob, me: state.users[0]!.id });
    const reset = await topo(['sandbox', '--reset'], { key: null, env });
    expect(reset.code).toBe(0);
    expect(reset.stderr).toContain('Sandbox state reset');
  });

  it('a sandbox key in TOPO_API_KEY chooses it and auth status says so; any other key is named a mistake', async () => {
    const env = { TOPO_DATA_DIR: join(tempDir(), 'data') };
    const ro = await topo(['--sandbox', 'auth', 'status'], { key: 'topo_sandbox_ro', env });
    expect(ro.code).toBe(0);
    expect(ro.stdout).toContain('Key from:   sandbox demo key, chosen by TOPO_API_KEY');
    const plain = await topo(['--sandbox', 'auth', 'status'], { key: null, env });
    expect(plain.stdout).toMatch(/Key from: {3}sandbox demo key\n/);
    const wrong = await topo(['--sandbox', 'tasks', 'list', '-L', '1'], { key: 'topo_live_oops', env });
    expect(wrong.code).toBe(0);
    expect(wrong.stderr).toBe(
      "warning: TOPO_API_KEY is not one of the sandbox's keys: --sandbox uses its demo key with every scope\n",
    );
  });
});

describe('auth status on a terminal', () => {
  it('the same facts in a box fitted to the terminal (cli-table3), without colour of its own when colour is off', async () => {
    const env = { TOPO_DATA_DIR: join(tempDir(), 'data'), NO_COLOR: '1' };
    const piped = await topo(['--sandbox', 'auth', 'status'], { key: null, env });
    for (const columns of [60, 120]) {
      const boxed = await topo(['--sandbox', 'auth', 'status'], { key: null, env, tty: true, columns });
      expect(boxed.code).toBe(0);
      const lines = boxed.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^┌─+┬─+┐$/);
      expect(lines.at(-1)).toMatch(/^└─+┴─+┘$/);
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
      expect(boxed.stdout).not.toContain('\u001b');
      // Every label and every word of every value of the piped lines is in the box (wrapped, never cut).
      const words = (text: string) =>
        text
          .replace(/[│┌┐└┘├┤┬┴┼─:]/g, ' ')
          .split(/\s+/)
          .filter(Boolean)
          .sort();
      expect(words(boxed.stdout).filter((w) => !/^http|\/v1$/.test(w))).toEqual(
        words(piped.stdout).filter((w) => !/^http|\/v1$/.test(w)),
      );
    }
  });
});
