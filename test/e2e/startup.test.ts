import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sandbox, tempDir, topo } from '../helpers.js';

/**
 * A command pays only for what it uses: the real binary runs with a hook that records every file it loads
 * (ES modules as they are resolved, CommonJS modules from the require cache at exit).
 */
async function loaded(args: string[], env: Record<string, string> = {}) {
  const dir = tempDir();
  const log = join(dir, 'loaded.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, r.url.slice(7) + '\\n');
  return r;
}
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(cache).join('\\n') + '\\n'));
`,
  );
  const s = await sandbox();
  const r = await topo(args, {
    spawn: true,
    sandbox: s,
    env: { NODE_OPTIONS: `--import ${pathToFileURL(register).href}`, ...env },
  });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('start-up', () => {
  it('--version loads nothing but the entry point', async () => {
    const files = await loaded(['--version']);
    expect(files.filter((f) => f.includes('/dist/') || f.includes('/node_modules/'))).toEqual([]);
  });

  it('a completion request (a Tab press) loads neither the CLI nor commander nor the config library', async () => {
    const files = await loaded(['complete', '--', 'tasks', 'list', '--status', '']);
    expect(files.some((f) => f.endsWith('/dist/complete.js'))).toBe(true);
    expect(files.filter((f) => f.endsWith('/dist/cli.js'))).toEqual([]);
    expect(files.filter((f) => /\/node_modules\/(commander|conf|ajv)\//.test(f))).toEqual([]);
  });

  it('a listing loads the undici parts it uses, not the whole package, and no config library', async () => {
    const files = await loaded(['tasks', 'list', '-L', '1']);
    expect(files.some((f) => f.endsWith('/undici/lib/dispatcher/agent.js'))).toBe(true);
    expect(files.filter((f) => f.endsWith('/undici/index.js'))).toEqual([]);
    expect(files.filter((f) => /\/undici\/lib\/(web|mock|cache)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\/node_modules\/(conf|ajv|semver|atomically)\//.test(f))).toEqual([]);
  });
});
