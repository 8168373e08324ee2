import { Option, type Command } from 'commander';
import { action, type App } from '../../app.js';
import { UsageError } from '../../api/errors.js';
import {
  OPEN_STATUSES,
  TASK_FIELDS,
  TASK_PRIORITIES,
  TASK_TYPES,
  type Task,
  type TaskQuery,
  type TaskStatus,
} from '../../api/types.js';
import { MAX_PAGE_SIZE } from '../../api/wire.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, addOutputFlags, helpDetails } from '../../help.js';
import {
  collect,
  parseChoice,
  parseEnumList,
  parseJsonFields,
  parsePositiveInt,
  parseUuid,
  parseUuidList,
  parseWhen,
} from '../parse.js';

export const STATUS_CHOICES = ['open', 'pending', 'in_progress', 'completed', 'skipped', 'all'] as const;
export const SORT_CHOICES = ['created', 'updated'] as const;
export const ORDER_CHOICES = ['asc', 'desc'] as const;

export interface ListFlags {
  status: string;
  type?: string[];
  priority?: string[];
  template?: string[];
  assignee?: string;
  sequence?: string;
  createdAfter?: string;
  createdBefore?: string;
  sort: string;
  order: string;
  limit: string;
  all?: boolean;
  concurrency: string;
  json?: string | boolean;
}

export interface ListOptions {
  /** Statuses to list, one API listing each; empty = every status. */
  statuses: TaskStatus[];
  statusLabel: string;
  query: Omit<TaskQuery, 'status'>;
  limit: number | undefined;
  concurrency: number;
  json: boolean;
  fields: string[] | undefined;
}

export function registerList(tasks: Command, app: App): void {
  const cmd = tasks
    .command('list')
    .alias('ls')
    .summary('list tasks: a queue, a rep’s, a sequence run’s')
    .description(
      'Lists tasks, newest first. By default the open ones (pending and in progress), 30 at most; --all fetches every match.',
    )
    .optionsGroup(FLAG_GROUPS.filters)
    .addOption(
      new Option('-s, --status <status>', 'open, pending, in_progress, completed, skipped or all').default(
        'open',
      ),
    )
    .option(
      '-t, --type <types>',
      'call, email_reply, linkedin_reply, new_lead_review (comma-separated or repeated)',
      collect,
    )
    .option('-p, --priority <priorities>', 'hot, today, extra (comma-separated or repeated)', collect)
    .option('--template <uuids>', 'sequence template UUIDs (comma-separated or repeated)', collect)
    .option('-a, --assignee <user>', 'a user UUID, an alias, or me')
    .option('--sequence <run-uuid>', 'the tasks of one sequence run')
    .option('--created-after <when>', 'ISO 8601 date or date-time, or an age such as 45m, 12h, 7d, 2w')
    .option('--created-before <when>', 'ISO 8601 date or date-time, or an age such as 45m, 12h, 7d, 2w')
    .optionsGroup(FLAG_GROUPS.output)
    .option('--sort <field>', 'created or updated', 'created')
    .option('--order <order>', 'asc or desc', 'desc')
    .option('-L, --limit <n>', 'at most this many tasks', '30')
    .option('--all', 'every matching task (pages of 100)')
    .option('--concurrency <n>', 'pages fetched at once with --all', '4');
  addOutputFlags(cmd, true);
  helpDetails(cmd, {
    examples: [
      'topo tasks list                                  # open tasks, newest first',
      'topo tasks list -a me -p hot                     # what is hot for me',
      'topo tasks list -a bob --status all --all        # everything bob ever had',
      'topo tasks list -t call,email_reply --created-after 7d',
      'topo tasks list --sequence 2b5c6126-… --status all',
      'topo tasks list --all --json --query "[?priority==\'HOT\'].id"',
    ],
    notes: `Output:
  On a terminal, a table; piped, tab-separated columns without a header:
    id, type, priority, status, assignee_user_id, sequence_id, created_at, updated_at
  --json prints one array of task objects.`,
    jsonFields: TASK_FIELDS,
  });
  cmd.action(action(app, async (ctx, flags: ListFlags) => runList(ctx, await parseListFlags(ctx, flags))));
}

/** Turns flags into typed options; every check happens here, before any request. */
export async function parseListFlags(ctx: Context, flags: ListFlags): Promise<ListOptions> {
  const status = parseChoice(flags.status, STATUS_CHOICES, '--status');
  const statuses: TaskStatus[] =
    status === 'open'
      ? ['PENDING', 'IN_PROGRESS']
      : status === 'all'
        ? []
        : [status.toUpperCase() as TaskStatus];
  const query: Omit<TaskQuery, 'status'> = {
    sortBy: parseChoice(flags.sort, SORT_CHOICES, '--sort') === 'updated' ? 'updated_at' : 'created_at',
    sortOrder: parseChoice(flags.order, ORDER_CHOICES, '--order'),
  };
  if (flags.type) query.types = parseEnumList(flags.type, TASK_TYPES, '--type');
  if (flags.priority) query.priorities = parseEnumList(flags.priority, TASK_PRIORITIES, '--priority');
  if (flags.template) query.templateIds = parseUuidList(flags.template, '--template');
  if (flags.sequence) query.sequenceId = parseUuid(flags.sequence, '--sequence');
  if (flags.createdAfter) query.createdAfter = parseWhen(flags.createdAfter, '--created-after', ctx.now());
  if (flags.createdBefore)
    query.createdBefore = parseWhen(flags.createdBefore, '--created-before', ctx.now());
  if (query.createdAfter && query.createdBefore && query.createdAfter >= query.createdBefore) {
    throw new UsageError('--created-after must be earlier than --created-before');
  }
  const limit = flags.all ? undefined : parsePositiveInt(flags.limit, '--limit');
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 16);
  const fields = parseJsonFields(flags.json, TASK_FIELDS);
  if (flags.assignee) query.assigneeUserId = await ctx.resolveUser(flags.assignee, '--assignee');
  return {
    statuses,
    statusLabel: status === 'all' ? '' : `${status.replace('_', ' ')} `,
    query,
    limit,
    concurrency,
    json: flags.json !== undefined && flags.json !== false,
    fields,
  };
}

