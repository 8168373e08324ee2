import type { ApiClient } from './api/client.js';
import { AuthError, UsageError } from './errors.js';
import { redactUrl } from './api/url.js';
import { DEFAULT_BASE_URL } from './api/wire.js';
import { checkKey } from './input/key.js';
import type { SecretStore } from './config/keychain.js';
import type { Workspace } from './domain/job.js';
import type { ConfigData, ConfigWriter, ProfileData } from './config/store.js';
import type { Sandbox } from './sandbox/server.js';
import type { Env, Terminal } from './terminal.js';

/** The flags every command inherits. */
export interface GlobalOptions {
  apiUrl?: string;
  profile?: string;
  debug?: boolean;
  /** false with --no-color. */
  color?: boolean;
  /** false with --no-links. */
  links?: boolean;
  /** Seconds. */
  timeout?: number;
  sandbox?: boolean;
  /** The sandbox was asked for by TOPO_SANDBOX, not by --sandbox. */
  sandboxFromEnv?: boolean;
  /** Allow sending the key over plain http:// to a host that is not this machine. */
  allowInsecureHttp?: boolean;
}

/**
 * The global flags with what the environment adds: TOPO_SANDBOX=1 is --sandbox (so a shell can follow a
 * tutorial against the sandbox). Any other value than 1/true/yes or 0/false/no/empty is a usage error.
 */
export function globalsWithEnv(flags: GlobalOptions, env: Env): GlobalOptions {
  // A flag given empty (`--api-url "$URL"` with URL unset) would quietly fall back to the next source.
  if (flags.apiUrl !== undefined && flags.apiUrl.trim() === '')
    throw new UsageError('--api-url: empty; give the base URL, such as https://api.topo.io/v1');
  const globals = flags.sandbox ? flags : withSandboxFromEnv(flags, env);
  // The sandbox is a workspace of its own, with its own profile: another profile named with it is a mistake.
  if (globals.sandbox && flags.profile)
    throw new UsageError(
      `--profile ${flags.profile} and ${globals.sandboxFromEnv ? 'TOPO_SANDBOX=1' : '--sandbox'} do not go together: the sandbox has its own profile ('sandbox'); leave out one of them`,
    );
  // … and its own address: an API URL named with it would be quietly unused.
  if (globals.sandbox && flags.apiUrl)
    throw new UsageError(
      `--api-url and ${globals.sandboxFromEnv ? 'TOPO_SANDBOX=1' : '--sandbox'} do not go together: the sandbox runs at an address of its own; leave out one of them`,
    );
  return globals;
}

