import type { Command } from 'commander';
import { whoFrom } from '../../domain/task.js';
import { action, type App } from '../../app.js';
import { InterruptedError, UsageError, type Signal } from '../../errors.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, helpDetails } from '../../help.js';
import { ORDER_CHOICES, SORT_CHOICES, WITH_CHOICES } from '../../input/choices.js';
import { addFilterFlags, parseFilters, resolveFilterNames, type FilterFlags } from '../../input/filters.js';
import { collect, parseChoice, parsePositiveInt, parseWhen, parseWith } from '../../input/parse.js';
import { addOutputFlags } from '../../output/flags.js';
import { TASK_JSON_FIELDS } from '../../output/tasks.js';
import { type Relation, type TaskRow } from '../../domain/task.js';
import type { Listing } from '../../services/listing.js';

interface ListFlags extends FilterFlags {
  updatedAfter?: string;
  sort?: string;
  order?: string;
  limit: string;
  all?: boolean;
  concurrency: string;
  with?: string[];
  select?: boolean;
}

interface ListOptions {
  listing: Listing;
  /** 'open ', 'pending ', … for the summary line. */
  statusLabel: string;
  time: 'created_at' | 'updated_at';
  with: Relation[];
  /** Tick tasks on the terminal and act on them. */
  select: boolean;
}

/** A terminal table looks up contacts and campaigns by itself for at most this many rows. */
const PEOPLE_ROWS = 100;

export function registerList(tasks: Command, app: App): void {
  const cmd = tasks
    .command('list')
    .alias('ls')
    .summary('list tasks: a queue, a rep’s, a sequence run’s')
    .description(
      'Lists tasks, newest first. By default the open ones (pending and in progress), 30 at most; --all fetches every match.',
    );
  addFilterFlags(cmd, FLAG_GROUPS.filters)
    .option('--updated-after <when>', 'changed since then (lists by update time, newest first); as above')
    .optionsGroup(FLAG_GROUPS.output)
    .option('--sort <field>', 'created (default) or updated')
    .option('--order <order>', 'desc (default: newest first) or asc')
    .option('-L, --limit <n>', 'at most this many tasks', '30')
    .option('--all', 'every matching task, in pages of 100 (not with -L)')
    .option('--concurrency <n>', 'pages fetched at once with --all (at most 16)', '4')
    .option('--select', 'on a terminal: tick tasks in the list, then skip, reopen or reassign them')
    .option(
      '--with <relations>',
      'add the related contact, template (campaign) and run: nested in JSON, extra columns in TSV/CSV',
      collect,
    );
  addOutputFlags(cmd, { fields: TASK_JSON_FIELDS, csv: true });
  helpDetails(cmd, {
    examples: [
      'topo tasks list                                  # open tasks, newest first',
      'topo tasks list -a me -p hot                     # what is hot for me',
      'topo tasks list -a bob --status all --all        # everything bob ever had',
      'topo tasks list -t call,email_reply --created-after 7d',
      'topo tasks list --all --json --query "[?priority==\'HOT\'].id" -r',
      'topo tasks list -a me --csv > my-tasks.csv',
    ],
    notes: `Output:
  On a terminal, a table; piped, tab-separated columns without a header:
    id, type, priority, status, assignee_user_id, sequence_id, created_at, updated_at
  --with contact,template,run appends, in this order:
    contact_name, company_name, contact_email, contact_phone / template_name / run_status
  --csv, the same columns with a header row; --json, one array of task objects (with --with,
  each gains contact, sequence_template and sequence_run as the API returned them).
  On a terminal, CONTACT and CAMPAIGN replace SEQUENCE RUN when the key may read them
  (scopes sequences:read and contacts:read); with --all, when it is one page of 100 at most, or with --with.`,
  });
  cmd.action(
    action(app, async (ctx, flags: ListFlags, command: Command) =>
      runList(ctx, await parseListFlags(ctx, flags, command.getOptionValueSource('limit') === 'cli')),
    ),
  );
}

/** Turns flags into typed options; every check happens here, before any request. */
async function parseListFlags(ctx: Context, flags: ListFlags, limitGiven: boolean): Promise<ListOptions> {
  if (flags.select) {
    if (!ctx.terminal.canPrompt)
      throw new UsageError(
        '--select needs a terminal to pick tasks in; pipe the IDs instead (… | topo tasks skip -)',
      );
    if (ctx.output.format !== 'table')
      throw new UsageError('--select shows a list to pick from: not with --json or --csv');
  }
  const now = ctx.now();
  const filters = parseFilters(flags, now, (m) => ctx.terminal.warn(m));
  const time =
    parseChoice(flags.sort ?? 'created', SORT_CHOICES, '--sort') === 'updated' ? 'updated_at' : 'created_at';
  const query = filters.query;
  query.sortBy = time;
  query.sortOrder = parseChoice(flags.order ?? 'desc', ORDER_CHOICES, '--order');
  const limit = parsePositiveInt(flags.limit, '--limit');
  if (flags.all && limitGiven)
    throw new UsageError(`--all fetches every match and --limit stops at ${limit}: give one of them`);
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 16);
  let updatedAfter: string | undefined;
  if (flags.updatedAfter) {
    updatedAfter = parseWhen(flags.updatedAfter, '--updated-after', now);
    // The walk stops at the bound, so it must run newest-updated first.
    if (time !== 'updated_at' && flags.sort !== undefined)
      throw new UsageError('--updated-after lists by update time, newest first: leave out --sort created');
    if (query.sortOrder === 'asc')
      throw new UsageError('--updated-after lists by update time, newest first: leave out --order asc');
    query.sortBy = 'updated_at';
    query.sortOrder = 'desc';
  }
  await resolveFilterNames(ctx.lookups(), flags, filters);
  return {
    listing: {
      statuses: filters.statuses,
      query,
      limit: flags.all ? undefined : limit,
      concurrency,
      unassigned: filters.unassigned,
      ...(updatedAfter && { updatedAfter }),
    },
    statusLabel: filters.statusLabel,
    time: updatedAfter ? 'updated_at' : time,
    with: parseWith(flags.with, WITH_CHOICES),
    select: Boolean(flags.select),
  };
}

