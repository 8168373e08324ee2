import tab from '@bomb.sh/tab/commander';
import type { Argument, Command as TabCommand, Option } from '@bomb.sh/tab';
import type { Command } from 'commander';
import { TASK_PRIORITIES, TASK_TYPES, TEMPLATE_STATUSES } from './api/types.js';
import { ORDER_CHOICES, SCOPE_CHOICES, SORT_CHOICES, STATUS_CHOICES, WITH_CHOICES } from './input/choices.js';
import { outputSpecOf } from './output/flags.js';
import { HELP_TOPICS } from './help.js';
import type { CommandSpec, CompletionSpec, ValueSource } from './complete.js';

/**
 * Shell completion through the completion library's protocol (`topo complete -- <words>`): commands, flags,
 * choice values, --json fields (after commas too), aliases, profiles and campaign names. This file adds the
 * library's `completion <shell>` command to the CLI and describes every command for complete.ts, which
 * answers the requests.
 */

export const COMPLETION_SUMMARY = 'print the shell completion script: bash, zsh, fish or powershell';

const lower = (values: readonly string[]) => values.map((v) => v.toLowerCase());

/** The values of options that mean the same in every command. */
const SOURCES: Record<string, ValueSource> = {
  status: { values: [...STATUS_CHOICES] },
  type: { list: lower(TASK_TYPES) },
  priority: { list: lower(TASK_PRIORITIES) },
  sort: { values: [...SORT_CHOICES] },
  order: { values: [...ORDER_CHOICES] },
  scope: { values: [...SCOPE_CHOICES] },
  with: { list: [...WITH_CHOICES] },
  assignee: { local: 'assignees' },
  to: { local: 'aliases' },
  team: { local: 'aliases', commas: true },
  from: { local: 'aliases' },
  undo: { local: 'jobs' },
  profile: { local: 'profiles' },
  template: { local: 'templates' },
  report: { files: true },
  'plan-out': { files: true },
  data: { files: true },
};

/** A command's own meaning of an option, where it differs from the others'. */
function sourceFor(cmd: Command, path: string, name: string): ValueSource | undefined {
  if (name === 'json') {
    const spec = outputSpecOf(cmd);
    if (!spec?.fields) return undefined;
    const modes = spec.modes?.map((m) => ({ flags: [...m.flags], list: [...m.fields] }));
    return { list: [...spec.fields], ...(modes && { modes }) };
  }
  if (name === 'status' && path === 'templates list') return { list: lower(TEMPLATE_STATUSES) };
  return SOURCES[name];
}

/** The values the library's own handler offers (commander's choices), which depend on nothing typed. */
function staticValues(handler: Option['handler'] | Argument['handler'], owner: TabCommand) {
  if (!handler) return undefined;
  const values: string[] = [];
  (handler as (this: unknown, c: (v: string) => void, o: TabCommand['options']) => void).call(
    undefined,
    (v) => values.push(v),
    owner.options,
  );
  return { values };
}

/**
 * Adds `completion <shell>` (and the hidden `complete`) to the program and returns the description of every
 * command that complete.ts answers from.
 */
