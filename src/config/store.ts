import Conf from 'conf';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { TopoError, UsageError } from '../api/errors.js';

export interface ProfileData {
  /** Kept here only where no OS keychain is available. */
  api_key?: string;
  /** Where the profile's key lives. */
  key_storage?: 'keychain' | 'file';
  api_url?: string;
  aliases?: Record<string, string>;
}

interface ConfigData {
  profiles?: Record<string, ProfileData>;
  notices?: Record<string, boolean>;
}

export const CONFIG_FILE_NAME = 'config.json';

const PROFILE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Profiles, keys and aliases in one JSON file, readable by the owner alone. Writes are atomic (the library
 * writes a temporary file and renames it) and serialised between processes by a lock.
 */
export class ConfigStore {
  private conf: Conf<ConfigData>;
  readonly path: string;

  constructor(
    readonly dir: string,
    readonly profileName: string,
    warn: (message: string) => void = () => undefined,
  ) {
    if (!PROFILE_RE.test(profileName)) {
      throw new UsageError(`invalid profile name '${profileName}': use letters, digits, '-' and '_'`);
    }
    this.path = join(dir, CONFIG_FILE_NAME);
    ensurePrivateDir(dir, warn);
    if (existsSync(this.path)) {
      const mode = statSync(this.path).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        chmodSync(this.path, 0o600);
        warn(`${this.path} was readable by others (mode ${mode.toString(8)}); its mode is now 600`);
      }
    }
    try {
      this.conf = new Conf<ConfigData>({
        cwd: dir,
        configName: 'config',
        projectSuffix: '',
        configFileMode: 0o600,
        // No defaults: with them the library writes the file on construction, outside our lock.
        clearInvalidConfig: false,
      });
      this.checkShape();
    } catch (error) {
      if (error instanceof TopoError) throw error;
      throw this.corrupt((error as Error).message.split('\n')[0] ?? 'unreadable');
    }
  }

  private corrupt(reason: string): TopoError {
    return new TopoError(
      `config file ${this.path} is not valid (${reason}); fix it by hand, or move it away and run 'topo auth login' again`,
    );
  }

  private checkShape(): void {
    const profiles: unknown = this.conf.get('profiles') ?? {};
    if (!profiles || typeof profiles !== 'object' || Array.isArray(profiles))
      throw this.corrupt("'profiles' must be an object");
    for (const [name, profile] of Object.entries(profiles as Record<string, unknown>)) {
      if (!profile || typeof profile !== 'object' || Array.isArray(profile))
        throw this.corrupt(`profile '${name}' must be an object`);
      const p = profile as Record<string, unknown>;
      if (p.api_key !== undefined && typeof p.api_key !== 'string')
        throw this.corrupt(`profile '${name}': api_key must be a string`);
      if (p.api_url !== undefined && typeof p.api_url !== 'string')
        throw this.corrupt(`profile '${name}': api_url must be a string`);
      if (p.aliases !== undefined) {
        if (!p.aliases || typeof p.aliases !== 'object' || Array.isArray(p.aliases))
          throw this.corrupt(`profile '${name}': aliases must be an object`);
        for (const [alias, id] of Object.entries(p.aliases)) {
          if (typeof id !== 'string')
            throw this.corrupt(`profile '${name}': alias '${alias}' must map to a UUID string`);
        }
      }
    }
  }

  get profile(): ProfileData {
    return this.conf.get('profiles')?.[this.profileName] ?? {};
  }

  profileNames(): string[] {
    return Object.keys(this.conf.get('profiles') ?? {});
  }

  /** Read-modify-write of the profile under a lock, so two topo processes writing at once lose nothing. */
  async update(change: (profile: ProfileData) => void): Promise<void> {
    await this.locked(() => {
      const profiles = { ...(this.conf.get('profiles') ?? {}) };
      const profile: ProfileData = { ...(profiles[this.profileName] ?? {}) };
      change(profile);
      profiles[this.profileName] = profile;
      this.conf.set('profiles', profiles);
    });
  }

  /** True the first time it is asked for a notice name, then false forever. */
  async firstTime(notice: string): Promise<boolean> {
    let first = false;
    await this.locked(() => {
      const notices = { ...(this.conf.get('notices') ?? {}) };
      first = !notices[notice];
      notices[notice] = true;
      this.conf.set('notices', notices);
    });
    return first;
  }

  aliases(): Record<string, string> {
    return { ...(this.profile.aliases ?? {}) };
  }

  private async locked(work: () => void): Promise<void> {
    const release = await lockfile.lock(this.dir, {
      lockfilePath: join(this.dir, 'config.lock'),
      retries: { retries: 50, minTimeout: 10, maxTimeout: 100, factor: 1.5 },
      stale: 10_000,
    });
    try {
      work();
    } finally {
      await release();
    }
  }
}

function ensurePrivateDir(dir: string, warn: (message: string) => void): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return;
  }
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    chmodSync(dir, 0o700);
    warn(`${dir} was open to others (mode ${mode.toString(8)}); its mode is now 700`);
  }
}
