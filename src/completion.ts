import tab from '@bomb.sh/tab/commander';
import type { Command } from 'commander';
import type { App } from './app.js';
import { TASK_PRIORITIES, TASK_TYPES, TEMPLATE_STATUSES } from './api/types.js';
import { ORDER_CHOICES, SCOPE_CHOICES, SORT_CHOICES, STATUS_CHOICES, WITH_CHOICES } from './input/choices.js';
import { outputSpecOf } from './output/flags.js';
import { HELP_TOPICS } from './help.js';

/**
 * Shell completion through the completion library's protocol (`topo complete -- <words>`): commands, flags,
 * choice values, --json fields (after commas too), aliases and profiles. It reads only local files.
 */

type Complete = (value: string, description: string) => void;

export const COMPLETION_SUMMARY = 'print the shell completion script: bash, zsh, fish or powershell';

const SANDBOX_ALIASES = ['alice', 'bob', 'carla', 'dev', 'erin', 'femi', 'me'];

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

const USER_FLAGS = ['-a', '--assignee', '--to', '--from'];

/** Whether the word being completed is the value of one of these flags. */
function completingValueOf(words: string[], flags: string[]): boolean {
  const current = words[words.length - 1] ?? '';
  const previous = words[words.length - 2] ?? '';
  return flags.includes(previous) || flags.some((f) => current.startsWith(`${f}=`));
}

function profileOf(app: App, words: string[]): string {
  const sandbox = words.includes('--sandbox');
  return flagValue(words, '--profile') || app.env.TOPO_PROFILE || (sandbox ? 'sandbox' : 'default');
}

async function localAliases(app: App, words: string[]): Promise<string[]> {
  if (!completingValueOf(words, USER_FLAGS)) return [];
  const [{ peekProfiles }, { configDir }] = await Promise.all([
    import('./config/peek.js'),
    import('./config/paths.js'),
  ]);
  const sandbox = words.includes('--sandbox');
  const profile = profileOf(app, words);
  const names = Object.keys(peekProfiles(configDir(app.env))[profile]?.aliases ?? {});
  return [...new Set([...(sandbox ? SANDBOX_ALIASES : []), ...names])].sort();
}

async function profilesFor(app: App, words: string[]): Promise<string[]> {
  if (!completingValueOf(words, ['--profile'])) return [];
  const [{ peekProfiles }, { configDir }] = await Promise.all([
    import('./config/peek.js'),
    import('./config/paths.js'),
  ]);
  return Object.keys(peekProfiles(configDir(app.env)));
}

/** Campaign names remembered the last time templates were listed (at most a day old). */
async function templateNames(app: App, words: string[]): Promise<string[]> {
  if (!completingValueOf(words, ['--template'])) return [];
  const [{ cachedTemplateNames }, { cacheDir }] = await Promise.all([
    import('./config/names-cache.js'),
    import('./config/paths.js'),
  ]);
  return cachedTemplateNames(cacheDir(app.env), profileOf(app, words), Date.now());
}

export async function setupCompletion(program: Command, app: App, argv: string[]): Promise<void> {
  const completion = tab(program, { completionCommandName: 'completion' });
  const separator = argv.indexOf('--');
  const words = separator >= 0 ? argv.slice(separator + 1) : [];
  const current = words[words.length - 1] ?? '';
  const [aliases, profiles, templates] = await Promise.all([
    localAliases(app, words),
    profilesFor(app, words),
    templateNames(app, words),
  ]);
  const lower = (values: readonly string[]) => values.map((v) => v.toLowerCase());
  const handlers: Record<string, (complete: Complete) => void> = {
    status: (c) => STATUS_CHOICES.forEach((v) => c(v, '')),
    type: (c) => commaList(current, lower(TASK_TYPES), c),
    priority: (c) => commaList(current, lower(TASK_PRIORITIES), c),
    sort: (c) => SORT_CHOICES.forEach((v) => c(v, '')),
    order: (c) => ORDER_CHOICES.forEach((v) => c(v, '')),
    scope: (c) => SCOPE_CHOICES.forEach((v) => c(v, '')),
    with: (c) => commaList(current, WITH_CHOICES, c),
    assignee: (c) => aliases.forEach((v) => c(v, 'alias')),
    to: (c) => aliases.forEach((v) => c(v, 'alias')),
    from: (c) => aliases.forEach((v) => c(v, 'alias')),
    profile: (c) => profiles.forEach((v) => c(v, 'profile')),
    template: (c) => templates.forEach((v) => c(v, 'campaign')),
  };
  /** A command's own meaning of a flag, where it differs from the others'. */
  const handlerFor = (cmd: Command, path: string, name: string): ((c: Complete) => void) | undefined => {
    if (name === 'json') {
      const fields = outputSpecOf(cmd)?.fields;
      return fields ? (c) => commaList(current, fields, c) : undefined;
    }
    if (name === 'status' && path === 'templates list')
      return (c) => commaList(current, lower(TEMPLATE_STATUSES), c);
    return handlers[name];
  };
  program.commands.find((c) => c.name() === 'completion')?.summary(COMPLETION_SUMMARY);
  const globals = [...completion.options];
  for (const [name, option] of globals) {
    const handler = handlers[name];
    if (handler) option.handler = handler;
  }
  const walk = (cmd: Command, path: string): void => {
    const entry = completion.commands.get(path);
    if (entry) {
      // Short summaries read better than descriptions in a completion menu.
      if (cmd.summary()) entry.description = cmd.summary();
      for (const [name, option] of globals) if (!entry.options.has(name)) entry.options.set(name, option);
      for (const [name, option] of entry.options) {
        if (globals.some(([g]) => g === name)) continue;
        option.handler = handlerFor(cmd, path, name);
      }
    }
    for (const sub of cmd.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(program, '');
  const help = completion.commands.get('help');
  const topic = help?.arguments.get('topic');
  if (topic) {
    topic.handler = (c) => {
      for (const [name, info] of Object.entries(HELP_TOPICS)) c(name, info.summary);
      for (const cmd of program.commands)
        if (cmd.name() !== 'help' && cmd.name() !== 'complete') c(cmd.name(), cmd.summary());
    };
  }
}