function withSandboxFromEnv(flags: GlobalOptions, env: Env): GlobalOptions {
  const value = (env.TOPO_SANDBOX ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no'].includes(value)) return flags;
  if (['1', 'true', 'yes'].includes(value)) return { ...flags, sandbox: true, sandboxFromEnv: true };
  throw new UsageError(`TOPO_SANDBOX: '${env.TOPO_SANDBOX}' is not 1 (use the sandbox) or 0 (do not)`);
}

export interface Credentials {
  key: string;
  source: 'environment' | 'profile' | 'sandbox';
  /** Where a profile's key is kept. */
  storage: 'keychain' | 'file' | null;
  baseUrl: string;
}

export interface SessionDeps {
  version?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The OS keychain to use; null for none. Default: the real one when it answers. */
  keychain?: SecretStore | null;
  lockWaitMs?: number;
}

/**
 * Who this run talks to and with what key: the profile, the config file, the keychain, the API client and,
 * with --sandbox, a local sandbox. Each is made on first use, so `topo --help` loads none of them.
 */
export class Session {
  readonly version: string;
  private configData?: ConfigData;
  private writer?: ConfigWriter;
  private client?: ApiClient;
  private sandboxServer?: Promise<Sandbox>;
  private keychainStore?: SecretStore | null;
  private warnedSandboxKey = false;

  constructor(
    readonly env: Env,
    readonly globals: GlobalOptions,
    private readonly terminal: Terminal,
    private readonly deps: SessionDeps = {},
  ) {
    this.version = deps.version ?? '0.0.0';
    if (deps.keychain !== undefined) this.keychainStore = deps.keychain;
  }

  /** The sandbox's own profile with --sandbox; else --profile, TOPO_PROFILE, or 'default'. */
  get profileName(): string {
    if (this.globals.sandbox) return 'sandbox';
    return this.globals.profile || this.env.TOPO_PROFILE || 'default';
  }

  get debug(): boolean {
    return Boolean(this.globals.debug) || this.env.TOPO_DEBUG === '1' || this.env.TOPO_DEBUG === 'true';
  }

  debugLog(line: string): void {
    if (this.debug) this.terminal.err(`[debug] ${line}`);
  }

  private async configDir(): Promise<string> {
    const { configDir } = await import('./config/paths.js');
    return configDir(this.env);
  }

  /** The profile as stored (a plain read of the config file, checked). */
  async profile(): Promise<ProfileData> {
    return this.profileNamed(this.profileName);
  }

  /** A profile as stored, by name (the sandbox's own, `sandbox`, for `topo sandbox`): empty when there is none. */
  async profileNamed(name: string): Promise<ProfileData> {
    if (!this.configData) {
      const [{ readConfig, checkProfileName }, dir] = await Promise.all([
        import('./config/store.js'),
        this.configDir(),
      ]);
      checkProfileName(this.profileName);
      this.configData = readConfig(dir, (m) => this.terminal.warn(m));
    }
    return this.configData.profiles?.[name] ?? {};
  }

  /**
   * The profile, which must exist when it was named (--profile or TOPO_PROFILE): what a command reads from a
   * profile that does not exist is a usage error, the same for every command. 'default' and the sandbox's
   * own profile always exist.
   */
  async existingProfile(): Promise<ProfileData> {
    const profile = await this.profile();
    const name = this.profileName;
    const known = Object.keys(this.configData?.profiles ?? {});
    if (name === 'default' || this.globals.sandbox || known.includes(name)) return profile;
    // With no profile configured at all (a CI machine), a profile named beside TOPO_API_KEY only names the
    // workspace its jobs and aliases belong to: there is nothing to have mistyped it against.
    if (known.length === 0 && this.env.TOPO_API_KEY) return profile;
    throw new UsageError(
      `no profile '${name}'${known.length ? ` (profiles: ${known.sort().join(', ')})` : ''}; 'topo auth login --profile ${name}' creates it`,
    );
  }

  /** The path of the config file, for messages. */
  async configPath(): Promise<string> {
    const [{ join }, { CONFIG_FILE_NAME }, dir] = await Promise.all([
      import('node:path'),
      import('./config/store.js'),
      this.configDir(),
    ]);
    return join(dir, CONFIG_FILE_NAME);
  }

  /** Changes to the config file go through here: locked, atomic, private. */
  async configWriter(): Promise<ConfigWriter> {
    if (!this.writer) {
      const [{ ConfigWriter, checkProfileName }, dir] = await Promise.all([
        import('./config/store.js'),
        this.configDir(),
      ]);
      this.writer = new ConfigWriter(
        dir,
        checkProfileName(this.profileName),
        (m) => this.terminal.warn(m),
        this.deps.lockWaitMs,
      );
    }
    return this.writer;
  }

  /** Changes the profile on disk, and forgets what was read before. */
  async updateProfile(change: (profile: ProfileData) => void): Promise<void> {
    await (await this.configWriter()).update(change);
    this.configData = undefined;
  }

  /** The key and base URL this run uses: flag > environment > profile > default. Never from argv. */
  async credentials(): Promise<Credentials> {
    if (this.globals.sandbox) {
      const sandbox = await this.sandbox();
      const { SANDBOX_DEFAULT_KEY, SANDBOX_KEYS } = await import('./sandbox/server.js');
      // One of the demo keys in TOPO_API_KEY chooses it (to try what a key with fewer scopes sees).
      const chosen = SANDBOX_KEYS.find((k) => k.key === this.env.TOPO_API_KEY)?.key;
      if (this.env.TOPO_API_KEY && !chosen && !this.warnedSandboxKey) {
        this.warnedSandboxKey = true;
        this.terminal.warn(
          "TOPO_API_KEY is not one of the sandbox's keys: --sandbox uses its demo key with every scope",
        );
      }
      return { key: chosen ?? SANDBOX_DEFAULT_KEY, source: 'sandbox', storage: null, baseUrl: sandbox.url };
    }
    const baseUrl = await this.baseUrl();
    // A profile named explicitly must exist whatever the key's source: a mistyped name is never ignored.
    const profile = await this.existingProfile();
    const envKey = this.env.TOPO_API_KEY;
    if (envKey)
      return { key: checkKey(envKey, 'TOPO_API_KEY'), source: 'environment', storage: null, baseUrl };
    if (profile.key_storage === 'keychain') {
      const keychain = await this.keychain();
      if (!keychain) {
        throw new AuthError(
          `the key of profile '${this.profileName}' is kept in the OS keychain, which does not answer now; unlock it, set TOPO_API_KEY, or run 'topo auth login' again`,
        );
      }
      const key = await keychain.get(keychainAccount(this.profileName)).catch(() => null);
      if (key)
        return {
          key: checkKey(key, `the key of profile '${this.profileName}' in the OS keychain`),
          source: 'profile',
          storage: 'keychain',
          baseUrl,
        };
    }
    if (profile.api_key)
      return {
        key: checkKey(profile.api_key, `the key of profile '${this.profileName}' in the config file`),
        source: 'profile',
        storage: 'file',
        baseUrl,
      };
    throw new AuthError(
      `no API key${this.profileName === 'default' ? '' : ` for profile '${this.profileName}'`}. Run 'topo auth login' or set TOPO_API_KEY (or try 'topo --sandbox …').`,
    );
  }

  /** The API base URL (flag > environment > profile > default), checked before any key is sent to it. */
  async baseUrl(): Promise<string> {
    if (this.globals.sandbox) return (await this.sandbox()).url;
    const url =
      this.globals.apiUrl || this.env.TOPO_API_URL || (await this.profile()).api_url || DEFAULT_BASE_URL;
    await checkBaseUrl(url, Boolean(this.globals.allowInsecureHttp));
    return url;
  }

  /**
   * This run's workspace, where jobs and remembered names belong: the API URL (never with its credentials)
   * and the profile. The sandbox listens on a new port each time: its jobs are the sandbox's, whatever the port.
   */
  async workspace(): Promise<Workspace> {
    await this.existingProfile();
    if (this.globals.sandbox) return SANDBOX_WORKSPACE;
    return { api_url: redactUrl(await this.baseUrl()), profile: this.profileName };
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
      // A long wait for the API's rate limit is said once, so a quiet terminal is not mistaken for a hang.
      notice: (line) => this.terminal.err(`note: ${line}`),
      ...(this.deps.sleep && { sleep: this.deps.sleep }),
      ...(this.deps.now && { now: this.deps.now }),
      env: this.env,
    });
  }

  /** The OS keychain when a persistent one is available. */
  async keychain(): Promise<SecretStore | undefined> {
    if (this.keychainStore === undefined) {
      const { openKeychain } = await import('./config/keychain.js');
      this.keychainStore = (await openKeychain(this.env)) ?? null;
    }
    return this.keychainStore ?? undefined;
  }

  /** The in-process sandbox of `topo --sandbox …`, started on first use. */
  sandbox(): Promise<Sandbox> {
    this.sandboxServer ??= (async () => {
      const [{ startSandbox }, { sandboxDataFile }] = await Promise.all([
        import('./sandbox/server.js'),
        import('./config/paths.js'),
      ]);
      return startSandbox({ port: 0, host: '127.0.0.1', dataFile: sandboxDataFile(this.env) });
    })();
    return this.sandboxServer;
  }

  async close(): Promise<void> {
    await this.client?.close();
    if (this.sandboxServer) await (await this.sandboxServer).close();
  }
}

