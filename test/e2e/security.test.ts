import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { SecretStore } from '../../src/config/keychain.js';
import { checkBaseUrl } from '../../src/session.js';
import { memoryIO, sandbox, tempDir, topo, type RunResult } from '../helpers.js';

const SECRET = 'topo_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';

describe('the API key never leaks', () => {
  it('appears in no output of any command: success, failure, --debug, retries, crashes', async () => {
    const s = await sandbox({
      extraKeys: [{ key: SECRET, name: 'Production', scopes: ['tasks:read', 'tasks:write'] }],
    });
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg'), TOPO_STATE_DIR: join(home, 'state') };
    const t = s.store.state.tasks.find((x) => x.status === 'COMPLETED')!;
    const outputs: RunResult[] = [];
    const run = async (args: string[], extra: { input?: string; key?: string | null } = {}) => {
      const r = await topo(args, { sandbox: s, env, key: SECRET, ...extra });
      outputs.push(r);
      return r;
    };
    expect((await run(['auth', 'login', '--with-token', '--debug'], { key: null, input: SECRET })).code).toBe(
      0,
    );
    await run(['auth', 'status'], { key: null });
    await run(['auth', 'status', '--json', '--debug'], { key: null });
    await run(['tasks', 'list', '--debug']);
    await run(['tasks', 'list', '--json', '--debug']);
    await run(['tasks', 'show', t.id, '--debug']);
    await run(['tasks', 'show', '00000000-0000-4000-8000-000000000000', '--debug']);
    await run(['tasks', 'thread', t.id, '--debug']);
    await run(['tasks', 'skip', t.id, '--debug']);
    s.injectFault({ method: 'POST', reset: 'after' });
    await run(['tasks', 'reopen', t.id, '--debug']);
    s.injectFault({ status: 502, body: '<html>gateway</html>', times: 8 });
    await run(['tasks', 'list', '--debug', '-s', 'pending']);
    s.clearFaults();
    s.injectFault({ status: 401, times: 2 });
    await run(['tasks', 'list', '--debug', '--json']);
    await run([
      'tasks',
      'reassign',
      '--from',
      s.store.users[0]!.id,
      '--to',
      s.store.users[1]!.id,
      '--dry-run',
      '--debug',
    ]);
    await run(['--api-url', 'http://127.0.0.1:9/v1', 'tasks', 'list', '--debug']);
    // a corrupt config file: an error path before any request, with --debug (stack traces allowed there)
    writeFileSync(join(home, 'cfg', 'config.json'), '{"profiles": {"default": {"api_key": "' + SECRET + '"');
    const corrupt = await run(['auth', 'status', '--debug'], { key: null });
    expect(corrupt.code).toBe(2);
    expect(outputs.length).toBeGreaterThan(10);
    for (const r of outputs) {
      expect(r.stdout).not.toContain(SECRET);
      expect(r.stderr).not.toContain(SECRET);
      expect(r.stderr).not.toContain('Bearer');
    }
    // ...and it was sent where it belongs
    expect(s.requests.some((q) => q.headers.authorization === `Bearer ${SECRET}`)).toBe(true);
  });

  it('is never a flag value', async () => {
    for (const flag of ['--token', '--api-key', '--key']) {
      const r = await topo(['tasks', 'list', flag, SECRET], { key: null });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^error: unknown option '${flag}'( \\(did you mean --[a-z-]+\\?\\))?\\n$`),
      );
      expect(r.stderr).not.toContain(SECRET);
    }
  });
});

describe('plain http', () => {
  it('refuses to send the key over http:// to another host (exit 2) before any request', async () => {
    const r = await topo(['tasks', 'list'], { env: { TOPO_API_URL: 'http://api.example.com/v1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: refusing to send the API key over plain http:// to api.example.com: use https://, or pass --allow-insecure-http\n',
    );
  });

  it('allows loopback addresses, and any host with --allow-insecure-http', async () => {
    for (const url of [
      'http://127.0.0.1:4010/v1',
      'http://localhost:4010/v1',
      'http://[::1]:4010/v1',
      'http://127.8.9.10/v1',
    ]) {
      await expect(checkBaseUrl(url, false)).resolves.toBeUndefined();
    }
    await expect(checkBaseUrl('http://10.0.0.5/v1', false)).rejects.toThrow(/--allow-insecure-http/);
    await expect(checkBaseUrl('http://10.0.0.5/v1', true)).resolves.toBeUndefined();
    await expect(checkBaseUrl('ftp://x/v1', true)).rejects.toThrow(/use https/);
    const s = await sandbox();
    const local = await topo(['tasks', 'list', '-L', '1'], {
      env: { TOPO_API_URL: s.url.replace('127.0.0.1', 'localhost') },
    });
    expect(local.code).toBe(0);
  });
});

describe('an API URL with a query string or fragment', () => {
  it('is refused (exit 2) from the flag, the environment, auth login and the config, before any request, never quoted', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    mkdirSync(join(home, 'cfg'), { mode: 0o700 });
    const expected = (url: string) =>
      `error: invalid API URL '${url}…': it must not have a query string or fragment (?… or #…); give the base URL alone, e.g. https://api.topo.io/v1\n`;
    const runs: [string[], Record<string, string>, string, string?][] = [
      [['tasks', 'list'], { TOPO_API_URL: `${s.url}?token=hunter2` }, ''],
      [['--api-url', `${s.url}#hunter2`, 'tasks', 'list'], {}, ''],
      [['auth', 'login', '--with-token', '--api-url', `${s.url}/?token=hunter2`], {}, '/', 'topo_sandbox_rw'],
    ];
    for (const [args, extra, suffix, input] of runs) {
      const r = await topo(args, { env: { ...env, ...extra }, key: input ? null : undefined, input });
      expect(r.stderr, args.join(' ')).toBe(expected(s.url + suffix));
      expect(r.code).toBe(2);
    }
    const broken = await topo(['tasks', 'list'], {
      env: { ...env, TOPO_API_URL: 'https://x y/v1?token=hunter2' },
    });
    expect(broken.stderr).toBe("error: invalid API URL 'https://x y/v1…'\n");
    writeFileSync(
      join(home, 'cfg', 'config.json'),
      JSON.stringify({
        profiles: { default: { api_key: 'topo_sandbox_rw', api_url: `${s.url}?token=hunter2` } },
      }),
      { mode: 0o600 },
    );
    const stored = await topo(['tasks', 'list'], { env, key: null });
    expect(stored.stderr).toBe(expected(s.url));
    expect(stored.code).toBe(2);
    expect(s.requests).toHaveLength(0);
  });
});

describe('a key with a control character, space or line break', () => {
  it('is refused in one line before any request (exit 4), never quoted, wherever it comes from', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'cfg') };
    const cases: [string, string][] = [
      ['topo_sandbox_rw\r', 'TOPO_API_KEY ends with a carriage return (\\r)'],
      ['topo_sandbox_rw\n', 'TOPO_API_KEY ends with a line break (\\n)'],
      [' topo_sandbox_rw', 'TOPO_API_KEY starts with a space or tab'],
      ['topo_sandbox\u0001rw', 'TOPO_API_KEY holds a control character'],
      ['topo_sandbox_rw\u00e9', 'TOPO_API_KEY ends with a character that is not plain ASCII'],
    ];
    for (const [key, what] of cases) {
      const r = await topo(['tasks', 'list'], { sandbox: s, env, key });
      expect(r.stderr, JSON.stringify(key)).toBe(
        `error: ${what}, which no API key has; set it again without it\n`,
      );
      expect(r.code).toBe(4);
      expect(r.stderr).not.toContain('sandbox_rw');
    }
    // A key stored in the config file by hand is held to the same rule.
    mkdirSync(join(home, 'cfg'), { mode: 0o700 });
    writeFileSync(
      join(home, 'cfg', 'config.json'),
      JSON.stringify({ profiles: { default: { api_key: 'topo_sandbox_rw\r' } } }),
      { mode: 0o600 },
    );
    const stored = await topo(['tasks', 'list'], { sandbox: s, env, key: null });
    expect(stored.stderr).toBe(
      "error: the key of profile 'default' in the config file ends with a carriage return (\\r), which no API key has; set it again without it\n",
    );
    expect(stored.code).toBe(4);
    expect(s.requests).toHaveLength(0);
  });

  it('auth login drops the whitespace around a pasted key, refuses a control character inside (exit 2)', async () => {
    const s = await sandbox();
    const env = { TOPO_CONFIG_DIR: join(tempDir(), 'cfg') };
    const inside = await topo(['auth', 'login', '--with-token'], {
      sandbox: s,
      env,
      key: null,
      input: 'topo_sand\u0007box_rw\n',
    });
    expect(inside.stderr).toBe(
      'error: the API key given holds a control character, which no API key has; nothing was saved\n',
    );
    expect(inside.code).toBe(2);
    expect(s.requests).toHaveLength(0);
    const around = await topo(['auth', 'login', '--with-token'], {
      sandbox: s,
      env,
      key: null,
      input: '  topo_sandbox_rw\r\n',
    });
    expect(around.code).toBe(0);
  });
});

