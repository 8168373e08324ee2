import type { AsyncEntry as AsyncEntryClass } from '@napi-rs/keyring';

/** The OS keychain: macOS Keychain, Windows Credential Manager, or the Secret Service on Linux. */
export interface SecretStore {
  /** How `auth status` names it. */
  readonly name: string;
  set(account: string, secret: string): Promise<void>;
  get(account: string): Promise<string | null>;
  delete(account: string): Promise<boolean>;
}

const SERVICE = 'topo';
const PROBE_TIMEOUT_MS = 3000;

function storeName(): string {
  if (process.platform === 'darwin') return 'macOS Keychain';
  if (process.platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service';
}

/**
 * The keychain when a persistent one answers, else undefined. On Linux the Secret Service is required: the
 * kernel keyring the library would otherwise fall back to forgets everything at logout.
 */
export async function openKeychain(
  env: Record<string, string | undefined>,
): Promise<SecretStore | undefined> {
  if (env.TOPO_NO_KEYCHAIN === '1' || env.TOPO_NO_KEYCHAIN === 'true') return undefined;
  let AsyncEntry: typeof AsyncEntryClass;
  try {
    ({ AsyncEntry } = await import('@napi-rs/keyring'));
  } catch {
    return undefined;
  }
  const entry = (account: string) => new AsyncEntry(SERVICE, account, { linux: { store: 'secret-service' } });
  try {
    await entry('__probe__').getPassword(AbortSignal.timeout(PROBE_TIMEOUT_MS));
  } catch {
    return undefined;
  }
  return {
    name: storeName(),
    set: (account, secret) => entry(account).setPassword(secret),
    get: (account) => entry(account).getPassword(AbortSignal.timeout(PROBE_TIMEOUT_MS)),
    delete: (account) => entry(account).deletePassword(),
  };
}
