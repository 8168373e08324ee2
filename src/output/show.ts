import type { ChalkInstance } from 'chalk';
import type { Task } from '../api/types.js';
import { displayWidth, enumLabel, padEnd, relativeTime, safeText } from './format.js';
import { priorityStyle, statusStyle } from './tasks.js';

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
}

/** The known fields in a fixed order, then any field the API added, as received. */
function fieldOrder(task: Task): string[] {
  return [...Object.keys(LABELS), ...Object.keys(task).filter((k) => !(k in LABELS))];
}

export function renderTaskFields(task: Task, view: ShowView): string {
  const order = fieldOrder(task);
  if (!view.tty) return order.map((k) => `${safeText(k)}\t${safeText(task[k])}\n`).join('');
  const c = view.chalk;
  const value = (key: string): string => {
    const raw = task[key];
    if (key === 'assignee_user_id' && raw === null) return c.dim('unassigned');
    if (raw === null || raw === undefined) return c.dim('—');
    if (TIME_FIELDS.has(key)) return `${safeText(raw)} ${c.dim(`(${relativeTime(String(raw), view.now)})`)}`;
    if (key === 'priority') return priorityStyle(c, String(raw))(safeText(raw));
    if (key === 'status') return statusStyle(c, String(raw))(enumLabel(raw));
    if (key === 'type' || key === 'disposition' || key === 'reopen_reason') return enumLabel(raw);
    if (key === 'assignee_user_id') {
      const alias = view.names.get(String(raw));
      return alias ? `${safeText(alias)} ${c.dim(`(${safeText(raw)})`)}` : safeText(raw);
    }
    return safeText(raw);
  };
  return labelled(
    order.map((k) => [LABELS[k] ?? safeText(k), value(k)]),
    c,
  );
}

/** `Label   value` lines, the labels aligned. */
export function labelled(rows: [string, string][], c: ChalkInstance): string {
  const width = Math.max(0, ...rows.map(([label]) => displayWidth(label)));
  return rows.map(([label, value]) => `${c.bold(padEnd(label, width))}  ${value}`).join('\n') + '\n';
}