describe('key storage', () => {
  function fakeKeychain(): SecretStore & { data: Map<string, string> } {
    const data = new Map<string, string>();
    return {
      name: 'Test Keychain',
      data,
      set: async (a, s) => void data.set(a, s),
      get: async (a) => data.get(a) ?? null,
      delete: async (a) => data.delete(a),
    };
  }

  const io = (input = '') => memoryIO({ input });

  it('keeps the key in the OS keychain when one is available, never in the config file', async () => {
    const s = await sandbox();
    const dir = tempDir();
    const keychain = fakeKeychain();
    const env = { TOPO_CONFIG_DIR: dir, TOPO_API_URL: s.url };
    const login = io('topo_sandbox_rw\n');
    expect(await main(['auth', 'login', '--with-token'], login.io, env, { keychain })).toBe(0);
    expect(login.err()).toContain('Key stored in: the OS keychain (Test Keychain)');
    expect(keychain.data.get('profile:default')).toBe('topo_sandbox_rw');
    const file = readFileSync(join(dir, 'config.json'), 'utf8');
    expect(file).not.toContain('topo_sandbox_rw');
    expect(JSON.parse(file).profiles.default.key_storage).toBe('keychain');

    const status = io();
    expect(await main(['auth', 'status', '--json'], status.io, env, { keychain })).toBe(0);
    expect(JSON.parse(status.out())).toMatchObject({ source: 'profile', storage: 'keychain', valid: true });
    const list = io();
    expect(await main(['tasks', 'list', '-L', '1'], list.io, env, { keychain })).toBe(0);
    expect(s.requests.at(-1)!.key).toBe('topo_sandbox_rw');

    // the keychain does not answer: a clear error, exit 4
    const locked = io();
    expect(await main(['tasks', 'list'], locked.io, env, { keychain: null })).toBe(4);
    expect(locked.err()).toContain(
      "the key of profile 'default' is kept in the OS keychain, which does not answer now",
    );

    const logout = io();
    expect(await main(['auth', 'logout'], logout.io, env, { keychain })).toBe(0);
    expect(keychain.data.size).toBe(0);
  });

  it('falls back to the config file (0600 in a 0700 folder) with a one-time notice, and says so', async () => {
    const s = await sandbox();
    const dir = tempDir();
    const env = { TOPO_CONFIG_DIR: join(dir, 'cfg'), TOPO_API_URL: s.url };
    const first = io('topo_sandbox_rw');
    expect(await main(['auth', 'login', '--with-token'], first.io, env, { keychain: null })).toBe(0);
    expect(first.err()).toContain('note: no OS keychain is available here');
    const second = io('topo_sandbox_rw');
    expect(await main(['auth', 'login', '--with-token'], second.io, env, { keychain: null })).toBe(0);
    expect(second.err()).not.toContain('note: no OS keychain');
    expect(statSync(join(dir, 'cfg', 'config.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cfg')).mode & 0o777).toBe(0o700);
    const status = io();
    await main(['auth', 'status'], status.io, env, { keychain: null });
    expect(status.out()).toContain(`Stored in:  the config file ${join(dir, 'cfg', 'config.json')}`);
  });
});

