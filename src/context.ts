import type { ApiClient } from './api/client.js';
import { AuthError, UsageError } from './api/errors.js';
import { DEFAULT_BASE_URL } from './api/wire.js';
import type { SecretStore } from './config/keychain.js';
import type { ConfigStore } from './config/store.js';
import type { Sandbox } from './sandbox/server.js';

export interface GlobalOptions {
  apiUrl?: string;
  profile?: string;
  debug?: boolean;
  /** false with --no-color. */
  color?: boolean;
  /** Seconds. */
  timeout?: number;
  sandbox?: boolean;
  /** Allow sending the key over plain http:// to a host that is not this machine. */
  allowInsecureHttp?: boolean;
}

export interface IO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  columns: number;
}

export interface Prompter {
  confirm(message: string): Promise<boolean>;
  input(message: string): Promise<string>;
  password(message: string): Promise<string>;
}

export type Env = Record<string, string | undefined>;

export interface ContextDeps {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  prompter?: Prompter;
  version?: string;
  /** The OS keychain to use; null for none. Default: the real one when it answers. */
  keychain?: SecretStore | null;
  /** Where Ctrl-C goes: the entry point owns the signals and hands them to a command that asks. */
  interrupts?: InterruptRegistry;
}

export interface InterruptRegistry {
  /** The handler runs on the next Ctrl-C or SIGTERM instead of ending the process; returns its removal. */
  add(handler: () => void): () => void;
  /**
   * Removes signal listeners that libraries installed on loading (the config library's atomic writer kills the
   * process on SIGINT); their clean-up still runs on exit.
   */
  reclaim(): void;
}

export interface Credentials {
  key: string;
  source: 'environment' | 'profile' | 'sandbox';
  /** Where a profile's key is kept. */
  storage: 'keychain' | 'file' | null;
  baseUrl: string;
}

/**
 * Everything a command touches of the outside world, created lazily so that `topo --help` loads nothing
 * heavy. Commands never read process.env or write to process.stdout directly.
 */
export class Context {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly version: string;
  private configStore?: ConfigStore;
  private client?: ApiClient;
  private sandboxServer?: Sandbox;
  private sandboxAliases: Record<string, string> = {};
  private promptImpl?: Prompter;
  private keychainStore?: SecretStore | null;
  private readonly interrupts: InterruptRegistry | undefined;

  constructor(
    readonly io: IO,
    readonly env: Env,
    readonly globals: GlobalOptions,
    deps: ContextDeps = {},
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.version = deps.version ?? '0.0.0';
    if (deps.prompter) this.promptImpl = deps.prompter;
    if (deps.keychain !== undefined) this.keychainStore = deps.keychain;
    this.interrupts = deps.interrupts;
  }

  /** Colour on stdout: off with --no-color, NO_COLOR, TERM=dumb or a pipe; FORCE_COLOR forces it. */
  get color(): boolean {
    return this.colorFor(this.io.stdoutIsTTY);
  }

  get stderrColor(): boolean {
    return this.colorFor(this.io.stderrIsTTY);
  }

  private colorFor(isTTY: boolean): boolean {
    if (this.globals.color === false) return false;
    if (this.env.NO_COLOR !== undefined && this.env.NO_COLOR !== '') return false;
    const force = this.env.FORCE_COLOR;
    if (force !== undefined) return force !== '0' && force !== 'false';
    if (this.env.TERM === 'dumb') return false;
    return isTTY;
  }

  /** The --query expression, compiled: applied to whatever a command prints as JSON. */
  jsonQuery?: (data: unknown) => unknown;

  async setJsonQuery(expression: string): Promise<void> {
    const { compile, TreeInterpreter } = await import('@jmespath-community/jmespath');
    let ast: ReturnType<typeof compile>;
    try {
      ast = compile(expression);
    } catch (error) {
      throw new UsageError(`--query: ${(error as Error).message.split('\n')[0]} in '${expression}'`);
    }
    this.jsonQuery = (data) =>
      TreeInterpreter.search(ast, data as Parameters<typeof TreeInterpreter.search>[1]);
  }

