import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realSleep, sandbox, spawnTopo, tempDir, topo } from '../helpers.js';

interface Loaded {
  /** Node's own modules, as process.moduleLoadList names them ('http', 'internal/http2/core'). */
  builtins: string[];
  /** Files loaded by require() (node_modules, bin/). */
  required: string[];
  /** The scripts compiled by bin/load.cjs, and whether V8 took each from its code cache. */
  scripts: { file: string; cached: boolean }[];
}

/**
 * A command pays only for what it uses: the real binary runs with a preloaded script that records, at exit,
 * Node's modules it loaded, the files it required and the bundles it compiled (and whether from their cache).
 */
async function loaded(args: string[], env: Record<string, string> = {}, code = 0): Promise<Loaded> {
  const dir = tempDir();
  const log = join(dir, 'loaded.json');
  const preload = join(dir, 'preload.cjs');
  writeFileSync(
    preload,
    `const { writeFileSync } = require('node:fs');
const vm = require('node:vm');
const scripts = [];
vm.Script = class extends vm.Script {
  constructor(source, options) {
    super(source, options);
    scripts.push({ file: options.filename, cached: Boolean(options.cachedData) && !this.cachedDataRejected });
  }
};
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  writeFileSync(${JSON.stringify(log)}, JSON.stringify({ builtins, required: Object.keys(require.cache), scripts }));
});
`,
  );
  const s = await sandbox();
  const r = await topo(args, {
    spawn: true,
    sandbox: s,
    env: { NODE_OPTIONS: `--require ${preload}`, ...env },
  });
  expect(r.code, r.stderr).toBe(code);
  return JSON.parse(readFileSync(log, 'utf8')) as Loaded;
}

const ofPackage = (files: string[]) =>
  files.filter((f) => f.includes('/dist/') || f.includes('/node_modules/'));
/** What a plain HTTP/1 request never needs: HTTP/2, TLS and crypto (https:// only), child processes. */
const HEAVY = ['http2', 'https', 'tls', 'crypto', 'child_process'];

describe('start-up', () => {
  it('a checkout not built yet says so in one line (run npm ci), exit 1', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'topo.js'), readFileSync(join(__dirname, '..', '..', 'bin', 'topo.js')));
    for (const file of ['bin/package.json', 'package.json'])
      writeFileSync(join(dir, file), readFileSync(join(__dirname, '..', '..', file)));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'topo.js'), 'tasks', 'list'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: topo is not built in ${dir}: run 'npm ci' there first (it builds dist/)\n`);
  });

  it('--version loads nothing but the entry point', async () => {
    const files = await loaded(['--version']);
    expect(ofPackage(files.required)).toEqual([]);
    expect(files.scripts).toEqual([]);
  });

  it('a completion request (a Tab press) compiles the completer from its cache, not the CLI, and requires no package', async () => {
    const files = await loaded(['complete', '--', 'tasks', 'list', '--status', '']);
    expect(files.scripts).toEqual([{ file: expect.stringMatching(/\/dist\/complete\.cjs$/), cached: true }]);
    expect(ofPackage(files.required)).toEqual([]);
    expect(files.builtins.filter((m) => HEAVY.includes(m) || m === 'http')).toEqual([]);
  });

  it('a listing compiles the CLI from its cache and loads only what an HTTP/1 request needs', async () => {
    const files = await loaded(['tasks', 'list', '-L', '1']);
    expect(files.scripts).toEqual([{ file: expect.stringMatching(/\/dist\/cli\.cjs$/), cached: true }]);
    // undici's parts, commander and the rest are in the bundle; nothing is resolved in node_modules.
    expect(ofPackage(files.required)).toEqual([]);
    expect(files.builtins).toContain('net');
    // Nor node:http (undici's parser is its own), nor assert (undici's hold), nor stdin's file streams.
    const unused = ['http', 'assert', 'internal/fs/streams'];
    expect(
      files.builtins.filter(
        (m) => HEAVY.includes(m) || unused.includes(m) || m.startsWith('internal/http2/'),
      ),
    ).toEqual([]);
  });

  it('without SIMD, undici’s other parser loads from its package: the bundle holds only the one it uses', async () => {
    const files = await loaded(['tasks', 'list', '-L', '1'], { UNDICI_NO_WASM_SIMD: '1' });
    expect(ofPackage(files.required)).toEqual([
      expect.stringMatching(/\/node_modules\/undici\/lib\/llhttp\/llhttp-wasm\.js$/),
    ]);
    // A WebAssembly module in base64 starts with these characters.
    const bundle = readFileSync(new URL('../../dist/cli.cjs', import.meta.url), 'latin1');
    expect(bundle.split('AGFzbQ').length - 1).toBe(1);
  });

  it('the bundle runs as its sources do: a name with ø, read by the built binary’s own sandbox, keeps its spelling in the address', async () => {
    // bin/load.cjs reads the bundle as Latin-1; a character that is not ASCII in it would change meaning.
    const r = await topo(
      ['--sandbox', 'tasks', 'list', '--status', 'all', '--all', '--with', 'contact', '--json'],
      {
        spawn: true,
        key: null,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const contacts = (JSON.parse(r.stdout) as { contact: { first_name: string; email: string } | null }[])
      .map((t) => t.contact)
      .filter((c) => c?.first_name === 'Søren');
    expect(contacts.length).toBeGreaterThan(0);
    for (const c of contacts) expect(c!.email).toMatch(/^soren[.@]/);
  });

  it('an https:// API loads TLS when it connects (and still no HTTP/2 nor child processes)', async () => {
    // Nothing listens on port 9: the command fails after its retries, having opened TLS connections.
    const files = await loaded(['tasks', 'list', '-L', '1'], { TOPO_API_URL: 'https://127.0.0.1:9/v1' }, 1);
    expect(files.builtins).toEqual(expect.arrayContaining(['tls', 'crypto']));
    expect(files.builtins.filter((m) => ['http2', 'child_process'].includes(m))).toEqual([]);
  });

  it('what the bundle loads late works from it: the config written, a broken config explained by line and column', async () => {
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'config') };
    const s = await sandbox();
    const set = await topo(['alias', 'set', 'boss', '00000000-0000-4000-8000-000000000001'], {
      spawn: true,
      sandbox: s,
      env,
    });
    expect(set.code, set.stderr).toBe(0);
    expect(readFileSync(join(home, 'config', 'config.json'), 'utf8')).toContain(
      '"boss": "00000000-0000-4000-8000-000000000001"',
    );
    mkdirSync(join(home, 'broken'), { mode: 0o700 });
    writeFileSync(join(home, 'broken', 'config.json'), '{"profiles":\n', { mode: 0o600 });
    const r = await topo(['tasks', 'list'], {
      spawn: true,
      sandbox: s,
      env: { TOPO_CONFIG_DIR: join(home, 'broken') },
    });
    expect(r.stderr).toMatch(
      /^error: config file .*config\.json is not valid \(not valid JSON: value expected at line 2, column 1\)/,
    );
    expect(r.code).toBe(2);
  });
});

describe('memory', () => {
  it('a walk of every page holds V8’s young generation at 16 MiB and bounds the old one’s growth', async () => {
    const dir = tempDir();
    const log = join(dir, 'heap.json');
    const preload = join(dir, 'preload.cjs');
    // The V8 flags the command sets, and the young generation's size at its end.
    writeFileSync(
      preload,
      `const v8 = require('node:v8');
