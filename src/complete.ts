import { Option, RootCommand, type Command as TabCommand, type Complete } from '@bomb.sh/tab';
import { redactUrl } from './api/url.js';
import { DEFAULT_BASE_URL } from './api/wire.js';
import { safeText } from './basics/text.js';
import type { Env, IO } from './terminal.js';

/**
 * Answers a shell's completion request (`topo complete -- <words>`) from a description of the commands: made
 * by completion.ts from the CLI, and written by the build to dist/completion.json so that a Tab press loads
 * neither the CLI nor commander. Reads only local files: aliases, profiles and the campaign names cache.
 */

/** Where an option's or an argument's values come from. */
export type ValueSource =
  /** These values, each whole. */
  | { values: string[] }
  /**
   * A comma-separated list of these values, offered after what is already typed; with `modes`, the list of the
   * first mode one of whose flags is among the words typed (`--json` fields of `reassign --jobs`).
   */
  | { list: string[]; modes?: { flags: string[]; list: string[] }[] }
  /** Values with a description each. */
  | { entries: [string, string][] }
  /** Read at completion time from this machine's settings; with `commas`, a comma-separated list of them. */
  | { local: 'aliases' | 'assignees' | 'profiles' | 'templates' | 'jobs'; commas?: boolean }
  /** A file's path: the shell completes it (the library's protocol: no values, file completion left on). */
  | { files: true };

export interface OptionSpec {
  name: string;
  description: string;
  alias?: string;
  boolean: boolean;
  source?: ValueSource;
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  source?: ValueSource;
}

export interface CommandSpec {
  /** The command's path ('tasks list'); '' is the program itself. */
  path: string;
  description: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
}

export type CompletionSpec = CommandSpec[];

/** The sandbox's reps as `topo --sandbox …` names them (its users, held equal by a test), and me. */
const SANDBOX_ALIASES = [
  ...['alice', 'bob', 'carla', 'dev', 'erin', 'femi'],
  ...['gia', 'hugo', 'ines', 'jon', 'kai'],
  'me',
];

/** Offers values for a comma-separated list, after what is already typed. */
function commaList(current: string, values: readonly string[], complete: Complete): void {
  const typed = current.includes('=') ? current.slice(current.indexOf('=') + 1) : current;
  const cut = typed.lastIndexOf(',');
  const prefix = cut >= 0 ? typed.slice(0, cut + 1) : '';
  const chosen = new Set(prefix.split(',').filter(Boolean));
  for (const v of values) if (!chosen.has(v)) complete(`${prefix}${v}`, '');
}

