import { Option, type Command } from 'commander';
import { action, type App } from '../app.js';
import { UsageError } from '../errors.js';
import type { Context } from '../context.js';
import { helpDetails } from '../help.js';
import { plural, safeText } from '../basics/text.js';
import { parsePositiveInt } from '../input/parse.js';

export interface SandboxCommandOptions {
  port: string;
  host: string;
  tasks: string;
  seed: string;
  data?: string;
  rateLimit?: string;
  failRate?: string;
  latency?: string;
  reset?: boolean;
  newTask?: string;
}

export function registerSandbox(program: Command, app: App): void {
  const cmd = program
    .command('sandbox')
    .summary('run a local Topo Tasks API with demo data')
    .description(
      'Runs a local HTTP server that implements the Topo Tasks API — tasks, sequence runs, sequence templates and contacts — with seeded, deterministic data and four demo keys. ' +
        'Point topo (or your own scripts) at it with --api-url and TOPO_API_KEY, or use `topo --sandbox <command>`.',
    )
    .option('--port <n>', 'port to listen on; 0 picks a free one', '4010')
    .option('--host <host>', 'address to listen on (loopback unless you name another)', '127.0.0.1')
    .option('--tasks <n>', 'number of seeded tasks', '300')
    .option('--seed <n>', 'seed of the generated data', '1')
    .option('--data <file>', 'load state from this file if it exists and save every change to it')
    .optionsGroup('Fault flags:')
    .option('--rate-limit <n>', 'requests per second per key; beyond it 429 with Retry-After')
    .option('--fail-rate <0..1>', 'share of requests answered 500 or 503')
    .option('--latency <ms>', 'delay before each answer')
    .optionsGroup('Options:')
    .addOption(
      new Option(
        '--reset',
        'forget the state kept by `topo --sandbox …` (its tasks and its jobs) and start afresh',
      ),
    )
    .option(
      '--new-task <user>',
      'in the state of `topo --sandbox …`: a new pending call for this rep (alias or UUID), as Topo makes one',
    );
  helpDetails(cmd, {
    examples: [
      'topo sandbox                                        # (runs a server)',
      'topo sandbox --port 0 --tasks 100000 --seed 7       # (runs a server)',
      'topo sandbox --data ./sandbox.json --rate-limit 10 --latency 50   # (runs a server)',
      'topo sandbox --reset',
      'topo sandbox --new-task erin                       # work reaching a rep (try --sweep after an offboarding)',
    ],
    notes: `Keys:
  topo_sandbox_rw     tasks:read, tasks:write, sequences:read, contacts:read
  topo_sandbox_tasks  tasks:read, tasks:write (runs, templates and contacts answer 403)
  topo_sandbox_ro     tasks:read
  topo_sandbox_none   no scopes`,
  });
  cmd.action(action(app, (ctx, opts: SandboxCommandOptions) => runSandbox(ctx, opts)));
}

