import type { Command } from 'commander';
import { action, type App } from '../app.js';
import { ApiError } from '../api/errors.js';
import { AuthError, UsageError } from '../errors.js';
import type { ApiKeyInfo } from '../api/types.js';
import { redactUrl } from '../api/url.js';
import { SCOPES } from '../api/wire.js';
import type { Context } from '../context.js';
import { helpDetails } from '../help.js';
import { keyFault } from '../input/key.js';
import { addOutputFlags } from '../output/flags.js';

export function registerAuth(program: Command, app: App): void {
  const auth = program
    .command('auth')
    .summary('log in, check and log out of a Topo workspace')
    .description('Store an API key for a workspace (a profile), see which key is in use, or forget it.');
  helpDetails(auth, {
    examples: ['topo auth login      # (needs a real workspace)', 'topo auth status', 'topo auth logout'],
  });
  const loginCmd = auth
    .command('login')
    .summary('store an API key after checking it')
    .description(
      'Asks for an API key (hidden as you type), checks it with the API, and stores it in the profile. ' +
        'With --with-token the key is read from standard input instead, for scripts.',
    )
    .option('--with-token', 'read the key from standard input');
  helpDetails(loginCmd, {
    examples: [
      'topo auth login                                   # (needs a real workspace)',
      'echo "$TOPO_KEY" | topo auth login --with-token   # (needs a real workspace)',
      'topo auth login --profile acme-eu --api-url https://eu.example.com/v1   # (needs a real workspace)',
    ],
  });
  loginCmd.action(action(app, (ctx, opts: { withToken?: boolean }) => login(ctx, opts)));
  const statusCmd = auth
    .command('status')
    .summary('show the key in use and what it may do')
    .description(
      'Shows where the key comes from, its prefix, name, workspace and scopes. Exits 4 when there is no key or the API rejects it.',
    );
  addOutputFlags(statusCmd, {
    fields: [
      'profile',
      'source',
      'storage',
      'api_url',
      'key_prefix',
      'name',
      'organization_id',
      'scopes',
      'valid',
      'views',
      'error',
    ],
  });
  helpDetails(statusCmd, {
    examples: [
      'topo auth status',
      'topo auth status --json',
      'topo auth status --profile acme-eu         # (needs a real workspace)',
    ],
  });
  statusCmd.action(action(app, (ctx) => status(ctx)));
  const logoutCmd = auth.command('logout').summary('forget the stored key of the profile');
  helpDetails(logoutCmd, {
    examples: ['topo auth logout', 'topo auth logout --profile acme-eu         # (needs a real workspace)'],
  });
  logoutCmd.action(action(app, (ctx) => logout(ctx)));
}