function flagValue(words: string[], flag: string): string | undefined {
  const i = words.indexOf(flag);
  if (i >= 0) return words[i + 1];
  return words.find((w) => w.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/** Whether the word being completed is the value of one of these options. */
function completingValueOf(spec: CompletionSpec, words: string[], source: string): boolean {
  const flags = new Set<string>();
  for (const cmd of spec)
    for (const o of cmd.options)
      if (o.source && 'local' in o.source && o.source.local === source) {
        flags.add(`--${o.name}`);
        if (o.alias) flags.add(`-${o.alias}`);
      }
  const current = words[words.length - 1] ?? '';
  const previous = words[words.length - 2] ?? '';
  return flags.has(previous) || [...flags].some((f) => current.startsWith(`${f}=`));
}

/** The values of this machine's settings that the words being completed need, and only those. */
async function localValues(spec: CompletionSpec, env: Env, words: string[]) {
  // An argument's values (`alias remove <name>`) are read for any word of its command group: cheap, and its
  // aliases (`alias rm`) need no matching here.
  const byArgument = (source: string) =>
    spec.some(
      (cmd) =>
        cmd.path.split(' ')[0] === words.find((w) => !w.startsWith('-')) &&
        cmd.arguments.some((a) => a.source && 'local' in a.source && a.source.local === source),
    );
  const wanted = (source: string) => completingValueOf(spec, words, source) || byArgument(source);
  const sandbox = words.includes('--sandbox') || /^(1|true|yes)$/i.test(env.TOPO_SANDBOX?.trim() ?? '');
  const profile = sandbox ? 'sandbox' : flagValue(words, '--profile') || env.TOPO_PROFILE || 'default';
  const { configDir, cacheDir, stateDir } = await import('./config/paths.js');
  const all =
    wanted('aliases') || wanted('assignees') || wanted('profiles') || wanted('templates')
      ? (await import('./config/peek.js')).peekProfiles(configDir(env))
      : {};
  // The names of this workspace only: the API URL as a command would choose it, and the profile.
  const apiUrl = sandbox
    ? 'sandbox'
    : redactUrl(
        flagValue(words, '--api-url') || env.TOPO_API_URL || all[profile]?.api_url || DEFAULT_BASE_URL,
      );
  const templates = wanted('templates')
    ? (await import('./config/names-cache.js')).cachedTemplateNames(
        cacheDir(env),
        { api_url: apiUrl, profile },
        Date.now(),
      )
    : [];
  const jobs = wanted('jobs')
    ? ['last', ...(await import('./config/peek.js')).peekJobIds(stateDir(env))]
    : [];
  const names = Object.keys(all[profile]?.aliases ?? {});
  const aliases = [...new Set([...(sandbox ? SANDBOX_ALIASES : []), ...names])].sort();
  return {
    aliases,
    // -a also takes 'none': the tasks of nobody.
    assignees: [...aliases, 'none'],
    profiles: Object.keys(all),
    templates,
    jobs,
  };
}

const DESCRIPTION = {
  aliases: 'alias',
  assignees: 'alias',
  profiles: 'profile',
  templates: 'campaign',
  jobs: 'job',
} as const;

/** Prints the completions of `words` (the words after `topo complete --`) in the completion library's protocol. */
export async function complete(spec: CompletionSpec, io: IO, env: Env, words: string[]): Promise<void> {
  const current = words[words.length - 1] ?? '';
  const local = await localValues(spec, env, words);
  let files = false;
  const handler = (source: ValueSource | undefined) => {
    if (!source) return undefined;
    return (c: Complete) => {
      if ('files' in source) files = true;
      else if ('values' in source) for (const v of source.values) c(v, '');
      else if ('list' in source) {
        const mode = source.modes?.find((m) =>
          m.flags.some((f) => words.includes(f) || words.some((w) => w.startsWith(`${f}=`))),
        );
        commaList(current, mode?.list ?? source.list, c);
      } else if ('entries' in source) for (const [v, d] of source.entries) c(v, d);
      // Names from the API or a hand-edited file: control characters shown, never sent to the shell raw.
      else if (source.commas)
        commaList(
          current,
          local[source.local].map((v) => safeText(v)),
          c,
        );
      else for (const v of local[source.local]) c(safeText(v), DESCRIPTION[source.local]);
    };
  };
  const root = new RootCommand();
  for (const cmd of spec) {
    const target: TabCommand = cmd.path === '' ? root : root.command(cmd.path, cmd.description);
    for (const o of cmd.options)
      target.options.set(
        o.name,
        new Option(target, o.name, o.description, handler(o.source), o.alias, o.boolean),
      );
    for (const a of cmd.arguments) target.argument(a.name, handler(a.source), a.variadic);
  }
  // The library ends with "no file completion" (:4) whatever was asked: for a path, it is left to the shell.
  const restore = routeConsole(io, (line) => (files && line === ':4' ? ':0' : line));
  try {
    root.parse([...words]);
  } finally {
    restore();
  }
}

/** The completion library prints with console.log: its lines go to this run's stdout until `restore()`. */
export function routeConsole(
  io: Pick<IO, 'stdout'>,
  transform: (text: string) => string = (text) => text,
): () => void {
  /* eslint-disable no-console */
  const original = console.log;
  console.log = (...parts: unknown[]) => void io.stdout.write(`${transform(parts.map(String).join(' '))}\n`);
  return () => {
    console.log = original;
  };
  /* eslint-enable no-console */
}
