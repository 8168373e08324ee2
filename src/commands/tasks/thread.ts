import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import { MESSAGE_FIELDS } from '../../api/types.js';
import type { Context } from '../../context.js';
import { helpDetails } from '../../help.js';
import { parseUuid } from '../../input/parse.js';
import { addOutputFlags } from '../../output/flags.js';

export function registerThread(tasks: Command, app: App): void {
  const cmd = tasks
    .command('thread <id>')
    .alias('messages')
    .summary('read the conversation behind a task')
    .description(
      'Shows the messages behind a task, oldest first: who wrote, on which channel, when, the subject and the body.',
    );
  addOutputFlags(cmd, { fields: MESSAGE_FIELDS });
  helpDetails(cmd, {
    examples: [
      'topo tasks thread 7f3e9c2a-…',
      'topo tasks thread 7f3e9c2a-… | less',
      'topo tasks thread 7f3e9c2a-… --query "[-1].body" -r',
    ],
    notes: `Output:
  On a terminal, each message with a coloured header, the body wrapped to the width;
  piped, a plain transcript ("--- <direction> <channel> from <sender> at <time>", subject, body);
  --json, the array exactly as the API sent it.`,
  });
  cmd.action(action(app, (ctx, id: string) => runThread(ctx, parseUuid(id, 'task id'))));
}

async function runThread(ctx: Context, id: string): Promise<void> {
  const [client, { getMessages }] = await Promise.all([ctx.session.api(), import('../../api/tasks.js')]);
  const messages = await getMessages(client, id);
  const { output, terminal } = ctx;
  if (output.format === 'json') {
    await output.json(messages);
    return;
  }
  if (messages.length === 0) {
    terminal.err('This task has no messages.');
    return;
  }
  const { renderThread, oldestFirst } = await import('../../output/thread.js');
  await terminal.out(
    renderThread(oldestFirst(messages), {
      tty: output.format === 'table',
      color: terminal.color,
      width: terminal.columns,
      now: ctx.now(),
      names: await ctx.people.names(),
    }),
  );
}
