import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MORE_TYPES_SEEDED, topo } from '../helpers.js';

/**
 * The single executable that `npm run package` builds (release/topo-<os>-<arch>), tried as a new user would:
 * a copy outside the work tree, a PATH with no `node` on it, an empty HOME and TMPDIR. Its output is held
 * to what topo prints for the same command. CI builds it before `npm test`; elsewhere the test
 * is skipped, saying why, when it is missing or was built from other sources than these. The release
 * workflow runs this file on each runner.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const BUILD = join(ROOT, 'release', '.build', 'build.json');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface BuildInfo {
  executable: string;
  node: string;
  keychain: boolean;
  inputs: Record<string, string>;
}

/** The build record, or why there is nothing current to test. */
function current(): { info: BuildInfo } | { skip: string } {
  if (!existsSync(BUILD)) return { skip: 'no executable in release/: `npm run package` builds it' };
  const info = JSON.parse(readFileSync(BUILD, 'utf8')) as BuildInfo;
  if (!existsSync(join(ROOT, 'release', info.executable)))
    return { skip: `release/${info.executable} is missing: run \`npm run package\`` };
  if (info.node !== process.version)
    return { skip: `release/${info.executable} holds Node ${info.node}, not ${process.version}` };
  const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  const changed = Object.entries(info.inputs).find(
    ([path, sum]) => !existsSync(join(ROOT, path)) || sha256(join(ROOT, path)) !== sum,
  );
  if (changed)
    return {
      skip: `release/${info.executable} is out of date (${changed[0]} changed): run \`npm run package\``,
    };
  return { info };
}

const state = current();
const info = 'info' in state ? state.info : undefined;
if ('skip' in state) {
  // CI builds the executable first (and says so with TOPO_RELEASE_TESTS=1): a skip would hide a broken build.
  if (process.env.CI || process.env.TOPO_RELEASE_TESTS === '1')
    it('is built and current (CI builds it before the tests)', () => expect.fail(state.skip));
  else console.warn(`single executable: skipped, ${state.skip}`);
}

let dir: string;
let exe: string;
let env: Record<string, string>;