  /** Prompts need a person at both ends. */
  get canPrompt(): boolean {
    return this.io.stdinIsTTY && this.io.stdoutIsTTY;
  }

  /** Spinners and progress bars: only on a TTY stderr outside CI. */
  get showProgress(): boolean {
    return this.io.stderrIsTTY && !this.env.CI;
  }

  get debug(): boolean {
    return Boolean(this.globals.debug) || this.env.TOPO_DEBUG === '1' || this.env.TOPO_DEBUG === 'true';
  }

  get profileName(): string {
    return this.globals.profile || this.env.TOPO_PROFILE || (this.globals.sandbox ? 'sandbox' : 'default');
  }

  /** Writes data to stdout, waiting when the pipe is full so memory stays flat. */
  async out(text: string): Promise<void> {
    await writeAll(this.io.stdout, text);
  }

  /** All of standard input, as text (for `-` arguments and keys piped to `auth login --with-token`). */
  async readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.io.stdin as AsyncIterable<Buffer | string>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Messages for the person: stderr. */
  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  warn(text: string): void {
    this.err(`warning: ${text}`);
  }

  debugLog(line: string): void {
    if (this.debug) this.err(`[debug] ${line}`);
  }

  async config(): Promise<ConfigStore> {
    if (!this.configStore) {
      const [{ ConfigStore }, { configDir }] = await Promise.all([
        import('./config/store.js'),
        import('./config/paths.js'),
      ]);
      this.configStore = new ConfigStore(configDir(this.env), this.profileName, (m) => this.warn(m));
      this.interrupts?.reclaim();
    }
    return this.configStore;
  }

  /** The key and base URL this run uses: flag > environment > profile > default. Never from argv. */
  async credentials(): Promise<Credentials> {
    if (this.globals.sandbox) {
      const sandbox = await this.startSandbox();
      const { SANDBOX_DEFAULT_KEY } = await import('./sandbox/server.js');
      return { key: SANDBOX_DEFAULT_KEY, source: 'sandbox', storage: null, baseUrl: sandbox.url };
    }
    const config = await this.config();
    const baseUrl = await this.baseUrl();
    const envKey = this.env.TOPO_API_KEY;
    if (envKey) return { key: envKey, source: 'environment', storage: null, baseUrl };
    if (config.profile.key_storage === 'keychain') {
      const keychain = await this.keychain();
      if (!keychain) {
        throw new AuthError(
          `the key of profile '${this.profileName}' is kept in the OS keychain, which does not answer now; unlock it, set TOPO_API_KEY, or run 'topo auth login' again`,
        );
      }
      const key = await keychain.get(keychainAccount(this.profileName)).catch(() => null);
      if (key) return { key, source: 'profile', storage: 'keychain', baseUrl };
    }
    const stored = config.profile.api_key;
    if (stored) return { key: stored, source: 'profile', storage: 'file', baseUrl };
    throw new AuthError(
      `no API key${this.profileName === 'default' ? '' : ` for profile '${this.profileName}'`}. Run 'topo auth login' or set TOPO_API_KEY (or try 'topo --sandbox …').`,
    );
  }

  /** The API base URL (flag > environment > profile > default), checked before any key is sent to it. */
  async baseUrl(): Promise<string> {
    const config = await this.config();
    const url = this.globals.apiUrl || this.env.TOPO_API_URL || config.profile.api_url || DEFAULT_BASE_URL;
    checkBaseUrl(url, Boolean(this.globals.allowInsecureHttp));
    return url;
  }

  async api(): Promise<ApiClient> {
    if (!this.client) {
      const creds = await this.credentials();
      this.client = await this.makeClient(creds.key, creds.baseUrl);
    }
    return this.client;
  }