async function login(ctx: Context, opts: { withToken?: boolean }): Promise<void> {
  const { terminal, session } = ctx;
  if (ctx.globals.sandbox)
    throw new UsageError(
      ctx.globals.sandboxFromEnv
        ? 'TOPO_SANDBOX is set: the sandbox needs no login (its demo key is used); unset TOPO_SANDBOX to log in to a workspace'
        : 'the sandbox needs no login: its demo key is used automatically',
    );
  let key: string;
  if (opts.withToken) {
    key = (await terminal.readStdin()).trim();
  } else {
    if (!terminal.canPrompt) {
      throw new UsageError(
        'no terminal to ask for the key: pipe it in with --with-token, or set TOPO_API_KEY',
      );
    }
    key = (await (await terminal.prompter()).password('Paste your Topo API key:')).trim();
  }
  if (!key) throw new UsageError('no API key given');
  // Whitespace around a pasted key is dropped above; anything else that is not visible ASCII is refused.
  const fault = keyFault(key);
  if (fault) throw new UsageError(`the API key given ${fault}, which no API key has; nothing was saved`);
  if (!key.startsWith('topo_')) terminal.warn("Topo API keys start with 'topo_'; checking this one anyway");
  const baseUrl = await session.baseUrl();
  const urlNamed = Boolean(ctx.globals.apiUrl || session.env.TOPO_API_URL);
  const client = await session.makeClient(key, baseUrl);
  let info: ApiKeyInfo;
  try {
    const { getMe } = await import('../api/tasks.js');
    info = await getMe(client);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new AuthError(`the API rejected this key (${error.type ?? 'HTTP 401'}); nothing was saved`);
    }
    throw error;
  } finally {
    await client.close();
  }
  const { keychainAccount } = await import('../session.js');
  const keychain = await session.keychain();
  if (keychain) await keychain.set(keychainAccount(session.profileName), key);
  const writer = await session.configWriter();
  await session.updateProfile((profile) => {
    if (keychain) delete profile.api_key;
    else profile.api_key = key;
    profile.key_storage = keychain ? 'keychain' : 'file';
    // The key was checked against this URL: the profile keeps it with the key, whether it was named by
    // --api-url or by TOPO_API_URL (else the key would later go to the profile's URL or the default one).
    if (urlNamed) profile.api_url = baseUrl;
  });
  const { hanging } = await import('../output/thread.js');
  const width = terminal.stderrIsTTY ? terminal.columns : Infinity;
  terminal.err(
    hanging(
      '✓ ',
      `Logged in to workspace ${info.organization_id} as key '${info.name}' (${info.key_prefix}…)`,
      width,
    ),
  );
  terminal.err(hanging('  Scopes: ', info.scopes.join(', ') || '(none)', width));
  terminal.err(`  Profile: ${session.profileName} (${writer.path})`);
  terminal.err(`  API: ${redactUrl(baseUrl)}${urlNamed ? ' (kept in the profile)' : ''}`);
  terminal.err(
    `  Key stored in: ${keychain ? `the OS keychain (${keychain.name})` : `the config file (mode 600)`}`,
  );
  if (!keychain && (await writer.firstTime('file_key_storage'))) {
    terminal.err(
      `note: ${session.env.TOPO_NO_KEYCHAIN === '1' ? 'TOPO_NO_KEYCHAIN=1 is set' : 'no OS keychain is available here'}, so the key is kept in ${writer.path}, readable by you alone. ` +
        'Anyone who can read your files can read it; prefer TOPO_API_KEY from a secret manager on shared machines.',
    );
  }
  if (!info.scopes.includes(SCOPES.write)) {
    terminal.warn(`this key lacks '${SCOPES.write}': skip, reopen and reassign will be refused`);
  }
  for (const v of VIEWS.filter((v) => v.name === 'campaigns' || v.name === 'contacts')) {
    if (!info.scopes.includes(v.scope))
      terminal.err(`note: this key lacks '${v.scope}': ${v.what} will not be shown, only their IDs`);
  }
  if (session.env.TOPO_API_KEY) terminal.warn('TOPO_API_KEY is set and takes precedence over the stored key');
  await offerMe(ctx);
}

/** 'me' is the alias a rep uses most: after logging in, offer to set it from one of their tasks. */
async function offerMe(ctx: Context): Promise<void> {
  const { terminal, people } = ctx;
  if (Object.hasOwn(await people.aliases(), 'me')) return;
  const hint = "set 'me' with 'topo alias set me --from-task <id of one of your tasks>'";
  if (!terminal.canPrompt) {
    terminal.err(`tip: ${hint}`);
    return;
  }
  const answer = (
    await (
      await terminal.prompter()
    ).input(
      "To use 'me' (topo tasks list -a me), paste the ID of a task assigned to you, or press Enter to skip:",
    )
  ).trim();
  if (!answer) {
    terminal.err(`Skipped; later, ${hint}.`);
    return;
  }
  const { parseUuid } = await import('../input/parse.js');
  const id = await people.assigneeOf(parseUuid(answer, 'task id'));
  await people.save('me', id);
  terminal.err(`✓ me → ${id}`);
}

interface AuthStatus {
  profile: string;
  source: string;
  /** Where a stored key is kept: the OS keychain or the config file (null for TOPO_API_KEY and the sandbox). */
  storage: string | null;
  api_url: string;
  key_prefix: string | null;
  name: string | null;
  organization_id: string | null;
  scopes: string[];
  /** Whether the API accepts the key: null when it could not be asked (no answer, or an error). */
  valid: boolean | null;
  /** What the key's scopes allow topo to show and do. */
  views: Record<string, boolean>;
  error?: string;
}

/** The views of topo and the scope each needs. */
const VIEWS = [
  { name: 'tasks', scope: SCOPES.read, what: 'reading tasks' },
  { name: 'changes', scope: SCOPES.write, what: 'skip, reopen, reassign' },
  { name: 'campaigns', scope: SCOPES.sequencesRead, what: 'campaigns and sequence runs' },
  { name: 'contacts', scope: SCOPES.contactsRead, what: 'contact names and details' },
] as const;

