// `npm run bench`: measures topo against the sandbox on this machine and writes bench/results.md.
// Every ratio compares two things measured side by side in the same run. Not a test: nothing here fails.
//   node bench/bench.mjs [--only startup,fetch,memory,offboard] [--runs n]
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
    const fullArgv = rss ? ['--import', join(ROOT, 'bench', 'maxrss.mjs'), ...argv] : argv;
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
        if (rss) {
          peak = Number(readFileSync(rssFile, 'utf8')) / 1024;
          rmSync(rssFile, { force: true });
        }
        resolve({ wall, code, stderr, peakMiB: peak });
      });
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

async function benchMemory() {
  log('100,000 tasks…');
  const sandbox = await startSandbox({ port: 0, tasks: 100_000, seed: 11 });
  try {
    const topoEnv = { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_ro' };
    const jsonFile = join(tmp, 'all.json');
    const json = [];
    const tsv = [];
    for (let i = 0; i < Math.max(2, Math.ceil(RUNS / 2)); i++) {
      const j = await run(process.execPath, [BIN, 'tasks', 'list', '--status', 'all', '--all', '--json'], {
        extraEnv: topoEnv,
        stdoutFile: jsonFile,
        rss: true,
      });
      if (j.code !== 0) throw new Error(`topo failed: ${j.stderr}`);
      json.push(j);
      tsv.push(
        await run(process.execPath, [BIN, 'tasks', 'list', '--status', 'all', '--all'], {
          extraEnv: topoEnv,
          rss: true,
        }),
      );
    }
    const size = statSync(jsonFile).size;
    const parsed = JSON.parse(readFileSync(jsonFile, 'utf8'));
    const valid =
      Array.isArray(parsed) && parsed.length === 100_000 && new Set(parsed.map((t) => t.id)).size === 100_000;
    const peak = (rs) => Math.max(...rs.map((r) => r.peakMiB));
    results.push(`## 100,000 tasks, every page (1,000 requests), no added latency

| output | wall time (median) | peak resident memory (max) |
|---|---|---|
| \`--json\` (one array, ${(size / 1024 / 1024).toFixed(1)} MiB) | ${ms(median(json.map((r) => r.wall)))} | ${peak(json).toFixed(1)} MiB |
| TSV (piped) | ${ms(median(tsv.map((r) => r.wall)))} | ${peak(tsv).toFixed(1)} MiB |

The JSON is ${valid ? 'a single valid array of 100,000 distinct tasks' : 'NOT a valid array of 100,000 distinct tasks'}. Goal: peak under 150 MB (143 MiB) — ${Math.max(peak(json), peak(tsv)) < 143 ? 'met' : 'missed'}.`);
  } finally {
    await sandbox.close();
  }
}

/** A rep (alice) holding 10,000 open tasks in 2,500 runs; 100 of those runs also hold one open task of bob. */
function offboardingState() {
  const base = seedState({ seed: 5, tasks: 2_000, now: Date.parse('2026-11-01T00:00:00Z') });
  const [alice, bob] = base.users;
  let n = 0;
  const id = (prefix) => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const tasks = base.tasks.filter((t) => t.assignee_user_id !== alice.id);
  const start = Date.parse('2026-09-01T00:00:00Z');
  for (let r = 0; r < 2_500; r++) {
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
    for (let i = 0; i < 4; i++) tasks.push(make(alice.id, i === 3 ? 'IN_PROGRESS' : 'PENDING', i));
    if (r % 10 === 0) tasks.push(make(alice.id, 'COMPLETED', 4));
    if (r < 100) tasks.push(make(bob.id, 'PENDING', 5));
  }
  return { ...base, tasks };
}

async function benchOffboard() {
  log('offboarding 10,000 tasks at 10 requests per second (about 5 minutes)…');
  const state = offboardingState();
  const [alice, bob] = state.users;
  const sandbox = await startSandbox({ port: 0, rateLimit: 10, state });
  try {
    const reportFile = join(tmp, 'offboard.json');
    const r = await run(
      process.execPath,
      [BIN, 'tasks', 'reassign', '--from', alice.id, '--to', bob.id, '--yes', '--json'],
      { extraEnv: { TOPO_API_URL: sandbox.url, TOPO_API_KEY: 'topo_sandbox_rw' }, stdoutFile: reportFile },
    );
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const requests = sandbox.requests.length;
    const limited = sandbox.requests.filter((q) => q.status === 429).length;
    const served = requests - limited;
    const calls = report.calls.length;
    const floor = (served / 10) * 1000;
    const left = state.tasks.filter(
      (t) => t.assignee_user_id === alice.id && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
    ).length;
    const over = r.wall / floor - 1;
    results.push(`## Offboarding: 10,000 open tasks in 2,500 runs, sandbox limited to 10 requests per second

| measure | value |
|---|---|
| exit code | ${r.code} |
| tasks moved / left with the rep | ${report.moved.toLocaleString('en-US')} / ${left} |
| reassign calls (SEQUENCE + TASK) | ${calls.toLocaleString('en-US')} (bound: 2,400 whole runs + 400 tasks in shared runs = 2,800) |
| requests answered (listing, calls, verification) | ${served.toLocaleString('en-US')} |
| 429 answers, waited out | ${limited.toLocaleString('en-US')} |
| failed calls | ${report.failed} |
| wall time | ${(r.wall / 1000).toFixed(1)} s |
| rate-limit floor (requests answered ÷ 10/s) | ${(floor / 1000).toFixed(1)} s |
| over the floor | ${(over * 100).toFixed(1)}% |

Goal: within 10% of the rate-limit floor with zero failed requests — ${over <= 0.1 && report.failed === 0 && r.code === 0 ? 'met' : 'missed'}.`);
  } finally {
    await sandbox.close();
  }
}

try {
  if (wants('startup')) await benchStartup();
  if (wants('fetch')) await benchFetch();
  if (wants('memory')) await benchMemory();
  if (wants('offboard')) await benchOffboard();
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