export function completionSpec(program: Command): CompletionSpec {
  const completion = tab(program, { completionCommandName: 'completion' });
  program.commands.find((c) => c.name() === 'completion')?.summary(COMPLETION_SUMMARY);
  const globals = [...completion.options.values()];
  const describe = (cmd: Command, path: string, entry: TabCommand): CommandSpec => {
    const options = new Map(entry.options);
    for (const g of globals) if (!options.has(g.value)) options.set(g.value, g);
    return {
      path,
      // Short summaries read better than descriptions in a completion menu.
      description: (path && cmd.summary()) || entry.description,
      options: [...options.values()].map((o) => {
        const source =
          (globals.includes(o) ? SOURCES[o.value] : sourceFor(cmd, path, o.value)) ??
          staticValues(o.handler, entry);
        return {
          name: o.value,
          description: o.description,
          ...(o.alias && { alias: o.alias }),
          boolean: Boolean(o.isBoolean),
          ...(source && { source }),
        };
      }),
      arguments: [...entry.arguments.values()].map((a) => {
        const source =
          path === 'help' && a.name === 'topic'
            ? {
                entries: [
                  ...Object.entries(HELP_TOPICS).map(([name, info]): [string, string] => [
                    name,
                    info.summary,
                  ]),
                  ...program.commands
                    .filter((c) => c.name() !== 'help' && c.name() !== 'complete')
                    .map((c): [string, string] => [c.name(), c.summary()]),
                ],
              }
            : a.name === 'file'
              ? { files: true as const }
              : path === 'alias remove' && a.name === 'name'
                ? { local: 'aliases' as const }
                : staticValues(a.handler, entry);
        return { name: a.name, variadic: a.variadic, ...(source && { source }) };
      }),
    };
  };
  const spec: CompletionSpec = [];
  const walk = (cmd: Command, path: string): void => {
    const entry = path === '' ? completion : completion.commands.get(path);
    if (entry) spec.push(describe(cmd, path, entry));
    for (const sub of cmd.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(program, '');
  return spec;
}

/** The library's scripts, mended where they fall short (see mendBashScript and mendZshScript). */
export function mendScript(script: string): string {
  return mendZshScript(mendBashScript(script));
}

/**
 * The library's zsh script, mended: a value is inserted quoted as the shell reads it back (a campaign name with a
 * space went in bare, `--template Closed-Lost Win-Back`, two words), as bash and fish do.
 */
export function mendZshScript(script: string): string {
  return script.replace(
    '_describe $keepOrder "completions" completions -Q ${flagPrefix}',
    '_describe $keepOrder "completions" completions ${flagPrefix}',
  );
}

/**
 * The library's bash script, mended: its settings are the script's own and can be set again (sourcing it twice
 * from ~/.bashrc made six "readonly variable" errors); a value with a space (a campaign name) goes in quoted as
 * the shell reads it back, or closed in the quote it was begun with; a file's path completes as any path does
 * (when the answer leaves file completion on).
 */
export function mendBashScript(script: string): string {
  const last = '    COMPREPLY=( $(compgen -W "${completions[*]}" -- "$cur") )';
  const register = 'complete -F __topo_complete topo';
  if (!script.includes(last) || !script.includes(register)) return script;
  const request = [
    '    requestComp="topo complete -- ${words[@]:1}"',
    '    ',
    '    # Add an empty parameter if the last parameter is complete',
    '    if [[ -z "$cur" ]]; then',
    '        requestComp="$requestComp \'\'"',
    '    fi',
  ].join('\n');
  const words = '    _get_comp_words_by_ref -n "=:" cur prev words cword';
  if (!script.includes(request) || !script.includes(words)) return script;
  return script
    .replace(words, '    __topo_words')
    .replace(
      '# Function to handle completions\n',
      [
        "# The words of the line, an option's --flag=value one word: bash-completion's _get_comp_words_by_ref where",
        '# it is installed, else the same from the words bash split (at = and :) joined again',
        '__topo_words() {',
        '    if declare -F _get_comp_words_by_ref >/dev/null; then',
        '        _get_comp_words_by_ref -n "=:" cur prev words cword',
        '        return',
        '    fi',
        '    words=(); cword=0',
        '    local i w',
        '    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do',
        '        w=${COMP_WORDS[i]}',
        '        if ((i > 0 && ${#words[@]} > 0)) && [[ $w == [=:] || ${COMP_WORDS[i-1]} == [=:] ]]; then',
        '            words[${#words[@]}-1]+=$w',
        '        else',
        '            words+=("$w")',
        '        fi',
        '        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))',
        '    done',
        '    cur=${words[cword]}',
        '    prev=${words[cword-1]}',
        '}',
        '',
        '# Function to handle completions',
        '',
      ].join('\n'),
    )
    .replace(
      request,
      [
        '    # The words before the cursor as typed (eval reads their quotes), and the word being completed',
        '    # without the quote it was begun with (an unclosed quote would fail the eval) and with its escaped',
        '    # spaces and commas read as the shell will (Closed-Lost\\ W is Closed-Lost W)',
        '    local plain=${cur#[\\"\\\']}',
        '    plain=${plain//\\\\ / }; plain=${plain//\\\\,/,}',
        '    requestComp="topo complete -- ${words[*]:1:cword-1} $(printf \'%q\' "$plain")"',
      ].join('\n'),
    )
    .replace(/readonly ShellCompDirective/g, '__topo_ShellCompDirective')
    .replace(/\$ShellCompDirective/g, '$__topo_ShellCompDirective')
    .replace(
      last,
      [
        '    COMPREPLY=()',
        '    local comp quoted quote="" typed=$plain',
        '    if [[ $cur == [\\"\\\']* ]]; then quote=${cur:0:1}; fi',
        '    # --flag=value: the shell replaces what follows the =, and the values are matched against it',
        '    if [[ $typed == --*=* ]]; then typed=${typed#*=}; fi',
        '    for comp in "${completions[@]}"; do',
        '        [[ -n $comp && $comp == "$typed"* ]] || continue',
        '        # Quoted as the shell reads it back; a comma needs no backslash (--json id,type stays as typed)',
        '        printf -v quoted \'%q\' "$comp"',
        '        if [[ -n $quote ]]; then COMPREPLY+=("$quote$comp$quote"); else COMPREPLY+=("${quoted//\\\\,/,}"); fi',
        '    done',
      ].join('\n'),
    )
    .replace(register, 'complete -o default -F __topo_complete topo');
}