async function status(ctx: Context): Promise<void> {
  const { terminal, session, output } = ctx;
  const creds = await session.credentials();
  const client = await session.api();
  const { getMe } = await import('../api/tasks.js');
  const result: AuthStatus = {
    profile: session.profileName,
    source: creds.source,
    storage: creds.storage,
    api_url: redactUrl(creds.baseUrl),
    key_prefix: null,
    name: null,
    organization_id: null,
    scopes: [],
    valid: false,
    views: {},
  };
  let failure: unknown;
  try {
    const info = await getMe(client);
    Object.assign(result, {
      key_prefix: info.key_prefix,
      name: info.name,
      organization_id: info.organization_id,
      scopes: info.scopes,
      valid: true,
      views: Object.fromEntries(VIEWS.map((v) => [v.name, info.scopes.includes(v.scope)])),
    });
  } catch (error) {
    failure = error;
    result.error = error instanceof Error ? error.message : String(error);
    // Not a refusal of the key: what is known here (the profile, the URL, where the key is) is still shown.
    if (!(error instanceof ApiError) || error.status !== 401) result.valid = null;
  }
  const shadowed = creds.source === 'environment' && Boolean((await session.profile()).api_key);
  if (output.format === 'json') {
    await output.json(result);
  } else {
    const from =
      creds.source === 'environment'
        ? 'TOPO_API_KEY'
        : creds.source === 'sandbox'
          ? `sandbox demo key${session.env.TOPO_API_KEY === creds.key ? ', chosen by TOPO_API_KEY' : ''}`
          : `profile '${session.profileName}'`;
    const rows: [string, string][] = [
      ['Profile', session.profileName],
      ['API', result.api_url],
      ['Key from', from],
      ...(creds.storage
        ? [
            [
              'Stored in',
              creds.storage === 'keychain'
                ? `the OS keychain (${(await session.keychain())?.name ?? 'keychain'})`
                : `the config file ${await session.configPath()}`,
            ] as [string, string],
          ]
        : []),
      ...(result.valid
        ? keyRows(result)
        : [
            [
              'Key',
              result.valid === null
                ? 'not checked: the API did not answer (below)'
                : `rejected by the API (${result.error})`,
            ] as [string, string],
          ]),
    ];
    const { labelledSummary } = await import('../output/summary.js');
    await terminal.out(await labelledSummary(rows, output.format === 'table' ? terminal.columns : undefined));
  }
  if (shadowed) terminal.warn(`TOPO_API_KEY shadows the key stored in profile '${session.profileName}'`);
  if (result.valid && !result.scopes.includes(SCOPES.write))
    terminal.warn(`this key lacks '${SCOPES.write}'`);
  if (failure && result.valid === null) throw failure;
  if (failure) throw new AuthError("the API rejected the key; run 'topo auth login' again");
}

/** What a key that the API accepted is, and what it allows. */
function keyRows(result: AuthStatus): [string, string][] {
  const allowed = VIEWS.filter((v) => result.views[v.name]);
  const not = VIEWS.filter((v) => !result.views[v.name]);
  return [
    ['Key', `${result.name} (${result.key_prefix}…)`],
    ['Workspace', String(result.organization_id)],
    ['Scopes', result.scopes.join(', ') || '(none)'],
    ['Allows', allowed.map((v) => v.what).join('; ') || 'nothing'],
    ...(not.length > 0
      ? [['Not', not.map((v) => `${v.what} (needs ${v.scope})`).join('; ')] as [string, string]]
      : []),
  ];
}

async function logout(ctx: Context): Promise<void> {
  const { terminal, session } = ctx;
  const profile = await session.existingProfile();
  if (!profile.api_key && profile.key_storage !== 'keychain') {
    terminal.err(`No key stored in profile '${session.profileName}'.`);
    return;
  }
  if (profile.key_storage === 'keychain') {
    const { keychainAccount } = await import('../session.js');
    const keychain = await session.keychain();
    if (!keychain)
      throw new AuthError('the key is in the OS keychain, which does not answer now; nothing was removed');
    await keychain.delete(keychainAccount(session.profileName));
  }
  await session.updateProfile((p) => {
    delete p.api_key;
    delete p.key_storage;
  });
  terminal.err(`✓ Removed the key of profile '${session.profileName}' from ${await session.configPath()}`);
  if (session.env.TOPO_API_KEY) terminal.warn('TOPO_API_KEY is still set in your environment');
}