/** Every matching task in sort order: one listing per status, merged when there are several. */
export async function listTasks(
  ctx: Context,
  options: Pick<ListOptions, 'statuses' | 'query' | 'limit' | 'concurrency'>,
  onTotal: (total: number) => void = () => undefined,
): Promise<AsyncGenerator<Task>> {
  const client = await ctx.api();
  const { walkTasks, mergeSorted, take } = await import('../../api/walk.js');
  let total = 0;
  let pending = Math.max(1, options.statuses.length);
  const report = (n: number) => {
    total += n;
    if (--pending === 0) onTotal(total);
  };
  const walk = (status?: TaskStatus) =>
    walkTasks(client, status ? { ...options.query, status } : options.query, {
      ...(options.limit !== undefined && { limit: options.limit }),
      concurrency: options.concurrency,
      onTotal: report,
    });
  if (options.statuses.length <= 1) return walk(options.statuses[0]);
  const merged = mergeSorted(
    options.statuses.map((s) => walk(s)),
    options.query.sortBy ?? 'created_at',
    options.query.sortOrder ?? 'asc',
  );
  return options.limit === undefined ? merged : take(merged, options.limit);
}

/** Every open task (pending and in progress) matching the query, oldest first. */
export async function collectOpenTasks(
  ctx: Context,
  query: Omit<TaskQuery, 'status'>,
  concurrency: number,
): Promise<Task[]> {
  const tasks: Task[] = [];
  const stream = await listTasks(ctx, {
    statuses: [...OPEN_STATUSES],
    query: { sortBy: 'created_at', sortOrder: 'asc', ...query },
    limit: undefined,
    concurrency,
  });
  for await (const t of stream) tasks.push(t);
  return tasks;
}

/** How many requests walking every open task matching the query takes (two requests to find out). */
export async function openListingCost(ctx: Context, query: Omit<TaskQuery, 'status'>): Promise<number> {
  const [client, { listTasksPage }] = await Promise.all([ctx.api(), import('../../api/tasks.js')]);
  const totals = await Promise.all(
    OPEN_STATUSES.map((status) => listTasksPage(client, { ...query, status }, 1, 1)),
  );
  return totals.reduce((sum, p) => sum + Math.ceil(p.total_count / MAX_PAGE_SIZE), 0);
}

export async function runList(ctx: Context, options: ListOptions): Promise<void> {
  let total = 0;
  const tasks = await listTasks(ctx, options, (n) => (total = n));
  if (options.json) {
    const { printJsonStream } = await import('../../output/json.js');
    await printJsonStream(ctx, tasks, options.fields);
    return;
  }
  if (!ctx.io.stdoutIsTTY) {
    const [{ tsvLine }, { taskTsvValues }] = await Promise.all([
      import('../../output/tsv.js'),
      import('../../output/tasks.js'),
    ]);
    let buffer = '';
    let shown = 0;
    for await (const task of tasks) {
      buffer += tsvLine(taskTsvValues(task));
      shown++;
      if (buffer.length > 16_384) {
        await ctx.out(buffer);
        buffer = '';
      }
    }
    await ctx.out(buffer);
    summarize(ctx, options, shown, total);
    return;
  }
  const rows: Task[] = [];
  // A long walk on a terminal shows its progress on stderr until the table is ready.
  const spinner =
    ctx.showProgress && (options.limit === undefined || options.limit > 100)
      ? (await import('yocto-spinner'))
          .default({ stream: ctx.io.stderr as NodeJS.WriteStream })
          .start('Fetching tasks…')
      : undefined;
  try {
    for await (const task of tasks) {
      rows.push(task);
      if (spinner && rows.length % 100 === 0) {
        spinner.text = `Fetching tasks… ${rows.length.toLocaleString('en-US')}${total ? ` of ${total.toLocaleString('en-US')}` : ''}`;
      }
    }
  } finally {
    spinner?.stop();
  }
  if (rows.length > 0) {
    const [{ renderTable }, { TASK_TABLE_COLUMNS, taskTableRow }, { makeChalk }] = await Promise.all([
      import('../../output/table.js'),
      import('../../output/tasks.js'),
      import('../../output/color.js'),
    ]);
    const c = makeChalk(ctx.color);
    const aliases = await ctx.aliasNames();
    const now = ctx.now();
    await ctx.out(
      renderTable(
        TASK_TABLE_COLUMNS,
        rows.map((t) => taskTableRow(t, c, aliases, now)),
        ctx.io.columns,
        (h) => c.bold(h),
      ),
    );
  }
  summarize(ctx, options, rows.length, total);
}

function summarize(ctx: Context, options: ListOptions, shown: number, total: number): void {
  if (!ctx.io.stderrIsTTY) return;
  const what = `${options.statusLabel}task${total === 1 ? '' : 's'}`;
  if (shown === 0) {
    ctx.err(`No ${options.statusLabel}tasks match.`);
  } else {
    ctx.err(`Showing ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${what}`);
  }
}
