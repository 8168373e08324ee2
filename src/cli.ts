import { CommanderError, Option, type Command } from 'commander';
import type { CompletionSpec } from './complete.js';
import type { App } from './app.js';
import { safeText } from './basics/text.js';
import { EXIT, TopoError, UsageError, type ExitCode } from './errors.js';
import type { ContextDeps } from './context.js';
import { registerAuth } from './commands/auth.js';
import { registerAlias } from './commands/alias.js';
import { registerPlan } from './commands/plan.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerStatus } from './commands/status.js';
import { registerTasks } from './commands/tasks/index.js';
import { registerTemplates } from './commands/templates.js';
import { VERSION } from './version.js';
import { errorLine, exitCodeOf } from './output/errors.js';
import { HELP_TOPICS, HELP_WIDTH, TopoCommand, fitLines, helpDetails, topicText } from './help.js';
import type { Env, IO } from './terminal.js';

/** The top-level commands, by name. */
const GROUPS: Record<string, (program: Command, app: App) => void> = {
  status: registerStatus,
  tasks: registerTasks,
  plan: registerPlan,
  templates: registerTemplates,
  auth: registerAuth,
  alias: registerAlias,
  sandbox: registerSandbox,
  help: registerHelp,
};

/**
 * The command tree. Given the command a run names (`tasks` in `topo tasks list`), only that branch is built:
 * a run needs no other, and a word that names none (a typo, to be answered with a suggestion) builds all.
 */
export function buildProgram(app: App, word?: string): Command {
  const program = new TopoCommand('topo');
  // Help is at most 80 columns wide, so the build can render it ahead of time (see renderHelpCache).
  const width = app.io.stdoutIsTTY ? Math.min(HELP_WIDTH, app.io.columns || HELP_WIDTH) : HELP_WIDTH;
  program.configureHelp({ showGlobalOptions: true, helpWidth: width });
  program
    .description(
      'Work with Topo tasks from the terminal: your queue, the conversations behind it, and routing work.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--api-url <url>', 'API base URL (env: TOPO_API_URL)')
    .option('--profile <name>', 'stored workspace profile to use (env: TOPO_PROFILE)')
    .option('--sandbox', 'run against a local sandbox API with demo data (no key needed)')
    .addOption(
      new Option(
        '--timeout <seconds>',
        'time limit of each attempt of a request, in seconds, up to an hour (a request makes up to 4 attempts)',
      )
        .default(30)
        .argParser((v) => {
          const n = Number(v);
          if (!Number.isFinite(n) || n <= 0 || n > 3600)
            throw new CommanderError(
              EXIT.usage,
              'topo.usage',
              `--timeout: '${v}' is not a number of seconds above 0 and at most 3600`,
            );
          return n;
        }),
    )
    .option('--debug', 'log HTTP requests on stderr, key redacted (env: TOPO_DEBUG=1)')
    .option(
      '--allow-insecure-http',
      'allow an http:// API URL that is not this machine (the key travels unencrypted)',
    )
    .option('--no-color', 'no colour (env: NO_COLOR)')
    .option('--no-links', 'no hyperlinks to call or email contacts on a terminal (env: TOPO_LINKS=0)')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => app.io.stdout.write(s),
      writeErr: (s) => app.io.stderr.write(s),
      outputError: (s, write) => {
        // With --json the error is printed as JSON once the parse ends (see reportError).
        if (app.jsonErrors) return;
        write(`${usageLine(s)}\n`);
      },
    })
    .exitOverride()
    .helpCommand(false);
  helpDetails(program, {
    examples: [
      'topo --sandbox tasks list          # try it without a key',
      'topo auth login                    # (needs a real workspace)',
      'export TOPO_SANDBOX=1              # or every command on the sandbox, as these examples',
      'topo tasks list -a me -p hot',
      'topo tasks thread 1d808549-f48e-404c-b905-f780dd4ef1f3',
      'topo tasks reassign --from alice --to bob --dry-run',
    ],
  });
  const only = word !== undefined && Object.hasOwn(GROUPS, word) ? GROUPS[word] : undefined;
  if (only) only(program, app);
  else for (const register of Object.values(GROUPS)) register(program, app);
  // `topo help <command>` serves every level; no implicit `help` subcommand in the groups.
  for (const cmd of allCommands(program)) if (cmd.commands.length > 0) cmd.helpCommand(false);
  return program;
}

