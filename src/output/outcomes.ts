import type { ChalkInstance } from 'chalk';
import type { Task } from '../api/types.js';
import type { ItemError, ItemOutcome, PreviewItem, PreviewResult } from '../domain/outcome.js';
import { enumLabel, typeLabel } from './format.js';
import { safeText } from '../basics/text.js';
import type { ListView, Output } from './printer.js';
import { priorityStyle, statusStyle, taskLabel } from './tasks.js';
import { type Who } from '../domain/task.js';
import { renderTable, type FitStep } from './table.js';

/** What a bulk command would do (dry runs and previews) and what it did, in one shape for every command. */

/** The documented TSV/CSV columns of every preview and dry run. */
export const PREVIEW_TSV_FIELDS = [
  'id',
  'result',
  'type',
  'priority',
  'status',
  'assignee_user_id',
  'sequence_id',
  'target',
] as const;

/**
 * What would happen (WHAT: `would move to carla`) is the point of a preview: it stays whole down to 80 columns
 * with TYPE and STATUS; the ID gives way before them, as in task tables, and is whole from 100 columns: the
 * headers wider than their values, then who holds the task now (the summary says it too), give way first.
 */
const PREVIEW_FIT: readonly FitStep[] = [
  { column: 'WHAT', shrink: 24 },
  { column: 'PRIORITY', shrink: 5 },
  { column: 'ASSIGNEE', toValues: true },
  { column: 'ASSIGNEE', shrink: 4 },
  // The one type wider than 'new lead review' gives way before the ID ('playbook appro…'): below, previews
  // lay out as they do without it.
  { column: 'TYPE', shrink: 15 },
  { column: 'ID', shrink: 13 },
  { column: 'TYPE', shrink: 9 },
  // Who gets the task stays in sight: `would move to ines` reads `→ ines`.
  { column: 'WHAT', narrow: true },
  { column: 'WHAT', shrink: 12 },
  { column: 'ID', shrink: 9 },
  { column: 'TYPE', shrink: 8 },
  { column: 'STATUS', shrink: 7 },
];

export function previewView(who: Who, c: ChalkInstance): ListView<PreviewItem> {
  return {
    fields: PREVIEW_TSV_FIELDS.map((name) => ({
      name,
      value: (p: PreviewItem) =>
        name === 'id' || name === 'result' || name === 'target' ? p[name] : (p.task?.[name] ?? null),
    })),
    table: {
      columns: [
        { header: 'ID', cell: (p) => safeText(p.id), cut: 'middle' },
        { header: 'TYPE', cell: (p) => typeLabel(p.task?.type ?? '') },
        {
          header: 'PRIORITY',
          cell: (p) => safeText(p.task?.priority ?? ''),
          style: (p, s) => priorityStyle(c, String(p.task?.priority))(s),
        },
        {
          header: 'STATUS',
          cell: (p) => enumLabel(p.task?.status ?? ''),
          style: (p, s) => statusStyle(c, String(p.task?.status))(s),
        },
        { header: 'ASSIGNEE', cell: (p) => (p.task ? who(p.task.assignee_user_id) : ''), cut: 'person' },
        {
          header: 'WHAT',
          // A task that could not be read: why, from its error (its ID is beside it: a 404 is `not found`).
          cell: (p) => (p.result === 'failed' ? previewFailure(p.error) : p.why),
          narrow: (p) =>
            p.result === 'failed' ? previewFailure(p.error) : p.why.replace(/^would move to /, '→ '),
          style: (p, s) =>
            p.result === 'would_change' || p.result === 'would_move'
              ? s
              : p.result === 'unchanged' || p.result === 'kept'
                ? c.dim(s)
                : c.red(s),
        },
      ],
      fit: PREVIEW_FIT,
    },
    json: (p) => ({ id: p.id, result: p.result, task: p.task, error: p.error }),
  };
}

/** A dry run's preview on stdout (it is the data the person asked for), with its summary on stderr. */
export async function printDryRun(
  output: Output,
  items: readonly PreviewItem[],
  who: Who,
  c: ChalkInstance,
): Promise<void> {
  await output.list(items, previewView(who, c));
  output.terminal.err(`Dry run: ${previewSummary(items)}; nothing was changed.`);
}

/** A preview before a confirmation: the same table, on stderr (stdout is kept for the results). */
export function printPreview(
  output: Output,
  items: readonly PreviewItem[],
  who: Who,
  c: ChalkInstance,
): void {
  const { columns, fit } = previewView(who, c).table;
  // In a log (stderr not a terminal) nothing is cut: whole IDs to search for.
  const width = output.terminal.stderrIsTTY ? output.terminal.columns : Infinity;
  output.terminal.err(renderTable(columns, items, width, fit, (h) => c.bold(h)).trimEnd());
}

export function previewSummary(items: readonly PreviewItem[]): string {
  const n = (r: PreviewResult) => items.filter((i) => i.result === r).length;
  const parts = [`${n('would_change')} would change`];
  if (n('unchanged')) parts.push(`${n('unchanged')} unchanged`);
  if (n('would_fail')) parts.push(`${n('would_fail')} would fail`);
  if (n('failed')) parts.push(`${n('failed')} could not be read`);
  return parts.join(', ');
}

/**
 * The results of a bulk change on stdout: the `--json` array of {id, result, task, error}, or when piped the
 * IDs that changed, one per line. On a terminal the results were already shown line by line on stderr.
 */
export async function printOutcomes(output: Output, outcomes: readonly ItemOutcome[]): Promise<void> {
  if (output.format === 'json') {
    await output.json(outcomes);
  } else if (output.format !== 'table') {
    const changed = outcomes.filter((o) => o.result === 'changed');
    if (changed.length) await output.terminal.out(changed.map((o) => `${o.id}\n`).join(''));
  }
}

/** One result line on stderr, with the whole ID: `✓ skipped 7f3e9c2a-1b4d-4c8e-9f60-0a1b2c3d4e5f CALL HOT`. */
export function outcomeLine(o: ItemOutcome, past: string, c: ChalkInstance, detail = ''): string {
  const label = o.task ? taskLabel(o.task) : safeText(o.id);
  if (o.result === 'changed') return `${c.green('✓')} ${past} ${label}${detail}`;
  if (o.result === 'unchanged')
    return `${c.dim('•')} ${label} already ${o.task ? enumLabel(o.task.status) : 'done'}${detail}`;
  return `${c.red('✗')} ${label} ${failureText(o.error)}`;
}

/** A task left as it was, with why in the words of the change: `• <id> CALL HOT already with bob`. */
export function unchangedLine(task: Task, why: string, c: ChalkInstance): string {
  return `${c.dim('•')} ${taskLabel(task)} ${why}`;
}

/** Why a task of a preview could not be read, in the few words a table cell has. */
function previewFailure(e: ItemError | null): string {
  return e?.status === 404 ? 'not found' : failureText(e);
}

export function failureText(e: ItemError | null): string {
  if (!e) return 'failed';
  const details = [e.type, e.request_id && `request ${e.request_id}`].filter(Boolean).join(', ');
  return safeText(`${e.message}${details ? ` (${details})` : ''}`);
}