beforeAll(() => {
  if (!info) return;
  dir = mkdtempSync(join(tmpdir(), 'topo-single-'));
  exe = join(dir, info.executable);
  try {
    linkSync(join(ROOT, 'release', info.executable), exe);
  } catch {
    copyFileSync(join(ROOT, 'release', info.executable), exe);
  }
  for (const sub of ['home', 'tmp', 'bin']) mkdirSync(join(dir, sub));
  env = {
    // A PATH that holds no node (nor anything else): the executable needs nothing from it.
    PATH: join(dir, 'bin'),
    HOME: join(dir, 'home'),
    TMPDIR: join(dir, 'tmp'),
    TEMP: join(dir, 'tmp'),
    TMP: join(dir, 'tmp'),
    NO_COLOR: '1',
    ...(process.platform === 'win32' && {
      USERPROFILE: join(dir, 'home'),
      APPDATA: join(dir, 'home', 'AppData', 'Roaming'),
      LOCALAPPDATA: join(dir, 'home', 'AppData', 'Local'),
      SystemRoot: process.env.SystemRoot ?? 'C:\\Windows',
    }),
    // This machine's own keychain stays untouched, except on the release workflow's throwaway runners; on
    // Linux there is no session bus in this environment, so the keychain module loads and finds no keychain.
    ...(process.platform !== 'linux' && !process.env.TOPO_TEST_KEYCHAIN && { TOPO_NO_KEYCHAIN: '1' }),
  };
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { env?: object; input?: string } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: env.HOME, env: { ...env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Only against a hang: a loaded machine may take seconds for what takes 0.1 s.
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The single executable; what it prints is held to what topo prints in this process through main(). */
const single = (args: string[], options?: { env?: object; input?: string }) => run(exe, args, options);

// Each test starts several processes of 100 MB: generous limits, which only a hang reaches.
describe.skipIf(!info)(
  `the single executable${info ? ` release/${info.executable}` : ''}`,
  { timeout: 180_000 },
  () => {
    it('runs with no node on its PATH, from outside the work tree', async () => {
      expect(readdirSync(env.PATH!)).toEqual([]);
      expect(await single(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    });

    it('prints the same help and completion scripts as topo run through main()', async () => {
      for (const args of [
        ['--help'],
        [],
        ['tasks', 'list', '--help'],
        ['help', 'exit-codes'],
        ['completion', 'bash'],
        ['completion', 'zsh'],
        ['completion', 'fish'],
        ['completion', 'powershell'],
      ]) {
        const [a, b] = await Promise.all([single(args), topo(args, { key: null })]);
        expect(a.code, `topo ${args.join(' ')}: ${a.stderr}`).toBe(b.code);
        expect(a.stdout, `topo ${args.join(' ')}`).toBe(b.stdout);
        expect(a.stdout.length, `topo ${args.join(' ')}`).toBeGreaterThan(100);
      }
    });

    it('answers a Tab press (topo complete -- …) as topo run through main() does', async () => {
      for (const args of [
        ['complete', '--', 'tasks', 'list', '--status', ''],
        ['complete', '--', 'tasks', ''],
        ['complete', '--', 'tasks', 'list', '--json', 'id,'],
      ]) {
        const [a, b] = await Promise.all([single(args), topo(args, { key: null })]);
        expect(a, `topo ${args.join(' ')}`).toEqual(b);
        expect(a.stdout).toMatch(/\n:\d+\n$/);
      }
    });

    it('lists tasks and picks the next one from the built-in sandbox', async () => {
      const list = await single(['--sandbox', 'tasks', 'list']);
      expect(list.code, list.stderr).toBe(0);
      const rows = list.stdout.trim().split('\n');
      expect(rows.length).toBeGreaterThan(5);
      for (const row of rows) expect(row.split('\t')[0]).toMatch(/^[0-9a-f-]{36}$/);
      const json = await single(['--sandbox', 'tasks', 'list', '-L', '3', '--json', 'id,status']);
      expect(JSON.parse(json.stdout)).toHaveLength(3);
      const next = await single(['tasks', 'next', '--sandbox']);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout.split('\t')[0]).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('serves the sandbox API (topo sandbox), logs in to it and says where the key is kept', async () => {
      const server = spawn(exe, ['sandbox', '--port', '0', '--tasks', '40'], { cwd: env.HOME, env });
      let stopping = '';
      server.stderr.setEncoding('utf8').on('data', (d: string) => (stopping += d));
      try {
        let out = '';
        const url = await new Promise<string>((resolvePromise, reject) => {
          server.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d;
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
            if (m && out.includes('Try:')) resolvePromise(m[1]!);
          });
          server.on('exit', (code) => reject(new Error(`topo sandbox exited ${code}: ${out}`)));
        });

        // glibc's loader names each library it loads (LD_DEBUG): the keychain module must be one of them.
        const glibc = Boolean(
          (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
            ?.glibcVersionRuntime,
        );
        const tracing = process.platform === 'linux' && glibc && info!.keychain;
        const login = await single(['auth', 'login', '--with-token', '--api-url', url], {
          input: 'topo_sandbox_rw\n',
          env: tracing ? { LD_DEBUG: 'files' } : {},
        });
        expect(login.code, login.stderr).toBe(0);
        expect(login.stderr).toContain(
          "✓ Logged in to workspace a08ff49b-6f77-4632-b16c-43069c43a8c3 as key 'Sandbox read-write'",
        );
        if (tracing) expect(login.stderr).toMatch(/calling init: .*keyring\.node/);
        // Written to a private temporary folder, loaded, and removed (Windows keeps one copy to reuse).
        expect(readdirSync(env.TMPDIR!).filter((f) => !f.startsWith('topo-keyring-'))).toEqual([]);
        if (!login.stderr.includes('the OS keychain')) {
          expect(login.stderr).toContain('Key stored in: the config file (mode 600)');
          expect(login.stderr).toMatch(
            /note: (no OS keychain is available here|TOPO_NO_KEYCHAIN=1 is set), so the key is kept in .*config\.json, readable by you alone/,
          );
          const config = /kept in (.*config\.json),/.exec(login.stderr)![1]!;
          if (process.platform !== 'win32') expect(statSync(config).mode & 0o777).toBe(0o600);
        }

        const status = await single(['auth', 'status']);
        expect(status.code, status.stderr).toBe(0);
        expect(status.stdout).toContain(`API:        ${url}`);
        expect(status.stdout).toMatch(/Stored in: {2}the (config file|OS keychain)/);
        expect(status.stdout).toContain('Key:        Sandbox read-write (topo_sandbox…)');
        const list = await single(['tasks', 'list', '--status', 'all', '--all', '--json', 'id']);
        expect(list.code, list.stderr).toBe(0);
        const ids = (JSON.parse(list.stdout) as { id: string }[]).map((t) => t.id);
        expect(ids).toHaveLength(40 + MORE_TYPES_SEEDED);
        // What loads only when asked for: CSV, the query language, the contact's details.
        const csv = await single(['tasks', 'list', '-L', '2', '--csv']);
        expect(csv.stdout.split('\r\n')[0]).toMatch(/^id,/);
        const shown = await single(['tasks', 'show', ids[0]!, '--with', 'contact', '--query', 'id', '-r']);
        expect(shown).toEqual({ code: 0, stdout: `${ids[0]}\n`, stderr: '' });
        if (status.stdout.includes('OS keychain')) expect((await single(['auth', 'logout'])).code).toBe(0);

        const stopped = new Promise<number | null>((resolvePromise) => server.on('close', resolvePromise));
        server.kill('SIGTERM');
        const code = await stopped;
        if (process.platform !== 'win32') {
          expect(code).toBe(0);
          expect(stopping).toContain('Sandbox stopped.');
        }
      } finally {
        server.kill('SIGKILL');
      }
    });
  },
);
