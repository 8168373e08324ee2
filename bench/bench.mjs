// `npm run bench`: measures topo against the sandbox on this machine and writes bench/results.md.
// Every ratio compares two things measured side by side in the same run. Not a test: nothing here fails.
//   node bench/bench.mjs [--only startup,single-file,command,enrich,status,fetch,memory,table,offboard-fast,offboard-calls,offboard,rebalance] [--runs n]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync, createWriteStream } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../dist/sandbox/server.js';
import { seedState } from '../dist/sandbox/seed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'topo.js');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const wants = (name) => !only || only.includes(name);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
const tmp = mkdtempSync(join(tmpdir(), 'topo-bench-'));
const results = [];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;
const log = (line) => process.stderr.write(`${line}\n`);

function env(extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    TOPO_CONFIG_DIR: join(tmp, 'config'),
    TOPO_DATA_DIR: join(tmp, 'data'),
    TOPO_STATE_DIR: join(tmp, 'state'),
    ...extra,
  };
}

/** Runs a command to completion; returns wall time in ms, exit code, and peak RSS in MiB for node commands. */
function run(command, argv, { extraEnv = {}, stdoutFile = '/dev/null', rss = false } = {}) {
  return new Promise((resolve, reject) => {
    const rssFile = join(tmp, `rss-${Math.random().toString(36).slice(2)}`);
    const fullArgv = rss ? ['--require', join(ROOT, 'bench', 'maxrss.cjs'), ...argv] : argv;
    const out = createWriteStream(stdoutFile);
    out.on('open', () => {
      const started = process.hrtime.bigint();
      const child = spawn(command, fullArgv, {
        env: env({ ...extraEnv, ...(rss && { TOPO_BENCH_RSS_FILE: rssFile }) }),
        stdio: ['ignore', out, 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => {
        const wall = Number(process.hrtime.bigint() - started) / 1e6;
        out.close();
        let peak = null;
        let cpu = null;
        if (rss) {
          const [kib, cpuMs] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
          peak = kib / 1024;
          cpu = cpuMs;
          rmSync(rssFile, { force: true });
        }
        resolve({ wall, code, stderr, peakMiB: peak, cpuMs: cpu });
      });
    });
  });
}

/**
 * Runs a command with its output to /dev/null; returns its wall time and the CPU time (user and system, ms)
 * the system counted for its process, start to exit included (bash's `times` reports its children's).
 */
function cpuRun(argv, extraEnv) {
  return new Promise((resolve, reject) => {
    const script = 's=$EPOCHREALTIME; "$@" > /dev/null || exit $?; e=$EPOCHREALTIME; echo "$s $e"; times';
    const child = spawn('bash', ['-c', script, 'bash', ...argv], {
      env: env(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return resolve({ code, stderr });
      const [clock, , children] = out.trim().split('\n');
      const [start, end] = clock.split(' ').map(Number);
      const seconds = (t) => {
        const [, m, sec] = /^(\d+)m([\d.]+)s$/.exec(t);
        return Number(m) * 60 + Number(sec);
      };
      const [user, system] = children.split(' ').map(seconds);
      resolve({ code, stderr, wall: (end - start) * 1000, cpuMs: (user + system) * 1000 });
    });
  });
}

function startupTimes(argv, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, argv, { stdio: 'ignore', env: env() });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

async function benchStartup() {
  log('start-up…');
  const runs = Math.max(RUNS * 4, 21);
  // Interleave so that drift on a shared machine hits every command alike.
  const cases = [
    ['node -e ""', ['-e', '']],
    ['topo --version', [BIN, '--version']],
    ['topo tasks --help', [BIN, 'tasks', '--help']],
    ['topo completion bash', [BIN, 'completion', 'bash']],
    ["topo complete -- tasks list --status ''", [BIN, 'complete', '--', 'tasks', 'list', '--status', '']],
  ];
  const samples = new Map(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++)
    for (const [name, argv] of cases) samples.get(name).push(startupTimes(argv, 1));
  const base = median(samples.get('node -e ""'));
  const goals = { 'topo --version': 1.3, 'topo tasks --help': 1.5 };
  const rows = cases.map(([name]) => {
    const m = median(samples.get(name));
    const ratio = m / base;
    const goal = goals[name];
    const verdict =
      goal !== undefined
        ? `goal ≤ ${goal}× — ${ratio <= goal ? 'met' : `missed by ${((ratio / goal - 1) * 100).toFixed(0)}%`}`
        : name.startsWith('topo complete')
          ? `goal < 100 ms — ${m < 100 ? 'met' : 'missed'}`
          : '';
    return `| \`${name}\` | ${ms(m)} | ${ratio.toFixed(2)}× | ${verdict} |`;
  });
  results.push(
    `## Start-up (median of ${runs} runs each, interleaved)\n\n| command | wall time | vs \`node -e ""\` | |\n|---|---|---|---|\n${rows.join('\n')}`,
  );
}

/**
 * The single executable (`npm run package`), beside `node -e ""` and the npm package's `topo`: the same
 * commands, interleaved. Skipped when release/ holds no executable.
 */
async function benchSingleFile() {
  const info = join(ROOT, 'release', '.build', 'build.json');
  let exe;
  try {
    exe = join(ROOT, 'release', JSON.parse(readFileSync(info, 'utf8')).executable);
    statSync(exe);
  } catch {
    log('single file: skipped, no executable in release/ (npm run package)');
    return;
  }
  log('the single executable…');
  const name = exe.slice(ROOT.length);
  const shown = (args) => args.map((a) => (a === '' ? "''" : a)).join(' ');
  const runs = Math.max(RUNS * 4, 21);
  const cases = [
    ['node -e ""', process.execPath, ['-e', '']],
    ...[
      ['--version'],
      ['tasks', '--help'],
      ['complete', '--', 'tasks', 'list', '--status', ''],
      ['--sandbox', 'tasks', 'list', '-L', '10'],
    ].flatMap((args) => [
      [`topo ${shown(args)}`, process.execPath, [BIN, ...args]],
      [`${name} ${shown(args)}`, exe, args],
    ]),
  ];
  const samples = new Map(cases.map(([label]) => [label, []]));
  for (let i = 0; i < runs; i++) {
    for (const [label, command, argv] of cases) {
      const t = process.hrtime.bigint();
      const r = spawnSync(command, argv, { stdio: 'ignore', env: env() });
      if (r.status !== 0) throw new Error(`${label} exited ${r.status}`);
      samples.get(label).push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const base = median(samples.get('node -e ""'));
  const rows = cases.map(([label]) => {
    const m = median(samples.get(label));
    const goal = label === `${name} --version` ? 1.3 : undefined;
    const verdict =
      goal === undefined
        ? ''
        : `goal ≤ ${goal}× — ${m / base <= goal ? 'met' : `missed by ${((m / base / goal - 1) * 100).toFixed(0)}%`}`;
    return `| \`${label}\` | ${ms(m)} | ${(m / base).toFixed(2)}× | ${verdict} |`;
  });
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  results.push(`## The single executable, beside \`node -e ""\` and the npm package (median of ${runs} runs each, interleaved)

| command | wall time | vs \`node -e ""\` | |
|---|---|---|---|
${rows.join('\n')}

Size: \`${name}\` ${mb(statSync(exe).size)}; the \`node\` it is made from ${mb(statSync(process.execPath).size)}.`);
}

/**
 * undici's request path alone, bundled as the CLI is (scripts/bundling.mjs), compiled from its own code cache and
 * ended as bin/topo.js ends: what the HTTP layer costs by itself, beside which the rest of a command's start
 * is the CLI's. Returns the argv of a program that GETs a URL with a key and writes the body to stdout.
 */
async function undiciAlone() {
  const { build } = await import('esbuild');
  const { BUNDLE_OPTIONS, createRequireCalls, lateRequire, lighterStart } =
    await import('../scripts/bundling.mjs');
  const file = join(tmp, 'undici-alone.cjs');
  const entry = `import { Agent, limits, request } from './src/api/http.ts';
export async function get(url, key) {
  const agent = new Agent(limits(30_000));
  const answer = await request(agent, url, { method: 'GET', headers: { authorization: \`Bearer \${key}\` } });
  process.stdout.write(await answer.body.text());
  await agent.close();
}`;
  const built = await build({
    absWorkingDir: ROOT,
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts', sourcefile: 'undici-alone.ts' },
    write: false,
    ...BUNDLE_OPTIONS,
    external: ['undici/lib/llhttp/llhttp-wasm.js'],
    plugins: [lateRequire(), createRequireCalls(ROOT), lighterStart()],
    logLevel: 'warning',
  });
  writeFileSync(
    file,
    `(function (exports, require, module, __filename, __dirname) {${built.outputFiles[0].text}\n})`,
    'latin1',
  );
  const runner = join(tmp, 'undici-alone-run.cjs');
  writeFileSync(
    runner,
    `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const [url, key, save] = process.argv.slice(2);
if (!save) globalThis[Symbol.for('topo.beforeWasm')] = () => require('node:v8').setFlagsFromString('--liftoff-only');
const file = ${JSON.stringify(file)};
let cachedData;
try { cachedData = readFileSync(file + '.cache'); } catch {}
const script = new (require('node:vm').Script)(readFileSync(file, 'latin1'), { filename: file, cachedData });
const bundled = { exports: {} };
script.runInThisContext()(bundled.exports, require('node:module').createRequire(${JSON.stringify(join(ROOT, 'package.json'))}), bundled, file, '');
bundled.exports.get(url, key).then(async () => {
  if (save) return writeFileSync(file + '.cache', script.createCachedData());
  if (script.cachedDataRejected !== false) throw new Error('the code cache was not used');
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', done))));
  process.exit();
});
`,
  );
  return runner;
}

/** `tasks list -L 10` against the sandbox, beside the smallest Node program that fetches the same page. */
async function benchCommand() {
  log('a command vs a one-line http.get and fetch…');
  const sandbox = await startSandbox({ port: 0, seed: 3 });
  const alone = await undiciAlone();
  try {
    // The first of the two pages `tasks list -L 10` asks for (the API takes one status a request).
    const url = `${sandbox.url}/tasks?status=PENDING&sort_by=created_at&sort_order=desc&page=1&size=10`;
    const headers = "{ headers: { authorization: 'Bearer topo_sandbox_ro' } }";
    const fetchOne = `await fetch(${JSON.stringify(url)}, ${headers}).then((r) => r.text()).then((t) => process.stdout.write(t))`;
    const getOne = `require('node:http').get(${JSON.stringify(url)}, ${headers}, (r) => r.pipe(process.stdout))`;
    const extraEnv = { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_ro' };
    const cases = [
      ['node -e ""', ['-e', '']],
      ['node -e "http.get(…)"', ['-e', getOne]],
      ['node -e "await fetch(…)"', ['--input-type=module', '-e', fetchOne]],
      ['undici alone, bundled, from its code cache', [alone, url, 'topo_sandbox_ro']],
      ['topo tasks list -L 10', [BIN, 'tasks', 'list', '-L', '10']],
    ];
    const made = await cpuRun([process.execPath, alone, url, 'topo_sandbox_ro', 'save'], extraEnv);
    if (made.code !== 0) throw new Error(`undici alone failed: ${made.stderr}`);
    const runs = Math.max(RUNS * 4, 21);
    const samples = new Map(cases.map(([name]) => [name, { wall: [], cpu: [] }]));
    for (let i = 0; i < runs; i++) {
      for (const [name, argv] of cases) {
        const r = await cpuRun([process.execPath, ...argv], extraEnv);
        if (r.code !== 0) throw new Error(`${name} failed: ${r.stderr}`);
        samples.get(name).wall.push(r.wall);
        samples.get(name).cpu.push(r.cpuMs);
      }
    }
    const m = Object.fromEntries(
      cases.map(([name]) => [
        name,
        { wall: median(samples.get(name).wall), cpu: median(samples.get(name).cpu) },
      ]),
    );
    const get = m['node -e "http.get(…)"'];
    const empty = m['node -e ""'];
    const topo = m['topo tasks list -L 10'];
    const undici = m['undici alone, bundled, from its code cache'];
    const rows = cases.map(
      ([name]) =>
        `| ${name.startsWith('undici') ? name : `\`${name}\``} | ${ms(m[name].wall)} | ${ms(m[name].cpu)} | ${(m[name].wall / get.wall).toFixed(2)}× / ${(m[name].cpu / get.cpu).toFixed(2)}× | ${(m[name].wall / empty.wall).toFixed(2)}× / ${(m[name].cpu / empty.cpu).toFixed(2)}× |`,
    );
    const cpuRatio = topo.cpu / get.cpu;
    results.push(`## A command that calls the API, beside a one-line http.get and fetch (median of ${runs} runs each, interleaved)

| command | wall time | CPU time | vs http.get (wall / CPU) | vs \`node -e ""\` (wall / CPU) |
|---|---|---|---|---|
${rows.join('\n')}

Each writes the same page to /dev/null (topo the two it asks for: one a status). The CPU time is what the system counted for the process, from its start to its exit (bash's \`times\`, not a probe inside it: a probe loaded with \`--import\` would make Node load a script file, not \`-e\`, through its ES module loader). Goal: \`topo tasks list -L 10\` within 1.5× the CPU of the one-line http.get — ${cpuRatio <= 1.5 ? 'met' : `missed by ${((cpuRatio / 1.5 - 1) * 100).toFixed(0)}%`} (${cpuRatio.toFixed(2)}×).
The HTTP layer alone — undici's request path bundled as the CLI bundles it, with its code cache, ending as topo ends — takes ${(undici.cpu / get.cpu).toFixed(2)}× of it (${ms(undici.cpu - get.cpu)} more than http.get); the CLI's own start (its code, the rest of the bundle and its cache, the second page, the table) the other ${ms(topo.cpu - undici.cpu)}.`);
  } finally {
    await sandbox.close();
  }
}

/** A page of 30 tasks with and without their runs, campaigns and contacts, at 50 ms a request. */
async function benchEnrichment() {
  log('a page of 30 with and without enrichment…');
  const sandbox = await startSandbox({ port: 0, seed: 3, tasks: 2_000, latencyMs: 50 });
  try {
    const extraEnv = { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_rw' };
    const plain = [BIN, 'tasks', 'list', '-L', '30'];
    const enriched = [...plain, '--with', 'contact,template,run'];
    const a = [];
    const b = [];
    let requests = 0;
    const bursts = [];
    for (let i = 0; i < Math.max(RUNS, 5); i++) {
      a.push((await run(process.execPath, plain, { extraEnv })).wall);
      const before = sandbox.requests.length;
      const r = await run(process.execPath, enriched, { extraEnv });
      if (r.code !== 0) throw new Error(`topo failed: ${r.stderr}`);
      const sent = sandbox.requests.slice(before);
      requests = sent.length;
      // Requests arriving within 25 ms of the one before belong to one burst (one round trip).
      bursts.push(sent.filter((q, j) => j === 0 || q.at - sent[j - 1].at > 25).length);
      b.push(r.wall);
    }
    const added = median(b) - median(a);
    results.push(`## A page of 30 tasks, with and without its runs, campaigns and contacts (50 ms per request)

| command | wall time (median) | requests |
|---|---|---|
| \`topo tasks list -L 30\` | ${ms(median(a))} | 1 |
| \`topo tasks list -L 30 --with contact,template,run\` | ${ms(median(b))} | ${requests} |

Added: ${ms(added)}, ${(added / 50).toFixed(1)} round trips of 50 ms; the requests arrived in ${median(bursts)} bursts (the page and the key's scopes, the runs, their contacts and campaigns). Goal: ≤ 3.5 round trips — ${added <= 175 ? 'met' : 'missed'}.`);
  } finally {
    await sandbox.close();
  }
}

/**
 * `topo status` (and `--team`) at 50 ms a request, in a small workspace and a large one, beside a Node program
 * that makes two round trips to the same API one after the other: the view's cost does not grow with the tasks.
 */
async function benchStatus() {
  log('topo status at 50 ms a request…');
  const rows = [];
  for (const tasks of [300, 100_000]) {
    const sandbox = await startSandbox({ port: 0, seed: 1, tasks, latencyMs: 50 });
    try {
      const [alice, bob, carla, dev] = sandbox.store.users.map((u) => u.id);
      const url = `${sandbox.url}/tasks?assignee_user_id=${alice}&status=PENDING&size=1`;
      const twoTrips = `const h = { headers: { authorization: 'Bearer topo_sandbox_rw' } }; for (let i = 0; i < 2; i++) process.stdout.write(await fetch(${JSON.stringify(url)}, h).then((r) => r.text()));`;
      const extraEnv = { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_rw' };
      const cases = [
        ['`node -e "await fetch(…)"` twice, one after the other', ['--input-type=module', '-e', twoTrips]],
        ['`topo status`', [BIN, 'status', '-a', alice]],
        ['`topo status --team` (3 members)', [BIN, 'status', '--team', `${bob},${carla},${dev}`]],
      ];
      const samples = new Map(cases.map(([name]) => [name, []]));
      const requests = new Map();
      // A first run of each fills the sandbox's listing caches: what is measured is topo, not the sandbox.
      for (const [, argv] of cases) await run(process.execPath, argv, { extraEnv });
      for (let i = 0; i < Math.max(RUNS * 2, 11); i++) {
        for (const [name, argv] of cases) {
          const before = sandbox.requests.length;
          const r = await run(process.execPath, argv, { extraEnv });
          if (r.code !== 0) throw new Error(`${name} failed: ${r.stderr}`);
          requests.set(name, sandbox.requests.length - before);
          samples.get(name).push(r.wall);
        }
      }
      const base = median(samples.get(cases[0][0]));
      for (const [name] of cases) {
        const m = median(samples.get(name));
        rows.push(
          `| ${tasks.toLocaleString('en-US')} | ${name} | ${ms(m)} | ${requests.get(name)} | ${(m / base).toFixed(2)}× |`,
        );
      }
    } finally {
      await sandbox.close();
    }
  }
  results.push(`## \`topo status\` at 50 ms a request, beside two round trips

| tasks in the workspace | command | wall time (median) | requests | vs two round trips |
|---|---|---|---|---|
${rows.join('\n')}

The rep's view sends 20 listings of one task and asks the key's scopes side by side, then reads the next task's
run, then its contact: three round trips; the team's view, one (8 listings a member). Neither grows with the
workspace.`);
}

async function benchFetch() {
  log('fetch-all…');
  const sandbox = await startSandbox({ port: 0, tasks: 10_000, seed: 7, latencyMs: 50 });
  try {
    const curlLoop = `for p in $(seq 1 100); do curl -s -H "Authorization: Bearer topo_sandbox_ro" "${sandbox.url}/tasks?page=$p&size=100"; done`;
    const topoEnv = { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_ro' };
    const curl = [];
    const sequential = [];
    const parallel = [];
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
      curl.push((await run('bash', ['-c', curlLoop])).wall);
      sequential.push(
        (
          await run(
            process.execPath,
            [BIN, 'tasks', 'list', '--status', 'all', '--all', '--concurrency', '1'],
            { extraEnv: topoEnv },
          )
        ).wall,
      );
      const p = await run(process.execPath, [BIN, 'tasks', 'list', '--status', 'all', '--all'], {
        extraEnv: topoEnv,
      });
      if (p.code !== 0) throw new Error(`topo failed: ${p.stderr}`);
      parallel.push(p.wall);
    }
    const c = median(curl);
    const s = median(sequential);
    const p = median(parallel);
    results.push(`## Fetch-all: 100 pages of 100 tasks, 50 ms latency per request

| how | wall time | vs curl loop |
|---|---|---|
| \`curl\` in a shell loop, page after page | ${ms(c)} | 1.00× |
| \`topo tasks list --status all --all --concurrency 1\` | ${ms(s)} | ${(s / c).toFixed(2)}× |
| \`topo tasks list --status all --all\` (4 pages at once) | ${ms(p)} | ${(p / c).toFixed(2)}× |

Goal: ≤ 0.35× of the sequential walk — ${p / c <= 0.35 ? 'met' : 'missed'} (${(p / c).toFixed(2)}× the curl loop, ${(p / s).toFixed(2)}× topo's own sequential walk).`);
  } finally {
    await sandbox.close();
  }
}

/** A node command on a pseudo-terminal (script(1)): wall time, exit code and the node process's peak memory. */
async function onTerminal(argv, extraEnv, stdoutFile) {
  const rssFile = join(tmp, `rss-tty-${Math.random().toString(36).slice(2)}`);
  const command = [process.execPath, '--require', join(ROOT, 'bench', 'maxrss.cjs'), ...argv]
    .map((a) => JSON.stringify(a))
    .join(' ');
  const r = await run('script', ['-qfec', command, '/dev/null'], {
    extraEnv: { ...extraEnv, TOPO_BENCH_RSS_FILE: rssFile },
    stdoutFile,
  });
  const [kib, cpuMs] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
  rmSync(rssFile, { force: true });
  return { ...r, peakMiB: kib / 1024, cpuMs };
}

/**
 * Every page of a large workspace in each format (JSON, TSV, CSV, a terminal table through script(1)), at
 * 30,000, 300,000 and 500,000 tasks: peak memory and wall time, each run beside the same build with V8's heap
 * left to grow (bin/topo.js without its bounds: the anchor for the bounds' cost in time).
 */
async function benchMemory() {
  const unbounded = join(ROOT, 'bin', '.topo-unbounded.js');
  const source = readFileSync(BIN, 'utf8');
  const bounded = 'const HOLD_YOUNG_GENERATION_AT = 16 * 1024 * 1024;';
  if (!source.includes(bounded)) throw new Error('bin/topo.js no longer sets the bound this compares');
  writeFileSync(unbounded, source.replace(bounded, 'const HOLD_YOUNG_GENERATION_AT = Infinity;'));
  const formats = [
    ['JSON', ['--json']],
    ['TSV (piped)', []],
    ['CSV (piped)', ['--csv']],
    ['table (terminal, 120 columns)', null],
  ];
  const rows = [];
  const peaks = {};
  const costs = [];
  let valid = true;
  try {
    for (const tasks of [30_000, 300_000, 500_000]) {
      log(`${tasks.toLocaleString('en-US')} tasks, every format…`);
      const sandbox = await startSandbox({ port: 0, tasks, seed: 11 });
      try {
        const topoEnv = {
          TOPO_API_URL: sandbox.url,
          TOPO_API_KEY: 'topo_sandbox_ro',
          COLUMNS: '120',
          TERM: 'xterm',
        };
        const reps = tasks === 500_000 ? 2 : 3;
        for (const [name, flags] of formats) {
          const one = async (bin) => {
            const argv = [bin, 'tasks', 'list', '--status', 'all', '--all', ...(flags ?? [])];
            const out = join(tmp, 'out');
            const r = flags
              ? await run(process.execPath, argv, { extraEnv: topoEnv, stdoutFile: out, rss: true })
              : await onTerminal(argv, topoEnv, out);
            if (r.code !== 0) throw new Error(`topo failed: ${r.stderr}`);
            if (name === 'JSON' && bin === BIN) {
              const text = readFileSync(out, 'utf8');
              const ids = new Set(text.match(/"id":"[0-9a-f-]{36}"/g) ?? []);
              valid &&= text.startsWith('[') && ids.size === sandbox.store.state.tasks.length;
            }
            return r;
          };
          const a = [];
          const b = [];
          for (let i = 0; i < reps; i++) {
            a.push(await one(BIN));
            b.push(await one(unbounded));
          }
          const peak = (rs) => Math.max(...rs.map((r) => r.peakMiB));
          const wall = (rs) => median(rs.map((r) => r.wall));
          const cpu = (rs) => median(rs.map((r) => r.cpuMs));
          (peaks[name] ??= {})[tasks] = peak(a);
          if (tasks >= 300_000) costs.push(cpu(a) / cpu(b));
          rows.push(
            `| ${tasks.toLocaleString('en-US')} | ${name} | ${peak(a).toFixed(1)} MiB | ${peak(b).toFixed(1)} MiB | ${ms(wall(a))} / ${ms(cpu(a))} | ${ms(wall(b))} / ${ms(cpu(b))} | ${(wall(a) / wall(b)).toFixed(3)}× / ${(cpu(a) / cpu(b)).toFixed(3)}× |`,
          );
        }
      } finally {
        await sandbox.close();
      }
    }
  } finally {
    rmSync(unbounded, { force: true });
  }
  const growth = Object.entries(peaks).map(([name, p]) => [name, p[300_000] / p[30_000], p[500_000]]);
  const flat = growth.every(([, g]) => g <= 1.15);
  const under = growth.every(([, , at500]) => at500 < 110);
  const cost = median(costs);
  results.push(`## Every page of a large workspace in every format: peak memory, and the bounds' cost

| tasks | output | peak (topo) | peak (heap unbounded) | wall / CPU (topo) | wall / CPU (unbounded) | ratio, wall / CPU |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Peak at 300,000 ÷ at 30,000: ${growth.map(([name, g]) => `${name} ${g.toFixed(2)}×`).join(', ')}. Every JSON output is ${valid ? 'a single array of distinct tasks, each once' : 'NOT a single array of distinct tasks'}.
Goals: within 1.15× from 30,000 to 300,000 — ${flat ? 'met' : 'missed'}; under 110 MiB at 500,000 — ${under ? 'met' : 'missed'}; the bounds cost at most 5% (median CPU-time ratio at 300,000 and 500,000, the measure a shared machine disturbs least: ${cost.toFixed(3)}×) — ${cost <= 1.05 ? 'met' : 'missed'}.`);
}

/** 100,000 rows drawn as a table on a pseudo-terminal (script(1)), 120 columns. */
async function benchTable() {
  log('a 100,000-row table on a terminal…');
  const sandbox = await startSandbox({ port: 0, tasks: 100_000, seed: 11 });
  try {
    const extraEnv = {
      TOPO_API_URL: sandbox.url,
      TOPO_API_KEY: 'topo_sandbox_ro',
      COLUMNS: '120',
      TERM: 'xterm',
    };
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} tasks list --status all --all`;
    const walls = [];
    let lines = 0;
    for (let i = 0; i < 2; i++) {
      const out = join(tmp, 'table.txt');
      const r = await run('script', ['-qfec', command, '/dev/null'], { extraEnv, stdoutFile: out });
      if (r.code !== 0) throw new Error(`topo failed: ${r.stderr}`);
      walls.push(r.wall);
      lines = readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => /^[0-9a-f]{8}-/.test(l)).length;
    }
    const wall = median(walls);
    results.push(`## A 100,000-row table on a terminal (120 columns, through script(1))

| command | wall time | rows drawn |
|---|---|---|
| \`topo tasks list --status all --all\` | ${ms(wall)} | ${lines.toLocaleString('en-US')} |

Goal: < 5 s — ${wall < 5000 && lines === 100_000 ? 'met' : 'missed'}.`);
  } finally {
    await sandbox.close();
  }
}

/**
 * A rep (alice) holding open tasks in each of `runs` runs (4 each, or by `sizes` in turn); the first `shared`
 * runs (or every `sharedEvery`-th) also hold one open task of bob.
 */
function offboardingState(runs = 2_500, shared = 100, { sizes = [4], sharedEvery = 0 } = {}) {
  const base = seedState({ seed: 5, tasks: 2_000, now: Date.parse('2026-11-01T00:00:00Z') });
  const [alice, bob] = base.users;
  let n = 0;
  const id = (prefix) => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const tasks = base.tasks.filter((t) => t.assignee_user_id !== alice.id);
  const start = Date.parse('2026-09-01T00:00:00Z');
  for (let r = 0; r < runs; r++) {
    const run = id('5e000000');
    const make = (assignee, status, i) => {
      const created = new Date(start + (r * 5 + i) * 60_000).toISOString().replace('.000Z', 'Z');
      return {
        id: id('7a000000'),
        organization_id: base.organization_id,
        type: ['CALL', 'EMAIL_REPLY', 'LINKEDIN_REPLY', 'NEW_LEAD_REVIEW'][(r + i) % 4],
        priority: ['HOT', 'TODAY', 'EXTRA'][(r * 3 + i) % 3],
        status,
        sequence_id: run,
        assignee_user_id: assignee,
        disposition: null,
        reopened_at: null,
        reopen_reason: null,
        skipped_at: null,
        completed_at: status === 'COMPLETED' ? created : null,
        created_at: created,
        updated_at: created,
      };
    };
    const size = sizes[r % sizes.length];
    for (let i = 0; i < size; i++) tasks.push(make(alice.id, i === 3 ? 'IN_PROGRESS' : 'PENDING', i));
    if (r % 10 === 0) tasks.push(make(alice.id, 'COMPLETED', 4));
    if (sharedEvery ? r % sharedEvery === 0 : r < shared) tasks.push(make(bob.id, 'PENDING', 5));
  }
  return { ...base, tasks };
}

/**
 * Offboarding alice to three successors by weight, against a sandbox that allows `rateLimit` requests per
 * second: the floor is the requests it answered divided by that rate.
 */
async function offboard({ title, runs, shared, rateLimit, latencyMs = 0, shape }) {
  const state = offboardingState(runs, shared, shape);
  const [alice, bob, carla, dev] = state.users;
  const open = state.tasks.filter(
    (t) => t.assignee_user_id === alice.id && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
  ).length;
  const sandbox = await startSandbox({ port: 0, rateLimit, latencyMs, state });
  try {
    const reportFile = join(tmp, 'offboard.json');
    const to = `${bob.id}=2,${carla.id}=1,${dev.id}=1`;
    const spawnedAt = Date.now();
    const r = await run(
      process.execPath,
      [BIN, 'tasks', 'reassign', '--from', alice.id, '--to', to, '--yes', '--json', '--concurrency', '16'],
      {
        extraEnv: { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_rw' },
        stdoutFile: reportFile,
      },
    );
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const first = sandbox.requests[0]?.at ?? spawnedAt;
    const last = sandbox.requests.at(-1)?.at ?? spawnedAt;
    const requests = sandbox.requests.length;
    const limited = sandbox.requests.filter((q) => q.status === 429).length;
    const served = requests - limited;
    const floor = (served / rateLimit) * 1000;
    const left = state.tasks.filter(
      (t) => t.assignee_user_id === alice.id && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
    ).length;
    const ratio = r.wall / floor;
    const served200 = sandbox.requests.filter((q) => q.status !== 429);
    const kinds = {
      calls: served200.filter((q) => q.method === 'PATCH').length,
      runReads: served200.filter((q) => q.path === '/v1/tasks' && q.query.includes('sequence_id=')).length,
      listings: served200.filter((q) => q.path === '/v1/tasks' && !q.query.includes('sequence_id=')).length,
      taskReads: served200.filter((q) => q.method === 'GET' && /^\/v1\/tasks\/[^/]+$/.test(q.path)).length,
      sequences: served200.filter((q) => q.path.startsWith('/v1/sequences')).length,
      me: served200.filter((q) => q.path === '/v1/me').length,
    };
    const callsFloor = (kinds.calls / rateLimit) * 1000;
    const split = report.to.map((s) => `${s.tasks.toLocaleString('en-US')}`).join(' / ');
    return {
      ratio,
      callsRatio: r.wall / callsFloor,
      runs,
      open,
      kinds,
      served,
      wall: r.wall,
      callsFloor,
      floor,
      ok: r.code === 0 && report.failed === 0 && left === 0,
      table: `## ${title}

| measure | value |
|---|---|
| exit code | ${r.code} |
| open tasks of the rep / moved / left with her | ${open.toLocaleString('en-US')} / ${report.moved.toLocaleString('en-US')} / ${left} |
| moved to the successors, weights 2 / 1 / 1 | ${split} |
| reassign calls | ${report.calls.toLocaleString('en-US')} |
| requests answered (reads, calls, verification) | ${served.toLocaleString('en-US')} |
| of which: calls / run reads / other listing pages / single-task reads / sequence-run reads / \`/v1/me\` | ${kinds.calls} / ${kinds.runReads} / ${kinds.listings} / ${kinds.taskReads} / ${kinds.sequences} / ${kinds.me} |
| 429 answers, waited out | ${limited.toLocaleString('en-US')} |
| failed calls | ${report.failed} |
| wall time | ${(r.wall / 1000).toFixed(1)} s |
| of which: start to the first request / the last request to exit | ${ms(first - spawnedAt)} / ${ms(spawnedAt + r.wall - last)} |
| rate-limit floor (requests answered ÷ ${rateLimit}/s) | ${(floor / 1000).toFixed(1)} s |
| wall time ÷ floor | ${ratio.toFixed(3)}× |
| calls floor (reassignment calls ÷ ${rateLimit}/s) | ${(callsFloor / 1000).toFixed(1)} s |
| wall time ÷ calls floor | ${(r.wall / callsFloor).toFixed(3)}× |`,
    };
  } finally {
    await sandbox.close();
  }
}

async function benchOffboardFast() {
  log('offboarding 1,000 tasks at 50 requests per second, 100 ms latency (3 runs)…');
  // A 429 on one of the last requests waits a whole-second Retry-After with nothing left to overlap: the runs
  // vary, so the median of three is shown, and all three are listed.
  const runs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(
      await offboard({
        title: 'Offboarding: 1,000 open tasks in 250 runs, 50 requests per second, 100 ms per request',
        runs: 250,
        shared: 10,
        rateLimit: 50,
        latencyMs: 100,
      }),
    );
  }
  const sorted = [...runs].sort((a, b) => a.ratio - b.ratio);
  const o = sorted[1];
  const all = runs.map((r) => `${r.ratio.toFixed(3)}×`).join(', ');
  results.push(`${o.table}

Three runs: ${all} (the median run is shown). Goal: ≤ 1.10× the rate-limit floor with zero failed calls — ${runs.every((r) => r.ok) && o.ratio <= 1.1 ? 'met' : 'missed'}.`);
}

/**
 * About 1,000 open tasks in 440 runs of 1 to 4 tasks (one run in five shared with bob), at 50 requests per
 * second and 100 ms a request: against both floors, the requests answered and the reassignment calls.
 */
async function benchOffboardCalls() {
  log('offboarding about 1,000 tasks in 440 runs at 50 requests per second, 100 ms latency (3 runs)…');
  const runs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(
      await offboard({
        title:
          'Offboarding at the calls floor: about 1,000 open tasks in 440 runs, 50 requests per second, 100 ms per request',
        runs: 440,
        shared: 0,
        rateLimit: 50,
        latencyMs: 100,
        shape: { sizes: [1, 2, 3, 2, 1, 3, 4, 2], sharedEvery: 5 },
      }),
    );
  }
  const sorted = [...runs].sort((a, b) => a.callsRatio - b.callsRatio);
  const o = sorted[1];
  const all = runs.map((r) => `${r.callsRatio.toFixed(3)}×`).join(', ');
  results.push(`${o.table}

Three runs, wall time ÷ calls floor: ${all} (the median run is shown). Goal: ≤ 1.25× the calls floor with zero failed calls — ${runs.every((r) => r.ok) && o.callsRatio <= 1.25 ? 'met' : 'missed'}.`);
}

async function benchOffboard() {
  log('offboarding 10,000 tasks at 10 requests per second (about 5 minutes)…');
  const o = await offboard({
    title: 'Offboarding: 10,000 open tasks in 2,500 runs to 3 successors, 10 requests per second',
    runs: 2_500,
    shared: 100,
    rateLimit: 10,
  });
  results.push(`${o.table}

Goal: within 10% of the rate-limit floor with zero failed calls — ${o.ok && o.ratio <= 1.1 ? 'met' : 'missed'}.`);
}

/**
 * A team of five holding 400, 300, 150, 100 and 50 open tasks (1,000) in runs of one to four tasks; about one
 * run in five holds a reply or a task in progress (it stays). Everyone else's tasks are the seeded ones.
 */
function rebalanceState() {
  const base = seedState({ seed: 5, tasks: 2_000, now: Date.parse('2026-11-01T00:00:00Z') });
  const team = base.users.slice(0, 5);
  const loads = [400, 300, 150, 100, 50];
  const tasks = base.tasks.filter((t) => !team.some((u) => u.id === t.assignee_user_id));
  let n = 0;
  const id = (prefix) => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const start = Date.parse('2026-09-01T00:00:00Z');
  let r = 0;
  team.forEach((member, m) => {
    for (let left = loads[m]; left > 0; r++) {
      const size = Math.min(1 + (r % 4), left);
      const run = id('5e000000');
      for (let i = 0; i < size; i++) {
        const created = new Date(start + (r * 5 + i) * 60_000).toISOString().replace('.000Z', 'Z');
        const active = r % 5 === 0 && i === 0;
        tasks.push({
          id: id('7a000000'),
          organization_id: base.organization_id,
          type: active ? 'EMAIL_REPLY' : ['CALL', 'NEW_LEAD_REVIEW'][(r + i) % 2],
          priority: ['EXTRA', 'TODAY', 'HOT'][(r + i) % 3],
          status: 'PENDING',
          sequence_id: run,
          assignee_user_id: member.id,
          disposition: null,
          reopened_at: null,
          reopen_reason: null,
          skipped_at: null,
          completed_at: null,
          created_at: created,
          updated_at: created,
        });
      }
      left -= size;
    }
  });
  return { state: { ...base, tasks }, team, loads };
}

async function rebalanceOnce() {
  const rateLimit = 50;
  const { state, team, loads } = rebalanceState();
  const sandbox = await startSandbox({ port: 0, rateLimit, latencyMs: 100, state });
  try {
    const reportFile = join(tmp, 'rebalance.json');
    const spawnedAt = Date.now();
    const r = await run(
      process.execPath,
      [
        BIN,
        'tasks',
        'rebalance',
        '--team',
        team.map((u) => u.id).join(','),
        '--yes',
        '--json',
        '--concurrency',
        '16',
      ],
      { extraEnv: { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_rw' }, stdoutFile: reportFile },
    );
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const after = team.map(
      (u) =>
        state.tasks.filter(
          (t) => t.assignee_user_id === u.id && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
        ).length,
    );
    const first = sandbox.requests[0]?.at ?? spawnedAt;
    const last = sandbox.requests.at(-1)?.at ?? spawnedAt;
    const requests = sandbox.requests.length;
    const limited = sandbox.requests.filter((q) => q.status === 429).length;
    const served = requests - limited;
    const floor = (served / rateLimit) * 1000;
    const ratio = r.wall / floor;
    const within = after.every((x) => Math.abs(x - 200) <= 200 * 0.15);
    const ok = r.code === 0 && within && report.failed === 0;
    return {
      ratio,
      ok,
      table: `## Rebalance: 1,000 open tasks, a team of 5, 50 requests per second, 100 ms per request

| measure | value |
|---|---|
| exit code | ${r.code} |
| open tasks before | ${loads.join(' / ')} (mean 200) |
| open tasks after | ${after.join(' / ')} (within 15%: ${within ? 'yes' : 'no'}) |
| runs moved / tasks moved / runs held back (a reply) | ${report.team.runs} / ${report.moved} / ${report.team.held.active} |
| reassign calls (one per whole run) | ${report.calls} |
| requests answered (counts, listings, calls, verification) | ${served.toLocaleString('en-US')} |
| 429 answers, waited out | ${limited} |
| failed calls | ${report.failed} |
| wall time | ${(r.wall / 1000).toFixed(1)} s |
| of which: start to the first request / the last request to exit | ${ms(first - spawnedAt)} / ${ms(spawnedAt + r.wall - last)} |
| rate-limit floor (requests answered ÷ ${rateLimit}/s) | ${(floor / 1000).toFixed(1)} s |
| wall time ÷ floor | ${ratio.toFixed(3)}× |`,
    };
  } finally {
    await sandbox.close();
  }
}

async function benchRebalance() {
  log('rebalancing 1,000 tasks across a team of 5 at 50 requests per second, 100 ms latency (3 runs)…');
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await rebalanceOnce());
  const o = [...runs].sort((a, b) => a.ratio - b.ratio)[1];
  const all = runs.map((r) => `${r.ratio.toFixed(3)}×`).join(', ');
  results.push(`${o.table}

Three runs: ${all} (the median run is shown). Goal: every member within 15% of the mean, zero failed calls, ≤ 1.10× the rate-limit floor — ${runs.every((r) => r.ok) && o.ratio <= 1.1 ? 'met' : 'missed'}.`);
}

try {
  if (wants('startup')) await benchStartup();
  if (wants('single-file')) await benchSingleFile();
  if (wants('command')) await benchCommand();
  if (wants('enrich')) await benchEnrichment();
  if (wants('status')) await benchStatus();
  if (wants('fetch')) await benchFetch();
  if (wants('memory')) await benchMemory();
  if (wants('table')) await benchTable();
  if (wants('offboard-fast')) await benchOffboardFast();
  if (wants('offboard-calls')) await benchOffboardCalls();
  if (wants('offboard')) await benchOffboard();
  if (wants('rebalance')) await benchRebalance();
  const header = `# Benchmark results

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${process.platform}.
Each scenario runs the built \`topo\` against the sandbox on 127.0.0.1; ratios compare commands measured side by side in the same run.
`;
  const file = join(ROOT, 'bench', only ? 'results-partial.md' : 'results.md');
  writeFileSync(file, `${header}\n${results.join('\n\n')}\n`);
  process.stdout.write(`${header}\n${results.join('\n\n')}\n\nwritten to ${file}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
