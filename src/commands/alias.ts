import type { Command } from 'commander';
import { action, type App } from '../app.js';
import { UsageError } from '../errors.js';
import type { Context } from '../context.js';
import { helpDetails } from '../help.js';
import { isUuid } from '../basics/ids.js';
import { parseUuid } from '../input/parse.js';
import { addOutputFlags } from '../output/flags.js';
import { aliasNamed } from '../people.js';

const ALIAS_RE = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export function registerAlias(program: Command, app: App): void {
  const alias = program
    .command('alias')
    .summary('name the people behind user UUIDs')
    .description(
      "Topo's API knows people only by UUID. An alias gives one a name you can use wherever a user is expected " +
        "(--assignee, --to, --from); the alias 'me' stands for you. Aliases belong to the profile.",
    );
  helpDetails(alias, {
    examples: [
      'topo alias set bob d4e8eb2a-f2f2-4165-a881-cd424e42a851',
      'topo alias list',
      'topo tasks list -a bob',
    ],
  });
  const setCmd = alias
    .command('set <name> [uuid]')
    .summary('save or change an alias')
    .description(
      "Names a user UUID. With --from-task, the UUID is the assignee of a task you know is theirs: 'topo alias " +
        "set me --from-task <id>' with the ID of one of your own tasks (from Topo's web app or 'topo tasks list').",
    )
    .option('--from-task <id>', "the user is this task's assignee");
  helpDetails(setCmd, {
    examples: [
      'topo alias set me --from-task 817b40d3-50a0-4133-b454-cc24cc344a72',
      'topo alias set bob d4e8eb2a-f2f2-4165-a881-cd424e42a851',
      'topo alias set carla --from-task cd9202a7-875a-4d1e-85d8-55d9d3e6b245',
    ],
  });
  setCmd.action(
    action(app, (ctx, name: string, uuid: string | undefined, flags: { fromTask?: string }) =>
      setAlias(ctx, name, uuid, flags.fromTask),
    ),
  );
  const listCmd = alias.command('list').alias('ls').summary('list the aliases of the profile');
  addOutputFlags(listCmd, { csv: true });
  helpDetails(listCmd, {
    examples: [
      'topo alias list',
      'topo alias list --json',
      'topo alias list --profile acme-eu        # (needs a real workspace)',
    ],
    notes:
      'Output:\n  On a terminal, aligned "NAME  UUID"; piped, "name<TAB>uuid"; --csv, name,uuid with a header;\n  --json, one {name: uuid} object.',
  });
  listCmd.action(action(app, (ctx) => listAliases(ctx)));
  const removeCmd = alias.command('remove <name>').alias('rm').summary('remove an alias');
  helpDetails(removeCmd, { examples: ['topo alias remove bob'] });
  removeCmd.action(action(app, (ctx, name: string) => removeAlias(ctx, name)));
}

async function setAlias(
  ctx: Context,
  name: string,
  uuid: string | undefined,
  fromTask: string | undefined,
): Promise<void> {
  if (!ALIAS_RE.test(name)) {
    throw new UsageError(
      `alias '${name}': start with a letter a–z; use letters a–z, digits, '.', '-' and '_' (no accents or spaces)`,
    );
  }
  if (name.toLowerCase() === 'none')
    throw new UsageError(`alias '${name}' is taken: 'none' means nobody (unassigned tasks)`);
  // A UUID always means itself: an alias spelled like one could never be used.
  if (isUuid(name)) throw new UsageError(`alias '${name}': looks like a user UUID; choose a name`);
  if (uuid !== undefined && fromTask !== undefined)
    throw new UsageError('give the UUID or --from-task, not both');
  if (uuid === undefined && fromTask === undefined)
    throw new UsageError(`give the user's UUID, or --from-task <id of a task they hold>`);
  const id =
    uuid !== undefined
      ? parseUuid(uuid, 'uuid')
      : await ctx.people.assigneeOf(parseUuid(fromTask!, '--from-task'));
  const before = await ctx.people.aliases({ lenient: true });
  await ctx.people.save(name, id);
  const previous = aliasNamed(before, name);
  const was =
    previous === undefined || (previous === name && before[previous] === id)
      ? ''
      : previous === name
        ? `, was ${before[previous]}`
        : `, in place of ${previous} → ${before[previous]}`;
  ctx.terminal.err(`✓ ${name} → ${id}${fromTask ? ` (the assignee of task ${fromTask})` : ''}${was}`);
  const others = Object.keys(before)
    .filter((other) => other.toLowerCase() !== name.toLowerCase() && before[other] === id)
    .sort();
  if (others.length > 0)
    ctx.terminal.err(
      others.length === 1
        ? `note: ${others[0]} also names this user`
        : `note: ${others.slice(0, -1).join(', ')} and ${others.at(-1)} also name this user`,
    );
}

async function listAliases(ctx: Context): Promise<void> {
  const { output, terminal } = ctx;
  const aliases = await ctx.people.aliases();
  const names = Object.keys(aliases).sort();
  if (output.format === 'json') {
    await output.json(Object.fromEntries(names.map((n) => [n, aliases[n]])));
    return;
  }
  if (names.length === 0 && terminal.stderrIsTTY)
    terminal.err("No aliases yet. Add one with 'topo alias set <name> <uuid>'.");
  // An empty list is still the list: CSV keeps its header row (the table and TSV print nothing).
  if (names.length === 0 && output.format !== 'csv') return;
  await output.list(names, {
    fields: [
      { name: 'name', value: (n) => n },
      { name: 'uuid', value: (n) => aliases[n] },
    ],
    table: {
      columns: [
        { header: 'NAME', cell: (n) => n },
        { header: 'UUID', cell: (n) => aliases[n]! },
      ],
      fit: [],
    },
    json: (n) => n,
  });
}

async function removeAlias(ctx: Context, typed: string): Promise<void> {
  const stored = (await ctx.session.existingProfile()).aliases ?? {};
  const name = aliasNamed(stored, typed) ?? typed;
  if (!Object.hasOwn(stored, name)) {
    if (aliasNamed(await ctx.people.aliases(), name) !== undefined)
      throw new UsageError(`'${name}' is one of the sandbox's own names, not an alias you set: it stays`);
    throw new UsageError(`no alias named '${name}' (see 'topo alias list')`);
  }
  await ctx.session.updateProfile((profile) => {
    const rest = { ...(profile.aliases ?? {}) };
    delete rest[name];
    profile.aliases = rest;
  });
  ctx.people.forget();
  // In the sandbox a seeded rep of the same name is still there: say so, or 'alias list' would contradict us.
  const remaining = await ctx.people.aliases();
  const seededName = aliasNamed(remaining, name);
  const still = seededName === undefined ? undefined : remaining[seededName];
  ctx.terminal.err(
    still
      ? `✓ Removed your alias ${name}; '${name}' is also one of the sandbox's own names, which stays (→ ${still})`
      : `✓ Removed alias ${name}`,
  );
}
