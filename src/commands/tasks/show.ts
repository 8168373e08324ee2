import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import { TASK_FIELDS } from '../../api/types.js';
import type { Context } from '../../context.js';
import { helpDetails } from '../../help.js';
import { parseUuid } from '../../input/parse.js';
import { addOutputFlags } from '../../output/flags.js';

export function registerShow(tasks: Command, app: App): void {
  const cmd = tasks
    .command('show <id>')
    .alias('view')
    .summary('show every field of one task')
    .description(
      'Shows one task: every field labelled, times absolute and relative, the assignee by alias when known.',
    );
  addOutputFlags(cmd, { fields: TASK_FIELDS });
  helpDetails(cmd, {
    examples: ['topo tasks show 7f3e9c2a-…', 'topo tasks show 7f3e9c2a-… --json status,assignee_user_id'],
    notes:
      'Output:\n  On a terminal, labelled fields; piped, one "field<TAB>value" line per field (RFC 3339 times).',
  });
  cmd.action(action(app, (ctx, id: string) => runShow(ctx, parseUuid(id, 'task id'))));
}

async function runShow(ctx: Context, id: string): Promise<void> {
  const [client, { getTask }] = await Promise.all([ctx.session.api(), import('../../api/tasks.js')]);
  const task = await getTask(client, id);
  const { output } = ctx;
  if (output.format === 'json') {
    await output.json(task);
    return;
  }
  const { renderTaskFields } = await import('../../output/show.js');
  await ctx.terminal.out(
    renderTaskFields(task, {
      tty: output.format === 'table',
      chalk: output.chalk(),
      names: await ctx.people.names(),
      now: ctx.now(),
    }),
  );
}
