import { Option, type Command } from 'commander';
import { action, type App } from '../../app.js';
import { UsageError } from '../../api/errors.js';
import { TASK_PRIORITIES, TASK_TYPES, type TaskQuery, type TaskStatus } from '../../api/types.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, helpDetails } from '../../help.js';
import { ORDER_CHOICES, SORT_CHOICES, STATUS_CHOICES, WITH_CHOICES } from '../../input/choices.js';
import {
  collect,
  parseChoice,
  parseEnumList,
  parsePositiveInt,
  parseUuid,
  parseWhen,
  parseWith,
} from '../../input/parse.js';
import { addOutputFlags } from '../../output/flags.js';
import { TASK_JSON_FIELDS, type Relation } from '../../output/tasks.js';
import type { Listing } from '../../services/listing.js';

interface ListFlags {
  status: string;
  type?: string[];
  priority?: string[];
  template?: string[];
  assignee?: string;
  unassigned?: boolean;
  updatedAfter?: string;
  sequence?: string;
  createdAfter?: string;
  createdBefore?: string;
  sort?: string;
  order?: string;
  limit: string;
  all?: boolean;
  concurrency: string;
  with?: string[];
}

interface ListOptions {
  listing: Listing;
  /** 'open ', 'pending ', … for the summary line. */
  statusLabel: string;
  time: 'created_at' | 'updated_at';
  with: Relation[];
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
    .option(
      '--template <names>',
      'campaign (sequence template) names or UUIDs (comma-separated or repeated)',
      collect,
    )
    .option('-a, --assignee <user>', 'a user UUID, an alias, me, or none (unassigned)')
    .option('--unassigned', 'only tasks nobody holds (same as -a none; filtered by topo, not the API)')
    .option('--sequence <run-uuid>', 'the tasks of one sequence run')
    .option('--created-after <when>', 'ISO 8601 date or date-time, or an age such as 45m, 12h, 7d, 2w')
    .option('--created-before <when>', 'ISO 8601 date or date-time, or an age such as 45m, 12h, 7d, 2w')
    .option('--updated-after <when>', 'changed since then (lists by update time, newest first); as above')
    .optionsGroup(FLAG_GROUPS.output)
    .option('--sort <field>', 'created (default) or updated')
    .option('--order <order>', 'desc (default: newest first) or asc')
    .option('-L, --limit <n>', 'at most this many tasks', '30')
    .option('--all', 'every matching task (pages of 100)')
    .option('--concurrency <n>', 'pages fetched at once with --all', '4')
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
  (scopes sequences:read and contacts:read); with --all, only with --with.`,
  });
  cmd.action(action(app, async (ctx, flags: ListFlags) => runList(ctx, await parseListFlags(ctx, flags))));
}

/** Turns flags into typed options; every check happens here, before any request. */
async function parseListFlags(ctx: Context, flags: ListFlags): Promise<ListOptions> {
  const status = parseChoice(flags.status, STATUS_CHOICES, '--status');
  const statuses: TaskStatus[] =
    status === 'open'
      ? ['PENDING', 'IN_PROGRESS']
      : status === 'all'
        ? []
        : [status.toUpperCase() as TaskStatus];
  const time =
    parseChoice(flags.sort ?? 'created', SORT_CHOICES, '--sort') === 'updated' ? 'updated_at' : 'created_at';
  const query: Omit<TaskQuery, 'status'> = {
    sortBy: time,
    sortOrder: parseChoice(flags.order ?? 'desc', ORDER_CHOICES, '--order'),
  };
  const now = ctx.now();
  if (flags.type) query.types = parseEnumList(flags.type, TASK_TYPES, '--type');
  if (flags.priority) query.priorities = parseEnumList(flags.priority, TASK_PRIORITIES, '--priority');
  if (flags.sequence) query.sequenceId = parseUuid(flags.sequence, '--sequence');
  if (flags.createdAfter) query.createdAfter = parseWhen(flags.createdAfter, '--created-after', now);
  if (flags.createdBefore) query.createdBefore = parseWhen(flags.createdBefore, '--created-before', now);
  if (query.createdAfter && query.createdBefore && query.createdAfter >= query.createdBefore) {
    throw new UsageError('--created-after must be earlier than --created-before');
  }
  const limit = flags.all ? undefined : parsePositiveInt(flags.limit, '--limit');
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 16);
  const unassigned = Boolean(flags.unassigned) || flags.assignee === 'none';
  if (flags.unassigned && flags.assignee && flags.assignee !== 'none')
    throw new UsageError('--unassigned and --assignee cannot be used together');
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
  if (flags.assignee && !unassigned)
    query.assigneeUserId = await ctx.people.resolve(flags.assignee, '--assignee');
  // Names are looked up last: every local check has passed before this first request.
  if (flags.template) {
    const [client, { resolveTemplates }] = await Promise.all([
      ctx.session.api(),
      import('../../services/templates.js'),
    ]);
    query.templateIds = await resolveTemplates(ctx.session, client, flags.template, now);
  }
  return {
    listing: { statuses, query, limit, concurrency, unassigned, ...(updatedAfter && { updatedAfter }) },
    statusLabel: status === 'all' ? '' : `${status.replace('_', ' ')} `,
    time: updatedAfter ? 'updated_at' : time,
    with: parseWith(flags.with, WITH_CHOICES),
  };
}

async function runList(ctx: Context, o: ListOptions): Promise<void> {
  const { terminal, output } = ctx;
  const [
    client,
    { listTasks, prefetched, filteredLocally },
    { plural },
    { taskListView, whoFrom },
    { withSpinner },
    enrich,
  ] = await Promise.all([
    ctx.session.api(),
    import('../../services/listing.js'),
    import('../../output/format.js'),
    import('../../output/tasks.js'),
    import('../../output/progress.js'),
    import('../../services/enrich.js'),
  ]);
  const relations = enrich.relationsWanted(o.with, output.exporter?.fields);
  // Only the rows shown are looked up: a terminal table of a page, or what --with asks for.
  const small = o.listing.limit !== undefined && o.listing.limit <= PEOPLE_ROWS;
  const people = output.format === 'table' && (small || relations.length > 0);
  const want = new Set<Relation>([...relations, ...(people ? (['contact', 'template'] as const) : [])]);
  const enricher = want.size > 0 ? new enrich.Enricher(client, (m) => terminal.err(m)) : undefined;
  let total = 0;
  const tasks = prefetched(listTasks(client, o.listing, (n) => (total = n)));
  const allowed = enricher ? await enricher.allows() : { sequences: false, contacts: false };
  const view = taskListView({
    who: whoFrom(await ctx.people.names()),
    now: ctx.now(),
    chalk: output.chalk(),
    with: relations,
    people: people && allowed.sequences,
    time: o.time,
    hideAssignee: o.listing.query.assigneeUserId !== undefined || Boolean(o.listing.unassigned),
  });
  const rows = enrich.relatedRows(tasks, enricher, want, small ? o.listing.limit! : 100);
  // A long walk on a terminal shows its progress on stderr until the table starts.
  const long = o.listing.limit === undefined || o.listing.limit > 100;
  const shown = await output.list(
    output.format === 'table' && long && terminal.showProgress
      ? withSpinner(terminal, rows, 'Fetching tasks…', () => total)
      : rows,
    view,
  );
  if (!terminal.stderrIsTTY) return;
  const what = `${o.listing.unassigned ? 'unassigned ' : ''}${o.statusLabel}task`;
  if (shown === 0) terminal.err(`No ${what}s match.`);
  // Filtered here, the API's total counts tasks that did not pass: only what was shown is known.
  else if (filteredLocally(o.listing)) terminal.err(`Showing ${plural(shown, what)}`);
  else terminal.err(`Showing ${shown.toLocaleString('en-US')} of ${plural(total, what)}`);
}
