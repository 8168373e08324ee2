import { isUuid } from './basics/ids.js';
import { UsageError } from './errors.js';
import type { Session } from './session.js';

/**
 * The aliases of the sandbox's profile with its seeded reps (alice, bob, …, and me = the first), the profile's
 * winning: a name set there hides the seeded one in any case ('Alice' set is the only alice).
 */
export function withSeededReps(
  stored: Record<string, string>,
  users: readonly { alias: string; id: string }[],
): Record<string, string> {
  const seeded: Record<string, string> = {};
  for (const user of users) seeded[user.alias] = user.id;
  if (users[0]) seeded.me = users[0].id;
  const own = new Set(Object.keys(stored).map((name) => name.toLowerCase()));
  for (const name of Object.keys(seeded)) if (own.has(name.toLowerCase())) delete seeded[name];
  return { ...seeded, ...stored };
}

/**
 * People by name: Topo's API knows users only by UUID, so a person is a UUID, an alias of the profile, or
 * `me`. In sandbox mode the seeded reps are aliases too (alice, bob, …, and me = alice).
 */
export class People {
  private cached?: Record<string, string>;

  constructor(private readonly session: Session) {}

  /**
   * name → UUID; the profile's aliases win over the sandbox's. The profile must exist, unless the aliases are
   * only shown beside UUIDs, or read to add one (`alias set` creates the profile it names).
   */
  async aliases(options: { lenient?: boolean } = {}): Promise<Record<string, string>> {
    if (!options.lenient) await this.session.existingProfile();
    if (!this.cached) {
      const stored = (await this.session.profile()).aliases ?? {};
      const users = this.session.globals.sandbox ? (await this.session.sandbox()).store.users : [];
      this.cached = withSeededReps(stored, users);
    }
    return this.cached;
  }

  /** Forgets what was read, after the profile changed. */
  forget(): void {
    this.cached = undefined;
  }

  /** Saves an alias in the profile, in place of one spelled the same in another case (names ignore case). */
  async save(name: string, id: string): Promise<void> {
    await this.session.updateProfile((profile) => {
      const others = Object.entries(profile.aliases ?? {}).filter(
        ([other]) => other.toLowerCase() !== name.toLowerCase(),
      );
      profile.aliases = { ...Object.fromEntries(others), [name]: id.toLowerCase() };
    });
    this.cached = undefined;
  }

  /** Who holds a task: how a person finds their own UUID (`alias set me --from-task <id>`). */
  async assigneeOf(taskId: string): Promise<string> {
    const [client, { getTask }] = await Promise.all([this.session.api(), import('./api/tasks.js')]);
    const task = await getTask(client, taskId);
    if (!task.assignee_user_id)
      throw new UsageError(`task ${taskId} is unassigned: give a task that someone holds`);
    return task.assignee_user_id.toLowerCase();
  }

  /**
   * A person argument: a UUID, an alias, or `me`. `flag` names where it was typed; a command that chose `me`
   * by itself is named instead, with what to do.
   */
  async resolve(value: string, flag: string | { command: string }): Promise<string> {
    if (isUuid(value)) return value.toLowerCase();
    if (value.trim() === '')
      throw new UsageError(
        `${typeof flag === 'string' ? flag : '--assignee'}: an empty name (a variable not set?); give a person, 'me' or 'none'`,
      );
    const aliases = await this.aliases();
    const name = aliasNamed(aliases, value);
    if (name !== undefined) return aliases[name]!.toLowerCase();
    // No key at all: that is what to do first (setting 'me' from a task needs one too).
    if (value === 'me') await this.session.credentials();
    if (typeof flag !== 'string' && value === 'me') {
      throw new UsageError(
        `'${flag.command}' shows your own queue, and 'me' is not set: run 'topo alias set me --from-task <id of one of your tasks>' (or 'topo alias set me <your-user-uuid>'), give -a <user>, or try it on the sandbox with '${flag.command.replace(/^topo /, 'topo --sandbox ')}'`,
      );
    }
    const where = typeof flag === 'string' ? flag : '--assignee';
    if (value === 'me') {
      throw new UsageError(
        `${where}: 'me' is not set; run 'topo alias set me --from-task <id of one of your tasks>' or 'topo alias set me <your-user-uuid>'`,
      );
    }
    if (value.includes(',')) throw new UsageError(`${where}: takes one person, not a list ('${value}')`);
    // A flag where the value should be (`--team --json`): the value was left out.
    if (/^--?[a-z]/i.test(value))
      throw new UsageError(`${where}: its value is missing ('${value}' is a flag)`);
    throw new UsageError(`${where}: '${value}' is neither a UUID nor a known alias (see 'topo alias list')`);
  }

  /**
   * Reverse lookup for display: UUID → the one name a person is shown by, the same everywhere. Of several names
   * of one person: a sandbox rep's own name (alice … kai, seeded or set again), else the alias set last; `me`
   * only when there is no other.
   */
  async names(): Promise<Map<string, string>> {
    const aliases = await this.aliases({ lenient: true });
    const reps = this.session.globals.sandbox
      ? new Set((await this.session.sandbox()).store.users.map((u) => u.alias.toLowerCase()))
      : new Set<string>();
    // The profile's aliases are kept in the order they were set (a name set again moves to the end).
    const order = Object.keys(aliases);
    const rank = (name: string) =>
      name === 'me' ? Infinity : reps.has(name.toLowerCase()) ? -Infinity : -order.indexOf(name);
    const names = new Map<string, string>();
    for (const name of [...order].sort((a, b) => rank(a) - rank(b))) {
      const id = aliases[name]!.toLowerCase();
      if (!names.has(id)) names.set(id, name);
    }
    return names;
  }
}

/** The alias a typed name stands for, its case aside ('Bob2' set, 'bob2' typed); own keys only ('toString' is nobody). */
export function aliasNamed(aliases: Record<string, string>, typed: string): string | undefined {
  if (Object.hasOwn(aliases, typed)) return typed;
  const lower = typed.toLowerCase();
  return Object.keys(aliases).find((name) => name.toLowerCase() === lower);
}
