import type { Command } from 'commander';
import { whoFrom } from '../../domain/task.js';
import { action, type App } from '../../app.js';
import { UsageError } from '../../errors.js';
import type { Task } from '../../api/types.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, helpDetails } from '../../help.js';
import { WITH_CHOICES } from '../../input/choices.js';
import { addFilterFlags, parseFilters, resolveFilterNames, type FilterFlags } from '../../input/filters.js';
import { collect, durationMs, parsePositiveInt, parseWith } from '../../input/parse.js';
import { encodeJson } from '../../output/exporter.js';
import { addOutputFlags } from '../../output/flags.js';
import { TASK_JSON_FIELDS } from '../../output/tasks.js';
import { type Relation, type TaskRow } from '../../domain/task.js';

interface WatchFlags extends FilterFlags {
  interval: string;
  count?: string;
  bell?: boolean;
  exec?: string[];
  with?: string[];
}

const MIN_INTERVAL_S = 5;
// Timers cannot wait longer than about 24 days; a day between looks is already a daily report.
const MAX_INTERVAL_S = 86_400;

export function registerWatch(tasks: Command, app: App): void {
  const cmd = tasks
    .command('watch [args...]')
    .summary('print new tasks as they arrive, or run a program for each')
    .description(
      'Asks for new tasks every --interval seconds and prints each new one once — created, or come into the ' +
        'filters (reassigned to the person watched, reopened): a row on a terminal, ' +
        'tab-separated values when piped, one JSON object per line with --json. With --exec, runs a program for ' +
        'each (no shell; the task as JSON on its standard input; TOPO_TASK_ID in its environment). Rides out ' +
        'rate limits, server errors and lost connections; Ctrl-C ends it.',
    );
  addFilterFlags(cmd, FLAG_GROUPS.filters)
    .optionsGroup(FLAG_GROUPS.output)
    .option(
      '--interval <seconds>',
      `how often to ask: seconds (${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}), or 90s, 5m, 1h, 1d`,
      '30',
    )
    .option('--count <n>', 'stop after this many new tasks')
    .option('--bell', 'ring the terminal bell for each new task')
    .option('--exec <command...>', 'run this program for each new task; its own flags go after --')
    .option('--with <relations>', 'add the related contact, template and run (JSON, TSV)', collect);
  addOutputFlags(cmd, { fields: TASK_JSON_FIELDS });
  helpDetails(cmd, {
    examples: [
      'topo tasks watch -a me -p hot --bell                       # (waits for new tasks)',
      'topo tasks watch -a me --json | jq -r .id                  # (waits for new tasks)',
      'topo tasks watch -t call --exec ./notify.sh -- --urgent    # (waits for new tasks)',
      'topo tasks watch --unassigned --interval 60 --count 1      # (waits for new tasks)',
    ],
    notes: `Output:
  On a terminal, a row per new task (the columns of 'topo tasks list'); piped, its tab-separated
  line; --json, one JSON object per line. Each task is printed once. --exec runs the program
  for each task in turn (no shell), the task's JSON on its standard input (only the fields of
  --json a,b, if named) and TOPO_TASK_ID set;
  a program that fails is reported and watching goes on.`,
  });
  cmd.action(
    action(app, async (ctx, args: string[], flags: WatchFlags) => {
      const filters = parseFilters(flags, ctx.now(), (m) => ctx.terminal.warn(m));
      const intervalS = parseInterval(flags.interval);
      if (intervalS < MIN_INTERVAL_S || intervalS > MAX_INTERVAL_S)
        throw new UsageError(
          `--interval: between ${MIN_INTERVAL_S} and ${MAX_INTERVAL_S} seconds (a day), got ${flags.interval}`,
        );
      const count = flags.count === undefined ? undefined : parsePositiveInt(flags.count, '--count');
      if (args.length > 0 && !flags.exec)
        throw new UsageError(
          `unexpected argument '${args[0]}' (arguments after -- go to the --exec program)`,
        );
      const exec = flags.exec ? [...flags.exec, ...args] : undefined;
      if (exec) await checkProgram(exec[0]!, ctx.session.env);
      const relations = parseWith(flags.with, WITH_CHOICES);
      await resolveFilterNames(ctx.lookups(), flags, filters);
      await runWatch(ctx, {
        filters,
        intervalMs: intervalS * 1000,
        count,
        bell: Boolean(flags.bell),
        exec,
        relations,
      });
    }),
  );
}

interface WatchRun {
  filters: ReturnType<typeof parseFilters>;
  intervalMs: number;
  count: number | undefined;
  bell: boolean;
  exec: string[] | undefined;
  relations: Relation[];
}

