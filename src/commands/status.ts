import type { Command } from 'commander';
import { action, type App } from '../app.js';
import { UsageError } from '../errors.js';
import type { Context } from '../context.js';
import { helpDetails } from '../help.js';
import { collect, isNobody, parseNames } from '../input/parse.js';
import { whoFrom } from '../domain/task.js';
import { addOutputFlags } from '../output/flags.js';
import { REP_STATUS_FIELDS, TEAM_STATUS_FIELDS } from '../output/status.js';

interface StatusFlags {
  assignee: string;
  team?: string[];
}

export function registerStatus(program: Command, app: App): void {
  const cmd = program
    .command('status')
    .summary('where you stand: open tasks, replies waiting, the next task')
    .description(
      'Shows where a rep stands, in one screen: open tasks by priority and by type, how many are in ' +
        'progress, replies waiting, the age of the oldest HOT task, and the next task by the rule of ' +
        "'tasks next' with the contact's name, company and phone. --team shows a team instead: each " +
        "member's open tasks by priority, the spread, covers due for return, jobs left unfinished, and the " +
        'open tasks that reached a leaver since their offboarding ended. Every count is asked of the API side ' +
        'by side, so it takes the same few requests whatever the size of the workspace.',
    )
    .option('-a, --assignee <user>', 'whose status: a UUID, an alias, or me', 'me')
    .option('--team <users>', "a team's status: aliases or UUIDs (comma-separated or repeated)", collect);
  addOutputFlags(cmd, {
    fields: REP_STATUS_FIELDS,
    modes: [{ label: 'with --team', fields: TEAM_STATUS_FIELDS, flags: ['--team'] }],
  });
  helpDetails(cmd, {
    examples: [
      'topo status',
      'topo status -a bob --json by_priority,next',
      'topo status --team bob,carla,dev',
    ],
    notes: `Requests (the same whatever the size of the workspace):
  A rep's view: 20 listings of one task each and the key's scopes, side by side, then the next
  task's sequence run, then its contact (where the key may read them): 3 round trips. A team's:
  8 listings for each member and 2 for each finished offboarding whose work went to the team,
  side by side (at most 32 at once).

Output:
  On a terminal, fitted to the width, with links to call the next contact where the terminal
  supports them; piped, the same text without colour or links; --json, one object:
    {assignee_user_id, alias, open, pending, in_progress, by_priority, by_type,
     replies_waiting, oldest_hot, next}
  and with --team:
    {team: [{user_id, alias, open, pending, in_progress, by_priority}],
     spread: {fewest, most}, covers_due, unfinished_jobs, reached_leavers}
  where a job is {id, from, to, state, until, ended_at} and a leaver {job, open_tasks}.`,
  });
  cmd.action(
    action(app, async (ctx, flags: StatusFlags, command: Command) => {
      if (flags.team === undefined) {
        // Not typed, 'me' is this command's own choice: say what to do without naming a flag.
        const typed = command.getOptionValueSource('assignee') !== 'default';
        if (isNobody(flags.assignee))
          throw new UsageError(
            "-a none: the API cannot count the tasks nobody holds; 'topo tasks list -a none' lists them",
          );
        const assignee = await ctx.people.resolve(
          flags.assignee,
          typed ? '--assignee' : { command: 'topo status' },
        );
        await runRepStatus(ctx, assignee);
        return;
      }
      if (command.getOptionValueSource('assignee') !== 'default')
        throw new UsageError('--assignee and --team cannot be used together');
      await runTeamStatus(ctx, await teamOf(ctx, flags.team));
    }),
  );
}

/** The members named, each once, in the order given. */
async function teamOf(ctx: Context, values: string[]): Promise<string[]> {
  const names = parseNames(values, '--team');
  if (names.length === 0) throw new UsageError('--team: name at least one person (aliases or UUIDs)');
  const ids: string[] = [];
  for (const name of names) {
    const id = await ctx.people.resolve(name, '--team');
    if (ids.includes(id)) throw new UsageError(`--team: '${name}' is named twice`);
    ids.push(id);
  }
  return ids;
}

async function runRepStatus(ctx: Context, assignee: string): Promise<void> {
  const { output, terminal } = ctx;
  const [client, { repStatus }, { Enricher }, view] = await Promise.all([
    ctx.session.api(),
    import('../services/status.js'),
    import('../services/enrich.js'),
    import('../output/status.js'),
  ]);
  // The next task's contact, unless the JSON asked for leaves it out; the key's scopes are asked meanwhile.
  const named = output.exporter?.named() ?? [];
  const enricher =
    !output.exporter || named.length === 0 || named.includes('next')
      ? new Enricher(client, (n) => ctx.noteEnrichment(n))
      : undefined;
  const status = await repStatus(
    client,
    assignee,
    enricher && (async (task) => (await enricher.relate([task], new Set(['contact'])))[0]!.contact),
  );
  const who = whoFrom(await ctx.people.names());
  if (output.format === 'json') {
    await output.json(view.repStatusJson(status, who));
    return;
  }
  await terminal.out(view.renderRepStatus(status, await textView(ctx, who)));
}

async function runTeamStatus(ctx: Context, team: string[]): Promise<void> {
  const { output, terminal } = ctx;
  const [client, { teamStatus }, jobs, { stateDir }, view] = await Promise.all([
    ctx.session.api(),
    import('../services/status.js'),
    import('../services/jobs/store.js'),
    import('../config/paths.js'),
    import('../output/status.js'),
  ]);
  // The jobs of this workspace, as 'tasks reassign --jobs' lists them: a journal that cannot be read is named.
  const workspace = await ctx.session.workspace();
  const problems: string[] = [];
  const here = jobs.Job.all(stateDir(ctx.session.env), problems).filter((j) =>
    jobs.inWorkspace(j, workspace),
  );
  for (const problem of problems) terminal.err(`note: ${problem}`);
  const status = await teamStatus(client, team, here, ctx.now());
  const who = whoFrom(await ctx.people.names());
  if (output.format === 'json') {
    await output.json(view.teamStatusJson(status, who));
    return;
  }
  await terminal.out(await view.renderTeamStatus(status, await textView(ctx, who)));
}

async function textView(ctx: Context, who: (id: string | null) => string) {
  const { output, terminal } = ctx;
  return {
    chalk: output.chalk(),
    who,
    now: ctx.now(),
    width: output.format === 'table' ? terminal.columns : Infinity,
    links: await output.links(),
  };
}