const flags = [];
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (f) => (flags.push(f), set(f));
process.on('exit', () => {
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
  require('node:fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify({ young, flags }));
});
`,
    );
    // Four hundred pages: without the hold, V8 grows the nursery to 32 MiB for this allocation rate.
    const s = await sandbox({ tasks: 40_000 });
    const r = await topo(['tasks', 'list', '--status', 'all', '--all'], {
      spawn: true,
      sandbox: s,
      env: { NODE_OPTIONS: `--require ${preload}` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').length).toBeGreaterThanOrEqual(40_000);
    const { young, flags } = JSON.parse(readFileSync(log, 'utf8')) as { young: number; flags: string[] };
    expect(young).toBeLessThanOrEqual(16 * 1024 * 1024);
    // The old generation's bound shows at 300,000 tasks and more (bench/results.md), too long for a test: its flag.
    expect(flags, 'flags').toEqual([
      '--liftoff-only',
      '--semi-space-growth-factor=1',
      '--heap-growing-percent=100',
    ]);
  });
});

describe('the end of a command', () => {
  it.each([[['complete', '--', 'tasks', 'list', '--json', '']], [['completion', 'zsh']]])(
    '%j into a pipe closed at once (`| head -1`): a normal end, exit 0, no error',
    async (args) => {
      const run = spawnTopo(args);
      // The reader is gone before anything is written: every write meets a closed pipe.
      run.child.stdout.destroy();
      expect(await run.exit).toBe(0);
      expect(run.stderr()).toBe('');
    },
  );

  it('ends the process once the command is done, with all it wrote handed over, even to a reader that starts late', async () => {
    const s = await sandbox();
    const run = spawnTopo(['tasks', 'list', '--status', 'all', '--all', '--json'], { sandbox: s });
    // Nothing is read for a while: the command fills the pipe (64 KB) and waits on it. (A 'readable' listener
    // keeps Node from discarding what is not read when the child ends.)
    let out = '';
    let reading = false;
    const drain = () => {
      for (let chunk: Buffer | null; (chunk = run.child.stdout.read() as Buffer | null) !== null;)
        out += chunk.toString();
    };
    run.child.stdout.on('readable', () => reading && drain());
    await realSleep(300);
    reading = true;
    drain();
    expect(await run.exit, run.stderr()).toBe(0);
    expect(out.length).toBeGreaterThan(100_000);
    const tasks = JSON.parse(out) as { id: string }[];
    expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
    expect(tasks.length).toBe(s.store.state.tasks.length);
  });
});
