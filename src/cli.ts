import { Command, CommanderError, Option } from 'commander';
import { action, type App } from './app.js';
import { EXIT, TopoError, errorJson, type ExitCode } from './api/errors.js';
import type { ContextDeps, Env, IO } from './context.js';
import { registerAuth } from './commands/auth.js';
import { registerAlias } from './commands/alias.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerTasks } from './commands/tasks/index.js';
import { VERSION } from './version.js';

export function buildProgram(app: App): Command {
  const program = new Command('topo');
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
    .option('--no-color', 'no colour (env: NO_COLOR)')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => app.io.stdout.write(s),
      writeErr: (s) => app.io.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? s : `error: ${s}`),
    })
    .exitOverride()
    .action(() => {
      program.outputHelp();
    });
  registerTasks(program, app);
  registerAuth(program, app);
  registerAlias(program, app);
  registerSandbox(program, app);
  for (const cmd of allCommands(program)) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs topo and returns the exit code; only bin/topo.js calls process.exit. */
export async function main(argv: string[], io: IO, env: Env, deps: ContextDeps = {}): Promise<ExitCode> {
  const app: App = { io, env, deps: { version: VERSION, ...deps } };
  const program = buildProgram(app);
  const wantsJson = argv.some((a) => a === '--json' || a.startsWith('--json='));
  try {
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
  const message = error.message.split('\n')[0] ?? '';
  return details.length > 0 ? `${message} (${details.join(', ')})` : message;
}

export { action };
