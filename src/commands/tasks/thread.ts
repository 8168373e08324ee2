import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import { MESSAGE_FIELDS } from '../../api/types.js';
import type { Context } from '../../context.js';
import { helpDetails } from '../../help.js';
import { WITH_CHOICES } from '../../input/choices.js';
import { collect, parseUuid, parseWith } from '../../input/parse.js';
import { addOutputFlags } from '../../output/flags.js';
import type { Related, Relation } from '../../domain/task.js';

const THREAD_JSON_FIELDS = [...MESSAGE_FIELDS, 'contact', 'sequence_template', 'sequence_run'] as const;

export function registerThread(tasks: Command, app: App): void {
  const cmd = tasks
    .command('thread <id>')
    .alias('messages')
    .summary('read the conversation behind a task')
    .description(
      'Shows the messages behind a task, oldest first: who wrote (the contact by name, your colleagues by alias), on which channel, when, the subject and the body.',
    )
    .option(
      '--with <relations>',
      'add the related contact, template (campaign) and run to each message in JSON; name the contact when piped',
      collect,
    )
    .option('--no-pager', 'print straight to the terminal, without TOPO_PAGER / PAGER (less -FRX)');
  addOutputFlags(cmd, { fields: THREAD_JSON_FIELDS });
  helpDetails(cmd, {
    examples: [
      'topo tasks thread 1d808549-f48e-404c-b905-f780dd4ef1f3',
      'topo tasks thread 1d808549-f48e-404c-b905-f780dd4ef1f3 --no-pager | head -20',
      'topo tasks thread 1d808549-f48e-404c-b905-f780dd4ef1f3 --query "[-1].body" -r',
    ],
    notes: `Output:
  On a terminal, each message with a coloured header, the body wrapped to the width, through
  a pager (TOPO_PAGER, then PAGER, default "less -FRX"; --no-pager to print it straight);
  piped, a plain transcript ("--- <direction> <channel> from <sender> at <time>", subject, body;
  inbound messages are "from contact", or from the contact's name with --with contact);
  --json, the array exactly as the API sent it.`,
  });
  cmd.action(
    action(app, (ctx, id: string, flags: { with?: string[]; pager: boolean }) =>
      runThread(ctx, parseUuid(id, 'task id'), parseWith(flags.with, WITH_CHOICES), flags.pager),
    ),
  );
}

async function runThread(ctx: Context, id: string, withFlag: Relation[], pager: boolean): Promise<void> {
  const { output, terminal } = ctx;
  const [client, { getMessages, getTask }, enrich] = await Promise.all([
    ctx.session.api(),
    import('../../api/tasks.js'),
    import('../../services/enrich.js'),
  ]);
  const relations = enrich.relationsWanted(withFlag, output.exporter?.named());
  const want = new Set<Relation>(output.format === 'table' ? ['contact'] : relations);
  const enricher = want.size ? new enrich.Enricher(client, (n) => ctx.noteEnrichment(n)) : undefined;
  // The contact comes from the task's run: the task is read alongside the messages.
  const [messages, related] = await Promise.all([
    getMessages(client, id),
    enricher
      ? getTask(client, id).then(async (task) => (await enricher.relate([task], want))[0]!)
      : ({} as Related),
  ]);
  if (output.format === 'json') {
    const { WITH_JSON_KEYS } = await import('../../output/tasks.js');
    const extra = Object.fromEntries(relations.map((r) => [WITH_JSON_KEYS[r], related[r] ?? null]));
    await output.json(relations.length ? messages.map((m) => ({ ...m, ...extra })) : messages);
    return;
  }
  if (messages.length === 0) {
    terminal.err('This task has no messages.');
    return;
  }
  const [{ renderThread, oldestFirst }, { contactName, contactLink }] = await Promise.all([
    import('../../output/thread.js'),
    import('../../output/tasks.js'),
  ]);
  const text = renderThread(oldestFirst(messages), {
    tty: output.format === 'table',
    color: terminal.color,
    width: terminal.columns,
    now: ctx.now(),
    names: await ctx.people.names(),
    ...(related.contact && {
      contact: contactName(related.contact),
      contactLink: contactLink(related.contact, await output.links()),
    }),
  });
  await (pager ? terminal.page(text) : terminal.out(text));
}
