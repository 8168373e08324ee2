import { Option, type Command } from 'commander';
import { UsageError } from '../api/errors.js';
import { TASK_PRIORITIES, TASK_TYPES, type TaskQuery, type TaskStatus } from '../api/types.js';
import { STATUS_CHOICES } from './choices.js';
import { collect, parseChoice, parseEnumList, parseUuid, parseWhen } from './parse.js';

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
      'call, email_reply, linkedin_reply, new_lead_review, todo, playbook_approval (comma-separated or repeated)',
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

/** Checks the filters without a request; `lookups` then resolves people and campaign names. */
export function parseFilters(flags: FilterFlags, now: number): Filters {
  const status = parseChoice(flags.status, STATUS_CHOICES, '--status');
  const statuses: TaskStatus[] =
    status === 'open'
      ? ['PENDING', 'IN_PROGRESS']
      : status === 'all'
        ? []
        : [status.toUpperCase() as TaskStatus];
  const query: Omit<TaskQuery, 'status'> = {};
  if (flags.type) query.types = parseEnumList(flags.type, TASK_TYPES, '--type');
  if (flags.priority) query.priorities = parseEnumList(flags.priority, TASK_PRIORITIES, '--priority');
  if (flags.sequence) query.sequenceId = parseUuid(flags.sequence, '--sequence');
  if (flags.createdAfter) query.createdAfter = parseWhen(flags.createdAfter, '--created-after', now);
  if (flags.createdBefore) query.createdBefore = parseWhen(flags.createdBefore, '--created-before', now);
  if (query.createdAfter && query.createdBefore && query.createdAfter >= query.createdBefore) {
    throw new UsageError('--created-after must be earlier than --created-before');
  }
  const unassigned = Boolean(flags.unassigned) || flags.assignee === 'none';
  if (flags.unassigned && flags.assignee && flags.assignee !== 'none')
    throw new UsageError('--unassigned and --assignee cannot be used together');
  return {
    statuses,
    statusLabel: status === 'all' ? '' : `${status.replace('_', ' ')} `,
    query,
    unassigned,
  };
}