async function runWatch(ctx: Context, o: WatchRun): Promise<void> {
  const { output, terminal } = ctx;
  const [client, { watch }, enrich, { taskJson, taskListView }, { describeError }] = await Promise.all([
    ctx.session.api(),
    import('../../services/watch.js'),
    import('../../services/enrich.js'),
    import('../../output/tasks.js'),
    import('../../output/errors.js'),
  ]);
  const relations = enrich.relationsWanted(o.relations, output.exporter?.named());
  const table = output.format === 'table' && !o.exec;
  const want = new Set<Relation>([...relations, ...(table ? (['contact', 'template'] as const) : [])]);
  const enricher = want.size ? new enrich.Enricher(client, (n) => ctx.noteEnrichment(n)) : undefined;
  const allowed = enricher ? await enricher.allows() : { sequences: false };
  const view = taskListView({
    who: whoFrom(await ctx.people.names()),
    // Read as each row is drawn: a task that arrives an hour into the watch is `just now`, not `in 1h`.
    get now() {
      return ctx.now();
    },
    chalk: output.chalk(),
    with: relations,
    people: table && allowed.sequences,
    time: 'created_at',
    hideAssignee: o.filters.query.assigneeUserId !== undefined || o.filters.unassigned,
    links: await output.links(),
  });
  // The widths of a terminal row are fixed once, before any row, so rows printed minutes apart line up.
  const print = o.exec ? undefined : await output.live(view, WATCH_WIDTHS);
  if (terminal.stderrIsTTY)
    terminal.err(`Watching for new tasks every ${o.intervalMs / 1000} s (Ctrl-C to stop)…`);
  if (ctx.globals.sandbox)
    terminal.err(
      'note: nothing adds tasks to the --sandbox workspace by itself; to see one arrive, ' +
        "run 'topo sandbox --new-task <rep>' in another shell",
    );
  const run = o.exec ? await programRunner(ctx, o.exec) : undefined;
  await watch(
    { client, sleep: ctx.sleep, onInterrupt: (handler) => terminal.onInterrupt(handler) },
    {
      filters: o.filters,
      intervalMs: o.intervalMs,
      ...(o.count !== undefined && { count: o.count }),
      onTask: async (task) => {
        const [related] = enricher ? await enricher.relate([task], want) : [{}];
        const row: TaskRow = { task, related: related! };
        // The program gets the task as --json prints it: only the fields named (`--json id,type`), if any.
        if (run)
          await run(
            task,
            output.exporter ? output.exporter.pick(taskJson(row, relations)) : taskJson(row, relations),
          );
        else await print!(row);
        if (o.bell) terminal.io.stderr.write('\u0007');
      },
      onTooMany: (remembered) =>
        terminal.err(
          `note: more than ${remembered.toLocaleString('en-US')} tasks match: only tasks created from now on are ` +
            'shown, not ones reassigned or reopened into the filters (narrow them: -a, -t, -p)',
        ),
      onContact: (event) =>
        terminal.err(
          'back' in event
            ? 'Back in contact with the API.'
            : `Lost contact with the API (${describeError(event.lost)}); still watching, asking again every ${o.intervalMs / 1000} s…`,
        ),
    },
  );
}

/**
 * The widths of the watch table, as wide as tasks usually are: a whole ID, the longest type and status, an
 * assignee's UUID, a usual contact and campaign, and the widest age ('just now'). Narrower terminals cut them
 * by the rules of 'tasks list'.
 */
const WATCH_WIDTHS: Record<string, number> = {
  ID: 36,
  TYPE: 'playbook approval'.length,
  PRIORITY: 'TODAY'.length,
  STATUS: 'in progress'.length,
  ASSIGNEE: 36,
  CONTACT: 30,
  CAMPAIGN: 24,
  'SEQUENCE RUN': 36,
  CREATED: 'just now'.length,
};

/** The --exec program is found and runnable before the first request, not when the first task arrives. */
async function checkProgram(program: string, env: Context['session']['env']): Promise<void> {
  if (process.platform === 'win32') return;
  const [{ accessSync, statSync, constants }, { delimiter, join, resolve }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
  ]);
  const withPath = program.includes('/');
  const candidates = withPath
    ? [resolve(program)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, program));
  const runnable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (!candidates.some(runnable))
    throw new UsageError(
      `--exec: cannot run '${program}': ${withPath ? 'not an executable file' : 'not found on PATH'}`,
    );
}

/** Runs the --exec program for one task at a time: no shell, the task's JSON on stdin, TOPO_TASK_ID set. */
async function programRunner(ctx: Context, argv: string[]) {
  const { spawn } = await import('node:child_process');
  const [program, ...args] = argv;
  return (task: Task, json: unknown) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(program!, args, {
        stdio: ['pipe', 'inherit', 'inherit'],
        env: { ...ctx.session.env, TOPO_TASK_ID: task.id } as NodeJS.ProcessEnv,
      });
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          new UsageError(
            `--exec: cannot run '${program}': ${error.code === 'ENOENT' ? 'not found' : error.message}`,
          ),
        ),
      );
      child.on('close', (code, signal) => {
        if (code !== 0)
          ctx.terminal.warn(
            `--exec: '${program}' ${signal ? `was ended by ${signal}` : `exited ${code}`} for task ${task.id}`,
          );
        resolve();
      });
      child.stdin.on('error', () => undefined);
      // The same JSON as --json prints: C1 controls escaped, so a program that echoes it is safe too.
      child.stdin.end(`${encodeJson(json, false)}\n`);
    });
}

/** `--interval`: whole seconds, or with a unit: 90s, 5m, 1h, 1d (the longest). */
function parseInterval(value: string): number {
  const ms = durationMs(value, 'smhd', 's');
  if (ms === undefined)
    throw new UsageError(`--interval: '${value}' is not a time such as 30 (seconds), 90s, 5m, 1h or 1d`);
  return ms / 1000;
}
