import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The npm package installs clean: `npm pack` makes the tarball users would get, which is installed into an
 * empty folder without the dev dependencies, and its `topo` runs from there with nothing of the work tree.
 * No network: npm installs from the cache that `npm ci` filled (`--offline`). `npm install -g` of a tarball
 * asks the registry for full package documents, which `npm ci` does not cache; so the empty folder gets a
 * lockfile of the tarball and the project's locked runtime dependencies, and `npm ci` installs it: the same
 * packages at the same versions, laid out as `npm install` lays them out.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};
const dir = mkdtempSync(join(tmpdir(), 'topo-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

// npm as the tests' own npm runs it, without the settings `npm test` passes down to its scripts.
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(config|lifecycle|package)_/i.test(k)),
);
const npm = (args: string[], cwd: string) =>
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd, {
    ...npmEnv,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });

/**
 * npm packs and installs for seconds of CPU: the release's tests run in CI (`CI` or TOPO_RELEASE_TESTS=1, as
 * .ci/run sets) and where asked; elsewhere skipped, saying so, so that `npm test` keeps to its minute.
 */
const release = Boolean(process.env.CI) || process.env.TOPO_RELEASE_TESTS === '1';
if (!release)
  console.warn('npm package: skipped, the release tests run in CI (TOPO_RELEASE_TESTS=1 runs them here)');

describe.runIf(release)('the npm package', () => {
  // npm takes seconds, more on a loaded machine: a generous limit that only a hang reaches.
  it(
    'packs, installs into an empty folder without dev dependencies, and runs',
    { timeout: 180_000 },
    async () => {
      // The build ran before the tests (`npm test`): pack what it made, without building again.
      const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
      expect(packed.code, packed.stderr).toBe(0);
      const [{ filename, files }] = JSON.parse(packed.stdout) as [
        { filename: string; files: { path: string }[] },
      ];
      const paths = files.map((f) => f.path);
      expect(paths).toEqual(expect.arrayContaining(['dist/cli.cjs', 'dist/cli.cjs.cache', 'bin/load.cjs']));
      expect(paths.filter((p) => /^(src|test|scripts|bench|release)\//.test(p))).toEqual([]);

      const prefix = join(dir, 'prefix');
      mkdirSync(prefix);
      const tarball = `file:../${filename}`;
      const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      };
      const runtime = Object.entries(lock.packages).filter(([path, entry]) => path && !entry.dev);
      const manifest = { name: 'empty', private: true, dependencies: { 'topo-cli': tarball } };
      writeFileSync(join(prefix, 'package.json'), JSON.stringify(manifest));
      writeFileSync(
        join(prefix, 'package-lock.json'),
        JSON.stringify({
          name: 'empty',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': manifest,
            'node_modules/topo-cli': {
              version: pkg.version,
              resolved: tarball,
              integrity: `sha512-${createHash('sha512')
                .update(readFileSync(join(dir, filename)))
                .digest('base64')}`,
              dependencies: pkg.dependencies,
              bin: pkg.bin,
              engines: pkg.engines,
            },
            ...Object.fromEntries(runtime),
          },
        }),
      );
      const installed = await npm(['ci', '--offline', '--omit=dev'], prefix);
      if (installed.code !== 0 && /ENOTCACHED/.test(installed.stderr))
        throw new Error(
          `npm's cache lacks a package the tarball needs (the tests install offline from what \`npm ci\` cached: run \`npm ci\` first):\n${installed.stderr}`,
        );
      expect(installed.code, installed.stderr).toBe(0);
      const modules = readdirSync(join(prefix, 'node_modules'));
      for (const name of Object.keys(pkg.devDependencies))
        expect(modules, `dev dependency ${name} installed`).not.toContain(name.split('/')[0]);

      // topo from the installed bin, in an empty HOME, from outside the work tree.
      const bin = join(prefix, 'node_modules', '.bin', process.platform === 'win32' ? 'topo.cmd' : 'topo');
      expect(existsSync(bin)).toBe(true);
      const home = join(dir, 'home');
      mkdirSync(home);
      const topo = (args: string[]) =>
        run(bin, args, home, {
          PATH: dirname(process.execPath),
          HOME: home,
          TOPO_NO_KEYCHAIN: '1',
          NO_COLOR: '1',
        });
      expect(await topo(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
      const list = await topo(['--sandbox', 'tasks', 'list', '-L', '5']);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.trim().split('\n')).toHaveLength(5);
      const tab = await topo(['complete', '--', 'tasks', 'list', '--status', '']);
      expect(tab).toEqual({
        code: 0,
        stdout: expect.stringMatching(/^open\t\npending\t\n[\s\S]*:4\n$/),
        stderr: '',
      });
      const zsh = await topo(['completion', 'zsh']);
      expect(zsh.stdout).toBe(readFileSync(join(ROOT, 'completions', '_topo'), 'utf8'));
    },
  );
});
