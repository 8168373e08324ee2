import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import { MESSAGE_FIELDS, type Message } from '../../api/types.js';
import type { Context } from '../../context.js';
import { addOutputFlags, helpDetails } from '../../help.js';
import { parseUuid } from '../parse.js';

export function registerThread(tasks: Command, app: App): void {
  const cmd = tasks
    .command('thread <id>')
    .alias('messages')
    .summary('read the conversation behind a task')
    .description(
      'Shows the messages behind a task, oldest first: who wrote, on which channel, when, the subject and the body.',
    );
  addOutputFlags(cmd, false);
  helpDetails(cmd, {
    examples: [
      'topo tasks thread 7f3e9c2a-…',
      'topo tasks thread 7f3e9c2a-… | less',
      'topo tasks thread 7f3e9c2a-… --json --query "[-1].body"',
    ],
    notes: `Output:
  On a terminal, each message with a coloured header, the body wrapped to the width;
  piped, a plain transcript ("--- <direction> <channel> from <sender> at <time>", subject, body);
  --json, the array exactly as the API sent it.`,
    jsonFields: MESSAGE_FIELDS,
  });
  cmd.action(
    action(app, (ctx, id: string, flags: { json?: boolean }) =>
      runThread(ctx, { id: parseUuid(id, 'task id'), json: Boolean(flags.json) }),
    ),
  );
}

export async function runThread(ctx: Context, options: { id: string; json: boolean }): Promise<void> {
  const client = await ctx.api();
  const { getMessages } = await import('../../api/tasks.js');
  const messages = await getMessages(client, options.id);
  if (options.json) {
    const { printJson } = await import('../../output/json.js');
    await printJson(ctx, messages);
    return;
  }
  if (messages.length === 0) {
    ctx.err('This task has no messages.');
    return;
  }
  // The order is not promised by the API: sort oldest first, keeping the API's order for equal times.
  const sorted = messages
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (a.m.sent_at < b.m.sent_at ? -1 : a.m.sent_at > b.m.sent_at ? 1 : a.i - b.i))
    .map(({ m }) => m);
  const aliases = await ctx.aliasNames();
  const { renderThread } = await import('../../output/thread.js');
  await ctx.out(
    renderThread(sorted, {
      tty: ctx.io.stdoutIsTTY,
      color: ctx.color,
      width: ctx.io.columns,
      now: ctx.now(),
      aliases,
    }),
  );
}

export type { Message };