/**
 * Every help text at the standard width, keyed by command path ('tasks list', 'tasks ls', 'help exit-codes',
 * '' for the overview): written to dist/help.json by the build so that `--help` needs no command parsing.
 */
export async function renderHelpCache(): Promise<Record<string, string>> {
  const io = { stdoutIsTTY: false, columns: HELP_WIDTH } as IO;
  const program = buildProgram({ io, env: {}, deps: {} });
  await addCompletion(program, false);
  const cache: Record<string, string> = { '': overview(program), '--help': program.helpInformation() };
  const walk = (cmd: Command, paths: string[]): void => {
    for (const sub of cmd.commands) {
      if (sub.name() === 'help') continue;
      const names = [sub.name(), ...sub.aliases()];
      const subPaths = paths.flatMap((p) => names.map((n) => (p ? `${p} ${n}` : n)));
      for (const p of subPaths) cache[p] = sub.helpInformation();
      walk(sub, subPaths);
    }
  };
  walk(program, ['']);
  for (const name of Object.keys(HELP_TOPICS)) cache[`help ${name}`] = topicText(name);
  return cache;
}

function finishProgram(program: Command): void {
  for (const cmd of allCommands(program)) {
    cmd.exitOverride().configureOutput(program.configureOutput());
    explainSwallowedArgument(cmd);
    nameExcessArguments(cmd);
    if (cmd.commands.length > 0) {
      helpOfGroupOnStdout(cmd);
      suggestCommandsOnce(cmd);
    }
  }
}

/**
 * `--json [fields]` takes the word after it as its fields: `tasks show --json <id>` leaves the command without
 * its ID. Said as such, rather than as a missing argument the person did type.
 */
function explainSwallowedArgument(command: Command): void {
  // commander's hook for a missing argument (not in its type declarations).
  const cmd = command as Command & { missingArgument(name: string): never };
  const missing = cmd.missingArgument.bind(cmd);
  cmd.missingArgument = (name: string) => {
    const taken = cmd.opts<{ json?: unknown }>().json;
    if (typeof taken === 'string' && !/^[a-z_]+(,[a-z_.]+)*$/.test(taken))
      cmd.error(
        `error: --json took '${taken}' as its list of fields, and <${name}> is missing: put --json after it (topo ${cmd.parent?.name() === 'topo' ? '' : `${cmd.parent?.name()} `}${cmd.name()} <${name}> --json), or write --json=<fields>`,
        { code: 'commander.missingArgument' },
      );
    return missing(name);
  };
}

/**
 * A command group typed alone (`topo tasks`) prints its help as `topo tasks --help` does: on stdout, exit 0
 * (commander writes it to stderr, as for a mistake), so that `topo tasks | less` shows it.
 */
function helpOfGroupOnStdout(command: Command): void {
  const help = command.help.bind(command) as (context?: { error: boolean }) => never;
  command.help = ((context?: { error: boolean }) =>
    help(command.args.length === 0 ? { error: false } : context)) as Command['help'];
}

/**
 * A mistyped command is answered with the commands it may have meant, each once: by its name, not also by its
 * alias (`did you mean list?`, not `one of list, ls?`). commander counts the aliases as names of their own.
 */
function suggestCommandsOnce(command: Command): void {
  // commander's hook for an unknown command and its list of aliases (not in its type declarations).
  const cmd = command as Command & { unknownCommand(): never };
  const unknown = cmd.unknownCommand.bind(cmd);
  cmd.unknownCommand = () => {
    const subs = cmd.commands as (Command & { _aliases: string[] })[];
    const aliases = subs.map((c) => c._aliases);
    for (const c of subs) c._aliases = [];
    try {
      return unknown();
    } finally {
      subs.forEach((c, i) => (c._aliases = aliases[i]!));
    }
  };
}

/**
 * Words a command does not take are named, with the command and what it takes: `'topo tasks list' takes no
 * arguments, but got 'bob'`, rather than commander's count alone. Most often a value of a flag left without it,
 * or a value with spaces not quoted.
 */
