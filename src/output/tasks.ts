import type { ChalkInstance } from 'chalk';
import { TASK_FIELDS, type Contact, type SequenceTemplate, type Task } from '../api/types.js';
import { enumLabel, relativeTime, shortId, typeLabel } from './format.js';
import { safeText } from '../basics/text.js';
import type { Related, Relation, TaskRow, Who } from '../domain/task.js';
import { NO_LINKS, type Links } from './links.js';
import type { FieldColumn, ListView } from './printer.js';
import type { FitStep, TableColumn } from './table.js';

/** How tasks look: the terminal table, the TSV/CSV columns, the JSON record. */

/** The JSON fields of a task: the API's, and the related objects `--with` (or naming them) adds. */
export const TASK_JSON_FIELDS = [...TASK_FIELDS, 'contact', 'sequence_template', 'sequence_run'] as const;

/** The stable TSV/CSV columns of a task; `--with` appends its columns after these, in this order. */
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

export const WITH_TSV_FIELDS: Record<Relation, readonly string[]> = {
  contact: ['contact_name', 'company_name', 'contact_email', 'contact_phone'],
  template: ['template_name'],
  run: ['run_status'],
};

/** The JSON keys `--with` adds to a task. */
export const WITH_JSON_KEYS: Record<Relation, string> = {
  contact: 'contact',
  template: 'sequence_template',
  run: 'sequence_run',
};

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

/** A task in one line of a report, its whole ID to copy: `7f3e9c2a-1b4d-4c8e-9f60-0a1b2c3d4e5f CALL HOT`. */
export function taskLabel(task: Task): string {
  return `${safeText(task.id)} ${safeText(task.type)} ${safeText(task.priority)}`;
}

/** "Ada Lovelace", or the email when the name is missing. */
export function contactName(contact: Contact): string {
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
  return safeText(name || contact.email || contact.id);
}

/** A contact's name in a message's header, linked to answer them on its channel: LinkedIn, or else email. */
export function contactLink(contact: Contact, links: Links): (name: string, channel: string) => string {
  return (name, channel) =>
    channel === 'LINKEDIN' ? links.web(name, contact.linkedin_url) : links.email(name, contact.email);
}

/** "Ada Lovelace · Acme Corp", "contact deleted", or '' when not looked up. */
export function contactLabel(related: Related | undefined): string {
  if (!related || related.contact === undefined) return '';
  if (related.contact === null) return 'contact deleted';
  const company = related.contact.company_name;
  return company ? `${contactName(related.contact)} · ${safeText(company)}` : contactName(related.contact);
}

export function templateLabel(template: SequenceTemplate | null | undefined): string {
  if (!template) return '';
  return template.name === null ? `(unnamed ${shortId(template.id)})` : safeText(template.name);
}

/** How a run's status reads to a person. */
export function runStatusLabel(status: string): string {
  const words: Record<string, string> = {
    WAITING_FOR_USER: 'waiting for this task',
    WAITING_FOR_LEAD: 'waiting for the contact',
    ACTIVE: 'active',
    SUCCEEDED: 'succeeded',
    FAILED: 'failed',
    STOPPED_EARLY: 'stopped early',
    COMPLETED: 'completed',
    FOUND: 'found',
    REFUSED: 'refused',
  };
  return words[status] ?? enumLabel(status);
}

export interface TaskViewOptions {
  who: Who;
  now: number;
  chalk: ChalkInstance;
  /** The relations asked for with --with (appended TSV/CSV columns, nested JSON objects). */
  with: readonly Relation[];
  /** Show CONTACT and CAMPAIGN instead of SEQUENCE RUN (when the key allows the lookups). */
  people: boolean;
  /** The time column: CREATED, or UPDATED when sorted by update time. */
  time: 'created_at' | 'updated_at';
  /** Leave out ASSIGNEE (a listing of one person's tasks says whose they are once). */
  hideAssignee?: boolean;
  /** On a terminal that shows them: CONTACT links to call the contact (or email them, or their LinkedIn). */
  links?: Links;
}