function parseNonNegative(
  value: string | undefined,
  flag: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag}: '${value}' is not a whole number`);
  const n = Number(value);
  if (n > max) throw new UsageError(`${flag}: must be at most ${max}, got ${value}`);
  return n;
}

export async function runSandbox(ctx: Context, opts: SandboxCommandOptions): Promise<void> {
  const { sandboxDataFile } = await import('../config/paths.js');
  if (opts.reset) {
    const [{ rmSync }, { stateDir }, { Job, inWorkspace }, { forgetSweep }, { SANDBOX_WORKSPACE }] =
      await Promise.all([
        import('node:fs'),
        import('../config/paths.js'),
        import('../services/jobs/store.js'),
        import('../services/offboard/sweep.js'),
        import('../session.js'),
      ]);
    const file = sandboxDataFile(ctx.session.env);
    rmSync(file, { force: true });
    // The sandbox's jobs were about the tasks just forgotten: their journals go too (and its last sweep).
    const state = stateDir(ctx.session.env);
    const jobs = Job.all(state).filter((job) => inWorkspace(job, SANDBOX_WORKSPACE));
    for (const job of jobs) rmSync(job.path, { force: true });
    forgetSweep(state, SANDBOX_WORKSPACE);
    const forgotten = jobs.length === 0 ? '' : `; its ${plural(jobs.length, 'job')} forgotten`;
    ctx.terminal.err(`Sandbox state reset (${file})${forgotten}.`);
    return;
  }
  if (opts.newTask !== undefined) return newTask(ctx, opts.newTask);
  const port = parseNonNegative(opts.port, '--port', 65535)!;
  const tasks = parseNonNegative(opts.tasks, '--tasks', 2_000_000)!;
  const seed = parseNonNegative(opts.seed, '--seed', 2 ** 32 - 1)!;
  const rateLimit =
    opts.rateLimit === undefined ? undefined : parsePositiveInt(opts.rateLimit, '--rate-limit');
  const latencyMs = parseNonNegative(opts.latency, '--latency', 600_000);
  let failRate: number | undefined;
  if (opts.failRate !== undefined) {
    failRate = Number(opts.failRate);
    if (!/^\d*\.?\d+$/.test(opts.failRate) || failRate < 0 || failRate > 1) {
      throw new UsageError(`--fail-rate: '${opts.failRate}' is not a number from 0 to 1`);
    }
  }
  const { startSandbox, SANDBOX_KEYS } = await import('../sandbox/server.js');
  const sandbox = await startSandbox({
    port,
    host: opts.host,
    tasks,
    seed,
    ...(opts.data !== undefined && { dataFile: opts.data }),
    ...(rateLimit !== undefined && { rateLimit }),
    ...(failRate !== undefined && { failRate }),
    ...(latencyMs !== undefined && { latencyMs }),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new UsageError(`--port: ${port} is in use; pick another or use --port 0`);
    throw error;
  });
  const lines = [
    `Topo sandbox API listening on ${sandbox.url}`,
    '',
    'API keys:',
    ...SANDBOX_KEYS.map(
      (k) => `  ${k.key.padEnd(18)} ${k.scopes.length ? k.scopes.join(', ') : '(no task scopes)'}`,
    ),
    '',
    'Users:',
    ...sandbox.store.users.map((u) => `  ${u.alias.padEnd(6)} ${u.name.padEnd(13)} ${u.id}`),
    '',
    'Sequence templates:',
    ...sandbox.store
      .templates()
      .map((t) => `  ${t.id}  ${String(t.status).padEnd(9)} ${t.name ?? '(no name)'}`),
    '',
    `Tasks: ${sandbox.store.state.tasks.length}   seed: ${sandbox.store.state.seed}${opts.data ? `   data: ${opts.data}` : ''}`,
    '',
    `Try: TOPO_API_URL=${sandbox.url} TOPO_API_KEY=topo_sandbox_rw topo tasks list`,
  ];
  await ctx.terminal.out(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => ctx.terminal.onInterrupt(() => resolve()));
  await sandbox.close();
  ctx.terminal.err('Sandbox stopped.');
}

/** `--new-task <user>`: a pending call for a rep of the state `topo --sandbox …` keeps, in a new run. */
async function newTask(ctx: Context, user: string): Promise<void> {
  const [{ sandboxDataFile }, { SandboxStore }] = await Promise.all([
    import('../config/paths.js'),
    import('../sandbox/store.js'),
  ]);
  const store = SandboxStore.open({ seed: 1, tasks: 300, dataFile: sandboxDataFile(ctx.session.env) });
  // The names `topo --sandbox …` knows: the seeded reps and the aliases of the sandbox's profile (me too).
  const { aliasNamed, withSeededReps } = await import('../people.js');
  const aliases = withSeededReps((await ctx.session.profileNamed('sandbox')).aliases ?? {}, store.users);
  const name = aliasNamed(aliases, user);
  const id = (name === undefined ? user : aliases[name]!).toLowerCase();
  const rep = store.users.find((u) => u.id === id);
  if (!rep)
    throw new UsageError(
      `--new-task: '${user}' is none of the sandbox's reps (${store.users.map((u) => u.alias).join(', ')}, or me)`,
    );
  // Made under the data file's lock, on the file as it is then (commands at once keep each other's tasks).
  const task = await store.exclusive(() => store.createTask({ assignee_user_id: rep.id, type: 'CALL' }));
  ctx.terminal.err(`New pending call for ${rep.alias} in run ${task.sequence_id}:`);
  // A sandbox served on a port (`topo sandbox --port`) keeps its own tasks: this one is not among them.
  const url = ctx.session.env.TOPO_API_URL;
  if (url)
    ctx.terminal.err(
      `note: written to the state of 'topo --sandbox' (${sandboxDataFile(ctx.session.env)}), not to ${safeText(url)}: a sandbox served on a port takes new tasks by POST ${safeText(url.replace(/\/v1\/?$/, ''))}/__sandbox/tasks`,
    );
  await ctx.terminal.out(`${task.id}\n`);
}
