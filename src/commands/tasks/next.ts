import type { Command } from 'commander';
import { whoFrom } from '../../domain/task.js';
import { action, type App } from '../../app.js';
import { CancelledError, InterruptedError, type Signal } from '../../errors.js';
import { TASK_PRIORITIES, TASK_TYPES, type Task } from '../../api/types.js';
import type { Context } from '../../context.js';
import { helpDetails } from '../../help.js';
import { WITH_CHOICES } from '../../input/choices.js';
import { asksUnassigned } from '../../input/filters.js';
import { isUuid } from '../../basics/ids.js';
import { collect, parseEnumList, parseTypes, parseWith } from '../../input/parse.js';
import type { QueueFilter } from '../../services/queue.js';
import { addOutputFlags } from '../../output/flags.js';
import { TASK_JSON_FIELDS } from '../../output/tasks.js';
import { type Related, type Relation } from '../../domain/task.js';

type Action = 'skip' | 'thread' | 'reassign' | 'next' | 'quit';

export function registerNext(tasks: Command, app: App): void {
  const cmd = tasks
    .command('next')
    .summary('the one task to do now, with who to call and what they said')
    .description(
      'Shows the task to do now: in progress before pending, then HOT, TODAY, EXTRA, then the oldest. With ' +
        'the contact, phone, campaign and the last thing the contact wrote. On a terminal it then waits for a ' +
        'key, pressed alone: skip it, read the thread, reassign it, leave it and see the next, or quit. ' +
        '-a none: the tasks nobody holds.',
    )
    .option('-a, --assignee <user>', 'whose queue: a UUID, an alias, me, or none (unassigned tasks)', 'me')
    .option('-t, --type <types>', 'only tasks of these types, comma-separated (as for tasks list)', collect)
    .option('-p, --priority <priorities>', 'only tasks of these priorities: hot, today, extra', collect)
    .option(
      '--with <relations>',
      'with --json or piped: add the related contact, template (campaign) and run',
      collect,
    );
  addOutputFlags(cmd, { fields: TASK_JSON_FIELDS });
  helpDetails(cmd, {
    examples: [
      'topo tasks next',
      'topo tasks next -a bob',
      'topo tasks next -a none',
      'topo tasks next -t call                   # the next call of your queue',
      'topo tasks next -p hot                    # the next HOT task',
      'topo tasks next --json id,type,priority --with contact',
      'topo tasks next --query contact.phone_number --with contact -r',
    ],
    notes: `Keys (on a terminal; a key acts when pressed, without Enter):
  s  skip the task (as 'topo tasks skip')     t  read the conversation
  r  reassign it to someone (as 'topo tasks reassign --to')
  n  leave it for now and show the next       q  quit

Output:
  Piped, the task's tab-separated line (the columns of 'topo tasks list'); --json, the task, or
  null when the queue is empty ("Nothing to do" on stderr, exit 0).`,
  });
  cmd.action(
    action(
      app,
      async (
        ctx,
        flags: { assignee: string; type?: string[]; priority?: string[]; with?: string[] },
        command: Command,
      ) => {
        const relations = parseWith(flags.with, WITH_CHOICES);
        const types = flags.type
          ? parseTypes(flags.type, TASK_TYPES, '--type', (m) => ctx.terminal.warn(m))
          : undefined;
        const priorities = flags.priority
          ? parseEnumList(flags.priority, TASK_PRIORITIES, '--priority')
          : undefined;
        // Not typed, 'me' is this command's own choice: say what to do without naming a flag.
        const typed = command.getOptionValueSource('assignee') !== 'default';
        // 'none', as in tasks list: the queue of the tasks nobody holds.
        const assignee = asksUnassigned(flags)
          ? null
          : await ctx.people.resolve(flags.assignee, typed ? '--assignee' : { command: 'topo tasks next' });
        const owner = assignee === null ? null : ((await ctx.people.names()).get(assignee) ?? assignee);
        await runNext(ctx, assignee, owner, relations, { types, priorities });
      },
    ),
  );
}

/** `owner` is how the queue's person reads (an alias or a UUID); null for the unassigned tasks. */
async function runNext(
  ctx: Context,
  assignee: string | null,
  owner: string | null,
  withFlag: Relation[],
  only: QueueFilter,
): Promise<void> {
  const { output, terminal } = ctx;
  const [client, { nextTask }, enrich, tasksOutput] = await Promise.all([
    ctx.session.api(),
    import('../../services/queue.js'),
    import('../../services/enrich.js'),
    import('../../output/tasks.js'),
  ]);
  const relations = enrich.relationsWanted(withFlag, output.exporter?.named());
  const card = output.format === 'table';
  const want = new Set<Relation>(card ? ['contact', 'template', 'run'] : relations);
  const enricher = want.size ? new enrich.Enricher(client, (n) => ctx.noteEnrichment(n)) : undefined;
  const aside = new Set<string>();
  const links = await output.links();
  // What -t and -p narrowed the queue to, said when nothing is left in it.
  const asked = [
    only.priorities && ` of priority ${only.priorities.join(' or ')}`,
    only.types && ` of type ${only.types.map((t) => t.toLowerCase()).join(' or ')}`,
  ]
    .filter(Boolean)
    .join(' and');
  for (;;) {
    const head = await nextTask(client, assignee, aside, only);
    const task = head.task;
    if (!task) {
      terminal.err(
        aside.size
          ? `Nothing else to do: ${aside.size === 1 ? 'the one left for later is' : `the ${aside.size} left for later are`} all that is open.`
          : owner === null
            ? `Nothing to do: no open task${asked} is unassigned.`
            : `Nothing to do: ${owner} has no open tasks${asked}.`,
      );
      if (output.format === 'json') await output.json(null);
      return;
    }
    const [related] = enricher ? await enricher.relate([task], want) : [{}];
    if (!card) {
      const row = { task, related: related! };
      if (output.format === 'json') await output.json(tasksOutput.taskJson(row, relations));
      else
        await output.list(
          [row],
          tasksOutput.taskListView({
            who: () => '',
            now: ctx.now(),
            chalk: output.chalk(),
            with: relations,
            people: false,
            time: 'created_at',
          }),
        );
      return;
    }
    const [{ getMessages }, { renderCard, lastInbound }, { describeError }] = await Promise.all([
      import('../../api/tasks.js'),
      import('../../output/card.js'),
      import('../../output/errors.js'),
    ]);
    // The card is shown without the last message when the conversation cannot be read, and says so.
    const messages = await getMessages(client, task.id).catch((error: unknown) => {
      terminal.err(`note: the conversation could not be read (${describeError(error)}); 't' tries again`);
      return [];
    });
    const draw = () =>
      terminal.out(
        renderCard(task, related!, lastInbound(messages), {
          chalk: output.chalk(),
          now: ctx.now(),
          width: terminal.columns,
          owner,
          open: head.open,
          links,
        }),
      );
    await draw();
    if (!terminal.canPrompt) return;
    const done = await act(ctx, task, related!, aside, draw);
    if (done) return;
  }
}

