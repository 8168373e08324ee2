import { CommanderError, Option, type Command } from 'commander';
import { action, type App } from './app.js';
import { EXIT, TopoError, UsageError, errorJson, type ExitCode } from './api/errors.js';
import type { ContextDeps, Env, IO } from './context.js';
import { registerAuth } from './commands/auth.js';
import { registerAlias } from './commands/alias.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerTasks } from './commands/tasks/index.js';
import { VERSION } from './version.js';
import { safeText } from './output/format.js';
import { HELP_TOPICS, TopoCommand, helpDetails } from './help.js';

export function buildProgram(app: App): Command {
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
      new Option('--timeout <seconds>', 'network timeout in seconds').default(30).argParser((v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0)
          throw new CommanderError(
            EXIT.usage,
            'topo.usage',
            `--timeout: '${v}' is not a positive number of seconds`,
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
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => app.io.stdout.write(s),
      writeErr: (s) => app.io.stderr.write(s),
      outputError: (s, write) => {
        const line = s.replace(/\n\(Did you mean (.*)\)/, ' (did you mean $1)');
        write(line.startsWith('error:') ? line : `error: ${line}`);
      },
    })
    .exitOverride()
    .helpCommand(false);
  helpDetails(program, {
    examples: [
      'topo --sandbox tasks list',
      'topo auth login',
      'topo tasks list -a me -p hot',
      'topo tasks thread 7f3e9c2a-…',
      'topo tasks reassign --from alice --to bob --dry-run',
    ],
  });
  registerTasks(program, app);
  registerAuth(program, app);
  registerAlias(program, app);
  registerSandbox(program, app);
  registerHelp(program, app);
  // `topo help <command>` serves every level; no implicit `help` subcommand in the groups.
  for (const cmd of allCommands(program)) if (cmd.commands.length > 0) cmd.helpCommand(false);
  return program;
}

export const HELP_WIDTH = 80;

/**
 * Every help text at the standard width, keyed by command path ('tasks list', 'tasks ls', 'help exit-codes',
 * '' for the overview): written to dist/help.json by the build so that `--help` needs no command parsing.
 */
export async function renderHelpCache(): Promise<Record<string, string>> {
  const io = { stdoutIsTTY: false, columns: HELP_WIDTH } as IO;
  const program = buildProgram({ io, env: {}, deps: {} });
  await addCompletion(program, { io, env: {}, deps: {} }, false);
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
  for (const [name, topic] of Object.entries(HELP_TOPICS)) cache[`help ${name}`] = topic.text;
  return cache;
}

function finishProgram(program: Command): void {
  for (const cmd of allCommands(program)) cmd.exitOverride().configureOutput(program.configureOutput());
}

function registerHelp(program: Command, app: App): void {
  program
    .command('help [topic...]')
    .summary('help about a command, or a topic: environment, exit-codes, formatting')
    .action((topic: string[]) => {
      const [first] = topic;
      if (first && HELP_TOPICS[first]) {
        app.io.stdout.write(HELP_TOPICS[first].text);
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
  lines.push(
    'More:                  topo <command> --help · topo help environment | exit-codes | formatting',
  );
  return `${lines.join('\n')}\n`;
}

async function addCompletion(
  program: Command,
  app: App,
  active: boolean,
  argv: string[] = [],
): Promise<void> {
  if (!active) {
    // The real command (from the completion library) is loaded only when completing, to keep start-up fast.
    const placeholder = program
      .command('completion <shell>')
      .summary('print the shell completion script: bash, zsh or fish');
    helpDetails(placeholder, { examples: COMPLETION_EXAMPLES });
    return;
  }
  const { setupCompletion } = await import('./completion.js');
  await setupCompletion(program, app, argv);
  const cmd = program.commands.find((c) => c.name() === 'completion');
  if (cmd) helpDetails(cmd, { examples: COMPLETION_EXAMPLES });
}

const COMPLETION_EXAMPLES = [
  "echo 'source <(topo completion bash)' >> ~/.bashrc",
  "echo 'source <(topo completion zsh)' >> ~/.zshrc",
  'topo completion fish > ~/.config/fish/completions/topo.fish',
];

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs topo and returns the exit code; only bin/topo.js calls process.exit. */
export async function main(argv: string[], io: IO, env: Env, deps: ContextDeps = {}): Promise<ExitCode> {
  const app: App = { io, env, deps: { version: VERSION, ...deps } };
  const program = buildProgram(app);
  const wantsJson = argv.some((a) => a === '--json' || a.startsWith('--json=') || a === '--query');
  try {
    if (argv.length === 0) {
      await addCompletion(program, app, false);
      io.stdout.write(overview(program));
      return EXIT.ok;
    }
    await addCompletion(program, app, argv[0] === 'completion' || argv[0] === 'complete', argv);
    finishProgram(program);
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(error, io, env, wantsJson, argv.includes('--debug') || env.TOPO_DEBUG === '1');
  }
}

function reportError(error: unknown, io: IO, _env: Env, json: boolean, debug: boolean): ExitCode {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return EXIT.ok;
    }
    // commander already printed its message
    if (error.code === 'topo.usage') io.stderr.write(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (json) {
    io.stderr.write(`${JSON.stringify(errorJson(error))}\n`);
  } else {
    io.stderr.write(`error: ${describe(error)}\n`);
  }
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return error instanceof TopoError ? error.exitCode : EXIT.failure;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const api = error as { type?: string; requestId?: string; status?: number };
  const details = [api.type, api.requestId && `request ${api.requestId}`].filter(Boolean);
  // API messages may carry text from outside: make control characters visible before they reach a terminal.
  const message = safeText(error.message.split('\n')[0] ?? '');
  return details.length > 0 ? `${message} (${details.join(', ')})` : message;
}

export { action };
