import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { TASK_PRIORITIES, TASK_TYPES, type TaskQuery, type TaskStatus } from '../api/types.js';
import { STATUS_CHOICES } from './choices.js';
import { collect, isNobody, parseChoice, parseEnumList, parseTypes, parseUuid, parseWhen } from './parse.js';

/** The filters of `tasks list`, shared by the commands that take them (`tasks watch`). */

export interface FilterFlags {
  status: string;
  type?: string[];
  priority?: string[];
  template?: string[];
  assignee?: string;
  unassigned?: boolean;
  sequence?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface Filters {
  /** Statuses to list, one API listing each; empty = every status. */
  statuses: TaskStatus[];
  /** 'open ', 'pending ', … for summary lines. */
  statusLabel: string;
  query: Omit<TaskQuery, 'status'>;
  /** Tasks nobody holds (filtered by topo: the API has no such filter). */
  unassigned: boolean;
}

export function addFilterFlags(cmd: Command, group: string): Command {
  return cmd
    .optionsGroup(group)
    .addOption(
      new Option('-s, --status <status>', 'open, pending, in_progress, completed, skipped or all').default(
        'open',
      ),
    )
    .option(
      '-t, --type <types>',
      'call, email_reply, linkedin_reply, new_lead_review, todo, playbook_approval (comma-separated or repeated); a type topo does not know yet in capitals',
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
    .option('--created-before <when>', 'ISO 8601 date or date-time, or an age such as 45m, 12h, 7d, 2w');
}

/** The flags that pick a subset of tasks, whatever their status and holder (`tasks list`, `reassign --from`). */
export type SubsetFlags = Pick<
  FilterFlags,
  'type' | 'priority' | 'sequence' | 'createdAfter' | 'createdBefore'
>;

/** Types, priorities, a run and creation bounds, checked without a request. */
export function parseSubset(
  flags: SubsetFlags,
  now: number,
  warn: (message: string) => void,
): Omit<TaskQuery, 'status'> {
  const query: Omit<TaskQuery, 'status'> = {};
  if (flags.type) query.types = parseTypes(flags.type, TASK_TYPES, '--type', warn);
  if (flags.priority) query.priorities = parseEnumList(flags.priority, TASK_PRIORITIES, '--priority');
  if (flags.sequence) query.sequenceId = parseUuid(flags.sequence, '--sequence');
  if (flags.createdAfter) query.createdAfter = parseWhen(flags.createdAfter, '--created-after', now);
  if (flags.createdBefore) query.createdBefore = parseWhen(flags.createdBefore, '--created-before', now);
  if (query.createdAfter && query.createdBefore && query.createdAfter >= query.createdBefore) {
    throw new UsageError('--created-after must be earlier than --created-before');
  }
  return query;
}

/** `-a none` (or --unassigned): the tasks nobody holds, which the API cannot filter on. */
export function asksUnassigned(flags: Pick<FilterFlags, 'assignee' | 'unassigned'>): boolean {
  const none = isNobody(flags.assignee);
  if (flags.unassigned && flags.assignee && !none)
    throw new UsageError('--unassigned and --assignee cannot be used together');
  return Boolean(flags.unassigned) || none;
}

/** Checks the filters without a request; `resolveFilterNames` then resolves people and campaign names. */
export function parseFilters(flags: FilterFlags, now: number, warn: (message: string) => void): Filters {
  // An empty name (a shell variable not set: -a "$REP") would list everybody's tasks: refused.
  if (flags.assignee !== undefined && flags.assignee.trim() === '')
    throw new UsageError("--assignee: an empty name (a variable not set?); give a person, 'me' or 'none'");
  const status = parseChoice(flags.status, STATUS_CHOICES, '--status');
  const statuses: TaskStatus[] =
    status === 'open'
      ? ['PENDING', 'IN_PROGRESS']
      : status === 'all'
        ? []
        : [status.toUpperCase() as TaskStatus];
  const query = parseSubset(flags, now, warn);
  return {
    statuses,
    statusLabel: status === 'all' ? '' : `${status.replace('_', ' ')} `,
    query,
    unassigned: asksUnassigned(flags),
  };
}

/** How names typed in flags become ids: people by UUID, alias or me; campaigns by name or UUID. */
export interface NameLookups {
  person(value: string, flag: string): Promise<string>;
  templates(values: readonly string[]): Promise<string[]>;
}

/** People and campaign names, resolved last: every local check has passed before the first request. */
export async function resolveFilterNames(
  lookups: NameLookups,
  flags: Pick<FilterFlags, 'assignee' | 'template'>,
  filters: { query: Omit<TaskQuery, 'status'>; unassigned?: boolean },
): Promise<void> {
  if (flags.assignee && !filters.unassigned)
    filters.query.assigneeUserId = await lookups.person(flags.assignee, '--assignee');
  if (flags.template) filters.query.templateIds = await lookups.templates(flags.template);
}
