import type { ChalkInstance } from 'chalk';
import type { Task } from '../api/types.js';
import { enumLabel, relativeTime, typeLabel } from './format.js';
import { safeText, tsvField } from '../basics/text.js';
import { NO_LINKS, type Links } from './links.js';
import { displayWidth, padEnd } from './width.js';
import { hanging } from './thread.js';
import {
  WITH_TSV_FIELDS,
  contactName,
  priorityStyle,
  runStatusLabel,
  statusStyle,
  withValue,
  templateLabel,
} from './tasks.js';
import { type Related, type Relation } from '../domain/task.js';

/** One task, every field: labelled on a terminal, `field<TAB>value` lines when piped. */

const LABELS: Record<string, string> = {
  id: 'ID',
  type: 'Type',
  priority: 'Priority',
  status: 'Status',
  assignee_user_id: 'Assignee',
  sequence_id: 'Sequence run',
  disposition: 'Disposition',
  reopened_at: 'Reopened',
  reopen_reason: 'Reopen reason',
  skipped_at: 'Skipped',
  completed_at: 'Completed',
  created_at: 'Created',
  updated_at: 'Updated',
  organization_id: 'Workspace',
};

const TIME_FIELDS = new Set(['reopened_at', 'skipped_at', 'completed_at', 'created_at', 'updated_at']);

export interface ShowView {
  tty: boolean;
  chalk: ChalkInstance;
  names: Map<string, string>;
  now: number;
  /** The run, contact and campaign, when looked up. */
  related?: Related;
  /** Piped: the relations asked for with --with, appended as `field<TAB>value` lines. */
  with?: readonly Relation[];
  /** On a terminal that shows them: the email, phone and LinkedIn URL as links. */
  links?: Links;
  /** The terminal's width: a value wider than the room beside its label wraps under itself. */
  width?: number;
}

/** The fields a person reads first; the rest follow the contact and campaign. */
const HEAD = ['id', 'type', 'priority', 'status', 'assignee_user_id'];

/** The known fields in a fixed order, then any field the API added, as received. */
function fieldOrder(task: Task): string[] {
  return [...Object.keys(LABELS), ...Object.keys(task).filter((k) => !(k in LABELS))];
}

export function renderTaskFields(task: Task, view: ShowView): string {
  const order = fieldOrder(task);
  if (!view.tty) {
    const lines = order.map((k) => `${tsvField(k)}\t${tsvField(task[k])}\n`);
    // The same names and values as the extra columns of a piped listing.
    const row = { task, related: view.related ?? {} };
    for (const relation of view.with ?? [])
      for (const name of WITH_TSV_FIELDS[relation])
        lines.push(`${name}\t${tsvField(withValue(row, name))}\n`);
    return lines.join('');
  }
  const c = view.chalk;
  const value = (key: string): string => {
    const raw = task[key];
    if (key === 'assignee_user_id' && raw === null) return c.dim('unassigned');
    if (raw === null || raw === undefined) return c.dim('—');
    // The age stays whole when the line wraps: `(5h ago)` never splits.
    if (TIME_FIELDS.has(key))
      return `${safeText(raw)} ${c.dim(`(${relativeTime(String(raw), view.now).replace(/ /g, '\u00a0')})`)}`;
    if (key === 'priority') return priorityStyle(c, String(raw))(safeText(raw));
    if (key === 'status') return statusStyle(c, String(raw))(enumLabel(raw));
    if (key === 'type') return typeLabel(raw);
    if (key === 'disposition' || key === 'reopen_reason') return enumLabel(raw);
    if (key === 'assignee_user_id') {
      const alias = view.names.get(String(raw));
      return alias ? `${safeText(alias)} ${c.dim(`(${safeText(raw)})`)}` : safeText(raw);
    }
    return safeText(raw);
  };
  const row = (k: string): [string, string] => [LABELS[k] ?? safeText(k), value(k)];
  const blocks = [
    order.filter((k) => HEAD.includes(k)).map(row),
    ...relatedBlocks(task, view),
    order.filter((k) => !HEAD.includes(k)).map(row),
  ];
  return labelled(
    blocks.filter((b) => b.length > 0),
    c,
    view.width,
  );
}

/** The contact, then the campaign and the run, in words. */
function relatedBlocks(task: Task, view: ShowView): [string, string][][] {
  const r = view.related;
  if (!r) return [];
  const c = view.chalk;
  const link = view.links ?? NO_LINKS;
  const blocks: [string, string][][] = [];
  if (r.contact === null) blocks.push([['Contact', c.dim('contact deleted')]]);
  else if (r.contact) {
    const p = r.contact;
    const company = p.company_name
      ? `${safeText(p.company_name)}${p.company_domain ? c.dim(` (${safeText(p.company_domain)})`) : ''}`
      : null;
    const place = [p.city, p.state, p.country]
      .filter(Boolean)
      .map((v) => safeText(v))
      .join(', ');
    const lines: [string, string | null][] = [
      ['Contact', c.bold(contactName(p))],
      ['Title', p.job_title ? safeText(p.job_title) : null],
      ['Company', company],
      ['Email', p.email ? link.email(safeText(p.email), p.email) : null],
      ['Phone', p.phone_number ? link.phone(safeText(p.phone_number), p.phone_number) : null],
      ['LinkedIn', p.linkedin_url ? link.web(safeText(p.linkedin_url), p.linkedin_url) : null],
      ['Location', place || null],
    ];
    blocks.push(lines.filter((l): l is [string, string] => l[1] !== null));
  }
  const more: [string, string][] = [];
  if (r.template)
    more.push(['Campaign', `${templateLabel(r.template)} ${c.dim(`(${enumLabel(r.template.status)})`)}`]);
  if (r.run) more.push(['Run status', runStatusLabel(String(r.run.status))]);
  if (more.length) blocks.push(more);
  return blocks;
}

/** Blocks of `Label   value` lines, aligned across blocks, a blank line between them. */
export function labelled(blocks: [string, string][][], c: ChalkInstance, columns = Infinity): string {
  const width = Math.max(0, ...blocks.flat().map(([label]) => displayWidth(label)));
  // Wrapped between words, hanging under the value; a word wider than the room (a UUID, a URL) is never cut.
  const line = ([label, value]: [string, string]) =>
    hanging(`${c.bold(padEnd(label, width))}  `, value, columns, ' '.repeat(width + 2), false);
  return `${blocks.map((rows) => rows.map(line).join('\n')).join('\n\n')}\n`;
}