function nameExcessArguments(command: Command): void {
  // commander's hook for words beyond the arguments (not in its type declarations).
  const cmd = command as Command & { _excessArguments(received: string[]): void };
  const excess = cmd._excessArguments.bind(cmd);
  cmd._excessArguments = (received: string[]) => {
    const expected = cmd.registeredArguments;
    if (received.length <= expected.length) return excess(received);
    const path = [];
    for (let c: Command | null = cmd; c?.parent; c = c.parent) path.unshift(c.name());
    const takes = expected.length ? expected.map((a) => `<${a.name()}>`).join(' ') : 'none';
    const stray = received.slice(expected.length).map((w) => `'${safeText(w)}'`);
    cmd.error(
      `error: too many arguments for '${cmd.name()}': 'topo ${path.join(' ')}' takes ${takes}, and ${stray.join(' ')} ${stray.length === 1 ? 'is' : 'are'} left over (a flag's value without its flag, or a value with spaces not quoted?)`,
      { code: 'commander.excessArguments' },
    );
  };
}

function registerHelp(program: Command, app: App): void {
  program
    .command('help [topic...]')
    .summary(
      'help about a command, or a topic: environment, exit-codes, formatting, start-of-day, automation',
    )
    .action((topic: string[]) => {
      const [first] = topic;
      if (first && HELP_TOPICS[first]) {
        app.io.stdout.write(topicText(first));
        return;
      }
      let cmd: Command = program;
      for (const name of topic) {
        const next = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!next) {
          throw new UsageError(
            `unknown help topic or command '${topic.join(' ')}' (topics: ${Object.keys(HELP_TOPICS).join(', ')})`,
          );
        }
        cmd = next;
      }
      app.io.stdout.write(cmd.helpInformation());
    });
}