  /** A client for a key that is not stored yet (auth login checks it before saving). */
  async makeClient(key: string, baseUrl: string): Promise<ApiClient> {
    const { ApiClient } = await import('./api/client.js');
    return new ApiClient({
      baseUrl,
      apiKey: key,
      userAgent: `topo/${this.version} node/${process.versions.node}`,
      timeoutMs: (this.globals.timeout ?? 30) * 1000,
      debug: this.debug ? (line) => this.debugLog(line) : undefined,
      sleep: this.sleep,
      now: this.now,
      env: this.env,
    });
  }

  /** Aliases of the profile; in sandbox mode the seeded reps too (alice, bob, …, and me = alice). */
  async aliases(): Promise<Record<string, string>> {
    const stored = (await this.config()).aliases();
    if (this.globals.sandbox) {
      await this.startSandbox();
      return { ...this.sandboxAliases, ...stored };
    }
    return stored;
  }

  /** A person argument: a UUID, an alias, or `me`. */
  async resolveUser(value: string, flag: string): Promise<string> {
    const { isUuid } = await import('./commands/parse.js');
    if (isUuid(value)) return value.toLowerCase();
    const aliases = await this.aliases();
    const id = aliases[value];
    if (id) return id;
    if (value === 'me') {
      throw new UsageError(`${flag}: 'me' is not set; run 'topo alias set me <your-user-uuid>'`);
    }
    throw new UsageError(`${flag}: '${value}' is neither a UUID nor a known alias (see 'topo alias list')`);
  }

  /** Reverse lookup for display: uuid → alias. */
  async aliasNames(): Promise<Map<string, string>> {
    // A person's own name reads better than 'me': 'me' is used only where it is the only alias.
    const entries = Object.entries(await this.aliases()).sort(
      ([a], [b]) => Number(a === 'me') - Number(b === 'me'),
    );
    const names = new Map<string, string>();
    for (const [name, id] of entries) if (!names.has(id)) names.set(id, name);
    return names;
  }

  /** The OS keychain when a persistent one is available. */
  async keychain(): Promise<SecretStore | undefined> {
    if (this.keychainStore === undefined) {
      const { openKeychain } = await import('./config/keychain.js');
      this.keychainStore = (await openKeychain(this.env)) ?? null;
    }
    return this.keychainStore ?? undefined;
  }

  async prompter(): Promise<Prompter> {
    if (!this.promptImpl) {
      const { createPrompter } = await import('./prompt.js');
      this.promptImpl = createPrompter(this.io);
    }
    return this.promptImpl;
  }

  private async startSandbox(): Promise<Sandbox> {
    if (!this.sandboxServer) {
      const [{ startSandbox }, { sandboxDataFile }] = await Promise.all([
        import('./sandbox/server.js'),
        import('./config/paths.js'),
      ]);
      this.sandboxServer = await startSandbox({
        port: 0,
        host: '127.0.0.1',
        dataFile: sandboxDataFile(this.env),
      });
      for (const user of this.sandboxServer.store.users) this.sandboxAliases[user.alias] = user.id;
      const first = this.sandboxServer.store.users[0];
      if (first) this.sandboxAliases.me = first.id;
    }
    return this.sandboxServer;
  }

  /**
   * Runs the handler on the first Ctrl-C (SIGINT) or SIGTERM; a second one ends the process as usual.
   * Returns a function that removes the handler.
   */
  onInterrupt(handler: () => void): () => void {
    if (this.interrupts) return this.interrupts.add(handler);
    const listener = () => {
      dispose();
      handler();
    };
    const dispose = () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return dispose;
  }

  async close(): Promise<void> {
    await this.client?.close();
    await this.sandboxServer?.close();
  }
}

export function keychainAccount(profile: string): string {
  return `profile:${profile}`;
}

/** The key goes over plain http:// only to this machine, unless the user says otherwise. */
export function checkBaseUrl(baseUrl: string, allowInsecureHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`invalid API URL '${baseUrl}'`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`invalid API URL '${baseUrl}': use https://`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowInsecureHttp) {
    throw new UsageError(
      `refusing to send the API key over plain http:// to ${url.host}: use https://, or pass --allow-insecure-http`,
    );
  }
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

export function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (stream.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