describe('config robustness', () => {
  it.each([
    [
      'not JSON',
      '{"profiles": {',
      /is not valid \(.*\); fix it by hand, or move it away and run 'topo auth login' again$/,
    ],
    ['a wrong shape', '{"profiles": []}', /is not valid \('profiles' must be an object\)/],
    [
      'a bad alias',
      '{"profiles": {"default": {"aliases": {"bob": 7}}}}',
      /alias 'bob' must map to a UUID string/,
    ],
  ])(
    'a config file with %s gives one clear line naming the file and the fix, exit 2',
    async (_name, content, message) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'config.json'), content, { mode: 0o600 });
      const r = await topo(['alias', 'list'], { env: { TOPO_CONFIG_DIR: dir } });
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`error: config file ${join(dir, 'config.json')} is not valid`);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(content);
    },
  );

  it('a setting topo does not know (a typo in a hand edit) is said, once, and left as it is', async () => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    const content = '{"colour": false, "profiles": {"default": {"api_ur": "https://eu.example.com/v1"}}}';
    writeFileSync(path, content, { mode: 0o600 });
    const r = await topo(['alias', 'set', 'bob', '750f57cd-e63a-4bf3-8580-4d2c666d7f41'], {
      env: { TOPO_CONFIG_DIR: dir },
    });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      `warning: config file ${path}: 'colour' is not a setting of topo (profiles, notices); ignored`,
      `warning: config file ${path}: 'api_ur' in profile 'default' is not a setting of topo (api_key, key_storage, api_url, aliases); ignored`,
    ]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      colour: false,
      profiles: { default: { api_ur: 'https://eu.example.com/v1', aliases: { bob: expect.any(String) } } },
    });
  });

  it('repairs and reports wrong permissions', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'cfg'));
    chmodSync(join(dir, 'cfg'), 0o755);
    writeFileSync(join(dir, 'cfg', 'config.json'), '{"profiles": {}}', { mode: 0o644 });
    chmodSync(join(dir, 'cfg', 'config.json'), 0o644);
    const r = await topo(['alias', 'list'], { env: { TOPO_CONFIG_DIR: join(dir, 'cfg') } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('was open to others (mode 755); its mode is now 700');
    expect(r.stderr).toContain('was readable by others (mode 644); its mode is now 600');
    expect(statSync(join(dir, 'cfg', 'config.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cfg')).mode & 0o777).toBe(0o700);
  });

  it('two topo processes writing at once lose nothing and corrupt nothing', async () => {
    const dir = tempDir();
    const env = { TOPO_CONFIG_DIR: dir };
    const names = Array.from({ length: 12 }, (_, i) => `rep${i}`);
    const results = await Promise.all(
      names.map((n, i) =>
        topo(['alias', 'set', n, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`], { env }),
      ),
    );
    for (const r of results) expect(r.code).toBe(0);
    const aliases = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).profiles.default.aliases;
    expect(Object.keys(aliases).sort()).toEqual([...names].sort());
  });
});

describe('errors never quote secrets', () => {
  it('a config file that does not parse is named with where the fault is, never its text', async () => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"profiles": {"default": {\n  "api_key": topo_full_hunter2}}}', { mode: 0o600 });
    const r = await topo(['alias', 'list'], { env: { TOPO_CONFIG_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: config file ${path} is not valid (not valid JSON: invalid symbol at line 2, column 14); fix it by hand, or move it away and run 'topo auth login' again\n`,
    );
    // A symlink to another file: its first line is not shown either.
    const other = join(tempDir(), 'notes.txt');
    writeFileSync(other, 'root:x:0:0:hunter2:/root:/bin/bash\n');
    const linked = tempDir();
    symlinkSync(other, join(linked, 'config.json'));
    const l = await topo(['tasks', 'list'], { env: { TOPO_CONFIG_DIR: linked }, key: null });
    expect(l.code).toBe(2);
    expect(l.stderr).toContain('(not valid JSON: invalid symbol at line 1, column 1)');
    for (const out of [r.stderr, l.stderr]) {
      expect(out).not.toContain('hunter2');
      expect(out).not.toContain('root:x');
    }
  });

  it('a user name and password in the API URL are redacted in auth status, --debug, errors and journals', async () => {
    const s = await sandbox();
    const port = new URL(s.url).port;
    const url = `http://admin:hunter2@127.0.0.1:${port}/v1`;
    const state = tempDir();
    const env = { TOPO_STATE_DIR: state };
    const status = await topo(['--api-url', url, 'auth', 'status'], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`API:        http://admin:***@127.0.0.1:${port}/v1\n`);
    const json = await topo(['--api-url', url, 'auth', 'status', '--json', 'api_url'], { env });
    expect(JSON.parse(json.stdout)).toEqual({ api_url: `http://admin:***@127.0.0.1:${port}/v1` });
    const debug = await topo(['--debug', '--api-url', url, 'tasks', 'list', '-L', '1'], { env });
    expect(debug.stderr).toContain(`[debug] GET http://admin:***@127.0.0.1:${port}/v1/tasks?`);
    const wrong = await topo(['--api-url', `http://admin:hunter2@127.0.0.1:${port}`, 'tasks', 'list'], {
      env,
    });
    expect(wrong.stderr).toContain(`(http://admin:***@127.0.0.1:${port}/v1?)`);
    const scheme = await topo(['--api-url', 'ftp://admin:hunter2@example.com/v1', 'tasks', 'list'], { env });
    expect(scheme.stderr).toBe("error: invalid API URL 'ftp://admin:***@example.com/v1': use https://\n");
    const token = await topo(['--api-url', 'ftp://hunter2@example.com/v1', 'tasks', 'list'], { env });
    expect(token.stderr).toBe("error: invalid API URL 'ftp://***@example.com/v1': use https://\n");
    const [alice, bob] = s.store.users;
    const job = await topo(
      ['--api-url', url, 'tasks', 'reassign', '--from', alice!.id, '--to', bob!.id, '--yes'],
      {
        env,
      },
    );
    expect(job.code).toBe(0);
    const journal = readdirSync(join(state, 'jobs'))
      .map((f) => readFileSync(join(state, 'jobs', f), 'utf8'))
      .join('');
    expect(journal).toContain(`"api_url":"http://admin:***@127.0.0.1:${port}/v1"`);
    for (const out of [status, json, debug, wrong, scheme, token, job])
      expect(out.stdout + out.stderr).not.toContain('hunter2');
    expect(journal).not.toContain('hunter2');
  });
});