async function runList(ctx: Context, o: ListOptions): Promise<void> {
  const { terminal, output } = ctx;
  const [
    client,
    { listTasks, prefetched, filteredLocally },
    { count, plural },
    { taskListView },
    { withSpinner },
    enrich,
  ] = await Promise.all([
    ctx.session.api(),
    import('../../services/listing.js'),
    import('../../basics/text.js'),
    import('../../output/tasks.js'),
    import('../../output/progress.js'),
    import('../../services/enrich.js'),
  ]);
  const relations = enrich.relationsWanted(o.with, output.exporter?.named());
  let total = 0;
  const tasks = prefetched(listTasks(client, o.listing, (n) => (total = n)));
  // Only the rows shown are looked up: a terminal table of a page (-L, or a walk whose total turns out to fit
  // one), or what --with asks for.
  let small = o.listing.limit !== undefined && o.listing.limit <= PEOPLE_ROWS;
  if (!small && output.format === 'table' && relations.length === 0) {
    await tasks.started;
    small = total <= PEOPLE_ROWS;
  }
  const people = output.format === 'table' && (small || relations.length > 0);
  const want = new Set<Relation>([...relations, ...(people ? (['contact', 'template'] as const) : [])]);
  const enricher = want.size > 0 ? new enrich.Enricher(client, (n) => ctx.noteEnrichment(n)) : undefined;
  const allowed = enricher ? await enricher.allows() : { sequences: false, contacts: false };
  const view = taskListView({
    who: whoFrom(await ctx.people.names()),
    now: ctx.now(),
    chalk: output.chalk(),
    with: relations,
    people: people && allowed.sequences,
    time: o.time,
    hideAssignee: o.listing.query.assigneeUserId !== undefined || Boolean(o.listing.unassigned),
    links: await output.links(),
  });
  const handed = { rows: 0 };
  const rows = enrich.relatedRows(
    tasks,
    enricher,
    want,
    Math.min(o.listing.limit ?? PEOPLE_ROWS, PEOPLE_ROWS),
    handed,
  );
  if (o.select) {
    const picked: TaskRow[] = [];
    for await (const row of rows) picked.push(row);
    const { pickAndAct } = await import('../../flows/select.js');
    await pickAndAct(ctx, picked);
    return;
  }
  // A long walk on a terminal shows its progress on stderr until the table starts.
  const long = o.listing.limit === undefined || o.listing.limit > 100;
  // Ctrl-C or SIGTERM ends the walk at once, saying how far it got: an export cut short never looks whole.
  let stop: (signal: Signal) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    // Before the first row nothing was written: it ends quietly.
    stop = (signal) =>
      reject(
        new InterruptedError(
          handed.rows > 0
            ? `interrupted: the listing stopped after ${count(handed.rows)} of ${plural(total, 'task')}: the output is incomplete`
            : '',
          signal,
        ),
      );
  });
  stopped.catch(() => undefined);
  const dispose = terminal.onInterrupt((signal) => {
    client.abandon();
    stop(signal);
  });
  let shown: number;
  try {
    const walk = untilStopped(rows, stopped);
    shown = await output.list(
      output.format === 'table' && long && terminal.showProgress
        ? withSpinner(terminal, walk, 'Fetching tasks…', () => total)
        : walk,
      view,
    );
  } catch (error) {
    // Rows already out stay out (the output streams; a JSON array is left open: no parser takes it for the list).
    if (handed.rows > 0 && error instanceof Error && !(error instanceof InterruptedError))
      error.message = `${error.message.split('\n')[0]}; the listing stopped after ${count(handed.rows)} of ${plural(total, 'task')}: the output is incomplete`;
    throw error;
  } finally {
    dispose();
  }
  if (!terminal.stderrIsTTY) return;
  const what = `${o.listing.unassigned ? 'unassigned ' : ''}${o.statusLabel}task`;
  if (shown === 0) terminal.err(`No ${what}s match.`);
  // Filtered here, the API's total counts tasks that did not pass: only what was shown is known.
  else if (filteredLocally(o.listing)) terminal.err(`Showing ${plural(shown, what)}`);
  else terminal.err(`Showing ${count(shown)} of ${plural(total, what)}`);
}

/** The rows until a stop: the next row raced against it, so a stop ends a walk waiting on a page at once. */
async function* untilStopped<T>(rows: AsyncIterable<T>, stopped: Promise<never>): AsyncGenerator<T> {
  const it = rows[Symbol.asyncIterator]();
  for (;;) {
    const next = it.next();
    next.catch(() => undefined);
    const r = await Promise.race([next, stopped]);
    if (r.done) return;
    yield r.value;
  }
}
