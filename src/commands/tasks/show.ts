import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import { TASK_FIELDS, type Task } from '../../api/types.js';
import type { Context } from '../../context.js';
import { addOutputFlags, helpDetails } from '../../help.js';
import { parseJsonFields, parseUuid } from '../parse.js';

export interface ShowOptions {
  id: string;
  json: boolean;
  fields: string[] | undefined;
}

export function registerShow(tasks: Command, app: App): void {
  const cmd = tasks
    .command('show <id>')
    .alias('view')
    .summary('show every field of one task')
    .description(
      'Shows one task: every field labelled, times absolute and relative, the assignee by alias when known.',
    );
  addOutputFlags(cmd, true);
  helpDetails(cmd, {
    examples: ['topo tasks show 7f3e9c2a-…', 'topo tasks show 7f3e9c2a-… --json status,assignee_user_id'],
    notes:
      'Output:\n  On a terminal, labelled fields; piped, one "field<TAB>value" line per field (RFC 3339 times).',
    jsonFields: TASK_FIELDS,
  });
  cmd.action(
    action(app, (ctx, id: string, flags: { json?: string | boolean }) =>
      runShow(ctx, {
        id: parseUuid(id, 'task id'),
        json: flags.json !== undefined && flags.json !== false,
        fields: parseJsonFields(flags.json, TASK_FIELDS),
      }),
    ),
  );
}

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

export async function runShow(ctx: Context, options: ShowOptions): Promise<void> {
  const client = await ctx.api();
  const { getTask } = await import('../../api/tasks.js');
  const task = await getTask(client, options.id);
  if (options.json) {
    const { printJson, pickFields } = await import('../../output/json.js');
    await printJson(ctx, pickFields(task, options.fields));
    return;
  }
  const [{ enumLabel, relativeTime, safeText }, { makeChalk }, { priorityStyle, statusStyle }] =
    await Promise.all([
      import('../../output/format.js'),
      import('../../output/color.js'),
      import('../../output/tasks.js'),
    ]);
  const order = [...Object.keys(LABELS), ...Object.keys(task).filter((k) => !(k in LABELS))];
  if (!ctx.io.stdoutIsTTY) {
    await ctx.out(order.map((k) => `${k}\t${safeText(formatRaw(task[k]))}\n`).join(''));
    return;
  }
  const c = makeChalk(ctx.color);
  const aliases = await ctx.aliasNames();
  const now = ctx.now();
  const value = (key: string): string => {
    const raw = task[key];
    if (raw === null || raw === undefined) return c.dim('—');
    if (TIME_FIELDS.has(key)) return `${safeText(raw)} ${c.dim(`(${relativeTime(String(raw), now)})`)}`;
    if (key === 'priority') return priorityStyle(c, String(raw))(safeText(raw));
    if (key === 'status') return statusStyle(c, String(raw))(enumLabel(raw));
    if (key === 'type' || key === 'disposition' || key === 'reopen_reason') return enumLabel(raw);
    if (key === 'assignee_user_id') {
      const alias = aliases.get(String(raw));
      return alias ? `${alias} ${c.dim(`(${safeText(raw)})`)}` : safeText(raw);
    }
    return safeText(typeof raw === 'object' ? JSON.stringify(raw) : raw);
  };
  const width = Math.max(...order.map((k) => (LABELS[k] ?? k).length));
  const lines = order.map((k) => {
    const label = c.bold((LABELS[k] ?? k).padEnd(width));
    if (k === 'assignee_user_id' && task.assignee_user_id === null) return `${label}  ${c.dim('unassigned')}`;
    return `${label}  ${value(k)}`;
  });
  await ctx.out(`${lines.join('\n')}\n`);
}

function formatRaw(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export type { Task };