/** `topo` alone: what it is, the commands that matter, where to start. */
function overview(program: Command): string {
  const lines = ['topo — work with Topo tasks from the terminal.', '', 'Usage: topo <command> [flags]', ''];
  const rows: [string, string][] = [];
  for (const cmd of program.commands) {
    if (cmd.name() === 'help' || cmd.name() === 'complete') continue;
    if (cmd.commands.length > 0) {
      for (const sub of cmd.commands)
        rows.push([`${cmd.name()} ${sub.name()}`, sub.summary() || sub.description()]);
    } else rows.push([cmd.name(), cmd.summary() || cmd.description()]);
  }
  const width = Math.max(...rows.map(([n]) => n.length));
  lines.push('Commands:', ...rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`), '');
  lines.push('Try it without a key:  topo --sandbox tasks list');
  lines.push('More:                  topo <command> --help');
  lines.push('                       topo help environment | exit-codes | formatting');
  lines.push('                       topo help start-of-day | automation');
  return `${fitLines(lines.join('\n'), HELP_WIDTH)}\n`;
}

/**
 * The description of every command for shell completion (complete.ts): written by the build to
 * dist/completion.json, which bin/topo.js answers `topo complete -- …` from without loading the CLI.
 */
export async function renderCompletionSpec(): Promise<CompletionSpec> {
  const io = { stdoutIsTTY: false, columns: HELP_WIDTH } as IO;
  return addCompletion(buildProgram({ io, env: {}, deps: {} }), true);
}

async function addCompletion(program: Command, active: false): Promise<undefined>;
async function addCompletion(program: Command, active: true): Promise<CompletionSpec>;
async function addCompletion(program: Command, active: boolean): Promise<CompletionSpec | undefined> {
  if (!active) {
    // The real command (from the completion library) is loaded only when completing, to keep start-up fast.
    const placeholder = program
      .command('completion <shell>')
      .summary('print the shell completion script: bash, zsh, fish or powershell');
    helpDetails(placeholder, { examples: COMPLETION_EXAMPLES });
    return undefined;
  }
  const { completionSpec } = await import('./completion.js');
  const spec = completionSpec(program);
  const cmd = program.commands.find((c) => c.name() === 'completion');
  if (cmd) helpDetails(cmd, { examples: COMPLETION_EXAMPLES });
  return spec;
}

const COMPLETION_EXAMPLES = [
  "echo 'source <(topo completion bash)' >> ~/.bashrc",
  "echo 'source <(topo completion zsh)' >> ~/.zshrc",
  'mkdir -p ~/.config/fish/completions && topo completion fish > ~/.config/fish/completions/topo.fish',
];

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** The global flags that take a value: what follows them is not the command. */
const GLOBAL_VALUE_FLAGS = new Set(['--api-url', '--profile', '--timeout']);

/** The command named in the arguments (`completion` in `topo --profile x completion fish`). */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** commander's usage message as one line: `error: unknown option '--x' (did you mean --y?)`. */
function usageLine(message: string): string {
  const line = message
    .trimEnd()
    .replace(/\n\(Did you mean (.*)\)/, ' (did you mean $1)')
    // An argument's choices said as a flag's are: `<shell>: invalid value 'tcsh' (allowed: …)`.
    .replace(
      /command-argument value '(.*)' is invalid for argument '(.*)'\. Allowed choices are (.*)\.$/,
      "<$2>: invalid value '$1' (allowed: $3)",
    );
  return line.startsWith('error:') ? line : `error: ${line}`;
}

/**
 * Whether the person asked for JSON, read from the raw arguments: only for errors that happen before the
 * flags are parsed (commander's own usage errors). Once parsed, the output flags decide.
 */
function asksForJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => /^--(json|query)(=|$)/.test(a));
}

/** Runs topo and returns the exit code; only bin/topo.js calls process.exit. */
export async function main(argv: string[], io: IO, env: Env, deps: ContextDeps = {}): Promise<ExitCode> {
  const app: App = { io, env, deps: { version: VERSION, ...deps }, jsonErrors: asksForJson(argv) };
  // `help` shows any command: the whole tree.
  const word = commandWord(argv);
  const program = buildProgram(app, word === 'help' ? undefined : word);
  try {
    if (argv.length === 0) {
      await addCompletion(program, false);
      io.stdout.write(overview(program));
      return EXIT.ok;
    }
    // Help about completion shows the placeholder command's help, as the pre-rendered help does.
    const completing =
      (word === 'completion' || word === 'complete') && !argv.includes('--help') && !argv.includes('-h');
    const spec = completing ? await addCompletion(program, true) : await addCompletion(program, false);
    if (spec && word === 'complete') {
      // What bin/topo.js does from dist/completion.json, from the live description.
      const { complete } = await import('./complete.js');
      await complete(spec, io, env, argv.slice(argv.indexOf('--') + 1 || 1));
      return EXIT.ok;
    }
    finishProgram(program);
    // `completion <shell>`: the library prints the script with console.log, routed to this run's stdout (bash's
    // and zsh's mended on the way).
    const restore = completing
      ? (await import('./complete.js')).routeConsole(io, (await import('./completion.js')).mendScript)
      : () => undefined;
    try {
      await program.parseAsync(argv, { from: 'user' });
    } finally {
      restore();
    }
    return EXIT.ok;
  } catch (error) {
    return reportError(error, app, argv.includes('--debug') || env.TOPO_DEBUG === '1');
  }
}

/** Every error ends here: one line (or one JSON object with --json) on stderr, and its exit code. */
function reportError(error: unknown, app: App, debug: boolean): ExitCode {
  if (error instanceof CommanderError) {
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) {
      return EXIT.ok;
    }
    const usage = new UsageError(usageLine(error.message).replace(/^error: /, ''));
    // commander printed its own message already, unless JSON was asked for; ours (topo.usage) it did not.
    if (app.jsonErrors || error.code === 'topo.usage')
      app.io.stderr.write(errorLine(usage, Boolean(app.jsonErrors)));
    return EXIT.usage;
  }
  // An interruption that has already said all there is to say ends without a line.
  if (!(error instanceof Error && error.message === '' && error instanceof TopoError))
    app.io.stderr.write(errorLine(error, Boolean(app.jsonErrors)));
  // With --debug, the stack of an unexpected error (a bug); topo's own errors say all in their line.
  if (debug && error instanceof Error && !(error instanceof TopoError) && error.stack)
    app.io.stderr.write(`${error.stack}\n`);
  return exitCodeOf(error);
}