/** The sandbox's workspace, whatever port it listens on: its own profile, 'sandbox'. */
export const SANDBOX_WORKSPACE: Workspace = { api_url: 'sandbox', profile: 'sandbox' };

export function keychainAccount(profile: string): string {
  return `profile:${profile}`;
}

/** The key goes over plain http:// only to this machine, unless the user says otherwise. */
export async function checkBaseUrl(baseUrl: string, allowInsecureHttp: boolean): Promise<void> {
  let url: URL;
  // A query string or fragment may hold a token: it is never quoted back.
  const cut = baseUrl.search(/[?#]/);
  const shown = redactUrl(cut >= 0 ? baseUrl.slice(0, cut) : baseUrl);
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`invalid API URL '${shown}${cut >= 0 ? '…' : ''}'`);
  }
  if (cut >= 0) {
    throw new UsageError(
      `invalid API URL '${shown}…': it must not have a query string or fragment (?… or #…); give the base URL alone, e.g. ${DEFAULT_BASE_URL}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`invalid API URL '${shown}': use https://`);
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !(await isLoopback(url.hostname))) {
    throw new UsageError(
      `refusing to send the API key over plain http:// to ${url.host}: use https://, or pass --allow-insecure-http`,
    );
  }
}

/** A loopback address, or a name that resolves only to loopback addresses (a name alone proves nothing). */
export async function isLoopback(
  hostname: string,
  resolve: (host: string) => Promise<{ address: string }[]> = defaultResolve,
): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const { isIP } = await import('node:net');
  if (isIP(host)) return isLoopbackAddress(host);
  try {
    const addresses = await resolve(host);
    return addresses.length > 0 && addresses.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false;
  }
}

async function defaultResolve(host: string): Promise<{ address: string }[]> {
  const { lookup } = await import('node:dns/promises');
  return lookup(host, { all: true });
}

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address);
}