/** Asks what to do with the task and does it; true when the person is done. */
async function act(
  ctx: Context,
  task: Task,
  related: Related,
  aside: Set<string>,
  /** Draws the card again: after the thread, which scrolled it away, the question has its task in view. */
  draw: () => Promise<void>,
): Promise<boolean> {
  const { terminal } = ctx;
  const prompter = await terminal.prompter();
  for (;;) {
    let choice: Action;
    try {
      choice = await prompter.choose<Action>('What now?', [
        { key: 's', name: 'skip it', value: 'skip' },
        { key: 't', name: 'read the thread', value: 'thread' },
        { key: 'r', name: 'reassign it', value: 'reassign' },
        { key: 'n', name: 'leave it, show the next', value: 'next' },
        { key: 'q', name: 'quit', value: 'quit' },
      ]);
    } catch (error) {
      // Ctrl-C at the question ends the session quietly: every change made so far was reported.
      if (error instanceof CancelledError) throw new InterruptedError('');
      throw error;
    }
    if (choice === 'quit') return true;
    if (choice === 'next') {
      aside.add(task.id);
      return false;
    }
    if (choice === 'thread') {
      await showThread(ctx, task, related);
      await draw();
      continue;
    }
    // Ctrl-C or SIGTERM during the action ends the session (exit 130 or 143) once the action has said what it
    // did, even when its call in flight finished it.
    let stopped: Signal | undefined;
    const off = terminal.onInterrupt((signal) => (stopped = signal));
    const halt = () => {
      if (stopped) throw new InterruptedError('', stopped);
    };
    try {
      if (choice === 'skip') await skip(ctx, task);
      else if (!(await reassign(ctx, task, halt))) continue;
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      halt();
      if (error instanceof CancelledError) continue;
      const { errorLine } = await import('../../output/errors.js');
      terminal.err(errorLine(error, false));
      continue;
    } finally {
      off();
    }
    halt();
    terminal.err('');
    return false;
  }
}

async function skip(ctx: Context, task: Task): Promise<void> {
  const [{ runTransition }, { skipChange }] = await Promise.all([
    import('../../flows/transition.js'),
    import('../../services/transition.js'),
  ]);
  await runTransition(ctx, skipChange(), [task.id], { yes: true, dryRun: false, concurrency: 1 });
}

/** Asks to whom (aliases, as typed, or a UUID) and moves the task; false when nobody was chosen. */
async function reassign(ctx: Context, task: Task, halt: () => void): Promise<boolean> {
  const aliases = await ctx.people.aliases();
  const names = await ctx.people.names();
  const choices = Object.entries(aliases)
    .filter(([, id]) => id !== task.assignee_user_id)
    .map(([name, id]) => ({ name, value: name, description: id }));
  // A stop that came before the picker is drawn, or while a name was being resolved, changes nothing.
  halt();
  const picked = await (
    await ctx.terminal.prompter()
  ).search('Reassign to (an alias, or a user UUID):', choices, isUuid);
  if (!picked) return false;
  const to = await ctx.people.resolve(picked, 'reassign to');
  halt();
  const [{ reassignChange }, { runTransition }] = await Promise.all([
    import('../../services/reassign.js'),
    import('../../flows/transition.js'),
  ]);
  await runTransition(ctx, reassignChange(to, picked, whoFrom(names)), [task.id], {
    yes: true,
    dryRun: false,
    concurrency: 1,
  });
  return true;
}

/** The thread as `tasks thread` shows it: the contact by name on inbound messages, colleagues by alias. */
async function showThread(ctx: Context, task: Task, related: Related): Promise<void> {
  const [client, { getMessages }, { renderThread, oldestFirst }, { contactName, contactLink }] =
    await Promise.all([
      ctx.session.api(),
      import('../../api/tasks.js'),
      import('../../output/thread.js'),
      import('../../output/tasks.js'),
    ]);
  const messages = await getMessages(client, task.id);
  if (messages.length === 0) {
    ctx.terminal.err('This task has no messages.');
    return;
  }
  await ctx.terminal.page(
    renderThread(oldestFirst(messages), {
      tty: true,
      color: ctx.terminal.color,
      width: ctx.terminal.columns,
      now: ctx.now(),
      names: await ctx.people.names(),
      ...(related.contact && {
        contact: contactName(related.contact),
        contactLink: contactLink(related.contact, await ctx.output.links()),
      }),
    }),
  );
}
