import type { ChalkInstance } from 'chalk';
import type { Task } from '../api/types.js';
import { enumLabel, relativeTime, safeText, shortId } from './format.js';
import type { Column } from './table.js';

/** How tasks look: the table columns on a TTY, the TSV columns when piped. */

export const TASK_TSV_FIELDS = [
  'id',
  'type',
  'priority',
  'status',
  'assignee_user_id',
  'sequence_id',
  'created_at',
  'updated_at',
] as const;

export const TASK_TABLE_COLUMNS: Column[] = [
  { header: 'ID' },
  { header: 'TYPE', shrink: 3, minWidth: 8 },
  { header: 'PRIORITY' },
  { header: 'STATUS', shrink: 4, minWidth: 8 },
  { header: 'ASSIGNEE', shrink: 1, minWidth: 9 },
  { header: 'SEQUENCE RUN', shrink: 0, minWidth: 9, drop: 0 },
  { header: 'CREATED', shrink: 2, minWidth: 7, drop: 1 },
];

export function priorityStyle(c: ChalkInstance, priority: string): (s: string) => string {
  if (priority === 'HOT') return (s) => c.red.bold(s);
  if (priority === 'TODAY') return (s) => c.yellow(s);
  return (s) => c.dim(s);
}

export function statusStyle(c: ChalkInstance, status: string): (s: string) => string {
  if (status === 'IN_PROGRESS') return (s) => c.cyan(s);
  if (status === 'COMPLETED') return (s) => c.green(s);
  if (status === 'SKIPPED') return (s) => c.dim(s);
  return (s) => s;
}

export function assigneeLabel(id: string | null, aliases: Map<string, string>): string {
  if (!id) return 'unassigned';
  return aliases.get(id) ?? id;
}

/** A task in one line of a report: `7f3e9c2a… CALL HOT`. */
export function taskLabel(task: Task): string {
  return `${shortId(task.id)} ${safeText(task.type)} ${safeText(task.priority)}`;
}

export function taskTableRow(
  task: Task,
  c: ChalkInstance,
  aliases: Map<string, string>,
  now: number,
): { plain: string[]; styled: string[] } {
  const priority = safeText(task.priority);
  const status = enumLabel(task.status);
  const assignee = safeText(assigneeLabel(task.assignee_user_id, aliases));
  const plain = [
    safeText(task.id),
    enumLabel(task.type),
    priority,
    status,
    assignee,
    safeText(task.sequence_id),
    relativeTime(task.created_at, now),
  ];
  const styled = [
    plain[0]!,
    plain[1]!,
    priorityStyle(c, String(task.priority))(priority),
    statusStyle(c, String(task.status))(status),
    task.assignee_user_id ? assignee : c.dim(assignee),
    c.dim(plain[5]!),
    c.dim(plain[6]!),
  ];
  return { plain, styled };
}

export function taskTsvValues(task: Task): unknown[] {
  return TASK_TSV_FIELDS.map((f) => task[f]);
}
