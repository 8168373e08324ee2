import type { SecretStore } from './config/keychain.js';
import type { EnrichNotice } from './domain/task.js';
import type { NameLookups } from './input/filters.js';
import type { Exporter } from './output/exporter.js';
import { Locks } from './services/locks.js';
import { enrichNote } from './output/notes.js';
import { Output } from './output/printer.js';
import { People } from './people.js';
import type { Prompter } from './prompt.js';
import { Session, type GlobalOptions } from './session.js';
import { Terminal, type Env, type InterruptRegistry, type IO } from './terminal.js';

/** What `main()` may be given instead of the real world (tests inject these). */
export interface ContextDeps {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  prompter?: Prompter;
  version?: string;
  /** The OS keychain to use; null for none. Default: the real one when it answers. */
  keychain?: SecretStore | null;
  /** Where Ctrl-C goes: the entry point owns the signals and hands them to a command that asks. */
  interrupts?: InterruptRegistry;
  /** How long a config write waits for another topo's lock (ms); default 30 s. */
  lockWaitMs?: number;
}

/**
 * Everything a command touches of the outside world: the terminal (streams, colour, prompts, signals), the
 * session (config, key, API client, sandbox), people (aliases) and the output layer. Commands never read
 * process.env, write to process.stdout or call process.exit.
 */
export class Context {
  readonly terminal: Terminal;
  readonly session: Session;
  readonly people: People;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly output: Output;
  /** Locks the command takes (a job it runs), released when it ends. */
  readonly locks = new Locks();

  constructor(
    io: IO,
    env: Env,
    readonly globals: GlobalOptions,
    deps: ContextDeps,
    output: { exporter?: Exporter; csv?: boolean } = {},
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.terminal = new Terminal(io, env, {
      ...(globals.color === false && { color: false }),
      ...(globals.links === false && { links: false }),
      ...(deps.prompter && { prompter: deps.prompter }),
      ...(deps.interrupts && { interrupts: deps.interrupts }),
    });
    this.session = new Session(env, globals, this.terminal, {
      now: this.now,
      sleep: this.sleep,
      ...(deps.version && { version: deps.version }),
      ...(deps.keychain !== undefined && { keychain: deps.keychain }),
      ...(deps.lockWaitMs !== undefined && { lockWaitMs: deps.lockWaitMs }),
    });
    this.people = new People(this.session);
    this.output = new Output(this.terminal, output.exporter, output.csv);
  }

  /** Names typed in flags to ids: people by alias (see People), campaigns by name (one request each). */
  lookups(): NameLookups {
    return {
      person: (value, flag) => this.people.resolve(value, flag),
      templates: async (values) => {
        const [client, { resolveTemplates }] = await Promise.all([
          this.session.api(),
          import('./services/templates.js'),
        ]);
        return resolveTemplates(client, values, (names) => this.rememberTemplateNames(names));
      },
    };
  }

  /** Campaign names seen, kept for shell completion in this workspace; a cache that cannot be written is not. */
  async rememberTemplateNames(names: string[]): Promise<void> {
    const [{ cacheDir }, { saveTemplateNames }, workspace] = await Promise.all([
      import('./config/paths.js'),
      import('./config/names-cache.js'),
      this.session.workspace(),
    ]);
    saveTemplateNames(cacheDir(this.session.env), workspace, names, this.now());
  }

  /** What the lookups of contacts and campaigns could not do, said once on stderr (in the sandbox's words there). */
  noteEnrichment(notice: EnrichNotice): void {
    this.terminal.err(enrichNote(notice, Boolean(this.session.globals.sandbox)));
  }

  async close(): Promise<void> {
    await this.locks.release();
    await this.session.close();
  }
}
