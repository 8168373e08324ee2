// Part of the build: V8's code cache of each bundle (dist/<name>.cjs.cache), which bin/load.cjs compiles the
// bundle from. A cache holds the functions compiled so far, so a few common commands run first, in this
// process, against a sandbox of dist/ (a script of its own: the sandbox's code stays out of the cache):
// their start, their requests and their output are then compiled ahead of time for every command alike.
// Run by build.mjs in a Node process with no V8 flag set, as bin/topo.js loads the bundles.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startSandbox } from '../dist/sandbox/server.js';

const { load } = createRequire(import.meta.url)('../bin/load.cjs');
const home = mkdtempSync(join(tmpdir(), 'topo-code-cache-'));
const sandbox = await startSandbox({ port: 0, seed: 1 });

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const streams = { stdin: new PassThrough().end(), stdout, stderr, stdinIsTTY: false, stdoutIsTTY: false };
  return { io: { ...streams, stderrIsTTY: false, columns: 80 }, out: () => out, err: () => err };
}

const env = {
  HOME: home,
  TOPO_CONFIG_DIR: join(home, 'config'),
  TOPO_DATA_DIR: join(home, 'data'),
  TOPO_STATE_DIR: join(home, 'state'),
  TOPO_NO_KEYCHAIN: '1',
  TOPO_API_URL: sandbox.url,
  TOPO_API_KEY: 'topo_sandbox_rw',
};

/** Writes a bundle's cache: the line that names its build, then V8's data. */
function save(name, { script, buildLine }) {
  writeFileSync(
    join(import.meta.dirname, '..', 'dist', `${name}.cjs.cache`),
    Buffer.concat([Buffer.from(buildLine, 'latin1'), script.createCachedData()]),
  );
}

try {
  const cli = load('cli', { cache: false });
  const run = async (argv) => {
    const t = io();
    const code = await cli.exports.main(argv, t.io, env);
    if (code !== 0) throw new Error(`topo ${argv.join(' ')} exited ${code}: ${t.err()}`);
    return t.out();
  };
  const [first] = JSON.parse(await run(['tasks', 'list', '-L', '3', '--json']));
  await run(['tasks', 'list', '-L', '3']);
  await run(['tasks', 'show', first.id]);
  save('cli', cli);

  const complete = load('complete', { cache: false });
  const spec = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'dist', 'completion.json'), 'utf8'));
  for (const words of [
    ['tasks', 'list', '--status', ''],
    ['tasks', ''],
  ])
    await complete.exports.complete(spec, io().io, env, words);
  save('complete', complete);
} finally {
  await sandbox.close();
  rmSync(home, { recursive: true, force: true });
}