export function taskListView(o: TaskViewOptions): ListView<TaskRow> {
  const c = o.chalk;
  const links = o.links ?? NO_LINKS;
  const fields: FieldColumn<TaskRow>[] = TASK_TSV_FIELDS.map((name) => ({
    name,
    value: (r: TaskRow) => r.task[name],
  }));
  for (const relation of o.with) {
    for (const name of WITH_TSV_FIELDS[relation]) fields.push({ name, value: (r) => withValue(r, name) });
  }
  const columns: TableColumn<TaskRow>[] = [
    { header: 'ID', cell: (r) => safeText(r.task.id), cut: 'middle' },
    { header: 'TYPE', cell: (r) => typeLabel(r.task.type) },
    {
      header: 'PRIORITY',
      cell: (r) => safeText(r.task.priority),
      style: (r, s) => priorityStyle(c, String(r.task.priority))(s),
    },
    {
      header: 'STATUS',
      cell: (r) => enumLabel(r.task.status),
      style: (r, s) => statusStyle(c, String(r.task.status))(s),
    },
    ...(o.hideAssignee
      ? []
      : [
          {
            header: 'ASSIGNEE',
            cell: (r: TaskRow) => o.who(r.task.assignee_user_id),
            style: (r: TaskRow, s: string) => (r.task.assignee_user_id ? s : c.dim(s)),
            cut: 'person' as const,
          },
        ]),
    ...(o.people
      ? [
          {
            header: 'CONTACT',
            cell: (r: TaskRow) => contactLabel(r.related),
            style: (r: TaskRow, s: string) =>
              r.related?.contact ? links.contact(s, r.related.contact) : c.dim(s),
          },
          { header: 'CAMPAIGN', cell: (r: TaskRow) => templateLabel(r.related?.template) },
        ]
      : [
          {
            header: 'SEQUENCE RUN',
            cell: (r: TaskRow) => safeText(r.task.sequence_id),
            style: (_r: TaskRow, s: string) => c.dim(s),
            cut: 'middle' as const,
          },
        ]),
    {
      header: o.time === 'updated_at' ? 'UPDATED' : 'CREATED',
      cell: (r) => relativeTime(r.task[o.time], o.now),
      style: (_r, s) => c.dim(s),
    },
  ];
  return {
    fields,
    table: { columns, fit: TASK_TABLE_FIT },
    json: (r) => taskJson(r, o.with),
  };
}

/**
 * Who gives way first on a narrow terminal: the run's UUID, the campaign, the contact, the assignee and the
 * PRIORITY header (its values are at most 5 wide), so that the ID stays whole, and copyable, down to 100
 * columns; below that the ID is cut in the middle. TYPE, STATUS and the age stay whole down to 80 columns
 * ('playbook approval', the one type wider than 'new lead review', is cut to as wide once the campaign and
 * the contact have given way a first time).
 */
export const TASK_TABLE_FIT: readonly FitStep[] = [
  { column: 'SEQUENCE RUN', shrink: 13 },
  { column: 'SEQUENCE RUN', drop: true },
  { column: 'CAMPAIGN', shrink: 14 },
  { column: 'CONTACT', shrink: 22 },
  // The one type wider than 'new lead review' gives way next ('playbook appro…'): below, tables lay out as
  // they do without it.
  { column: 'TYPE', shrink: 15 },
  { column: 'CAMPAIGN', shrink: 10 },
  { column: 'CONTACT', shrink: 16 },
  { column: 'ASSIGNEE', shrink: 8 },
  { column: 'CONTACT', shrink: 12 },
  { column: 'CAMPAIGN', drop: true },
  { column: 'CONTACT', shrink: 8 },
  { column: 'ASSIGNEE', shrink: 6 },
  { column: 'PRIORITY', shrink: 5 },
  { column: 'CONTACT', shrink: 6 },
  { column: 'ID', shrink: 13 },
  { column: 'TYPE', shrink: 9 },
  { column: 'ID', shrink: 9 },
  { column: 'TYPE', shrink: 8 },
  { column: 'STATUS', shrink: 7 },
  // A priority is cut last of all, after an assignee's name (a watch's widths, fixed before its first row, assume
  // a UUID there).
  { column: 'ASSIGNEE', shrink: 5 },
  { column: 'PRIORITY', shrink: 4 },
];

/** The task as the API sent it, plus the related objects asked for, exactly as the API sent them. */
export function taskJson(row: TaskRow, relations: readonly Relation[]): Record<string, unknown> {
  if (relations.length === 0) return row.task;
  const out: Record<string, unknown> = { ...row.task };
  for (const relation of relations) out[WITH_JSON_KEYS[relation]] = row.related?.[relation] ?? null;
  return out;
}

/** The value of a `--with` column (contact_name, template_name, …) for a task and what was looked up. */
export function withValue(row: TaskRow, name: string): unknown {
  const r = row.related;
  const contact = r?.contact ?? undefined;
  switch (name) {
    case 'contact_name':
      return contact ? [contact.first_name, contact.last_name].filter(Boolean).join(' ') : '';
    case 'company_name':
      return contact?.company_name ?? '';
    case 'contact_email':
      return contact?.email ?? '';
    case 'contact_phone':
      return contact?.phone_number ?? '';
    case 'template_name':
      return r?.template?.name ?? '';
    case 'run_status':
      return r?.run?.status ?? '';
    default:
      return '';
  }
}
