import Conf from 'conf';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TopoError, UsageError } from '../api/errors.js';

export interface ProfileData {
  api_key?: string;
  api_url?: string;
  aliases?: Record<string, string>;
}

interface ConfigData {
  profiles: Record<string, ProfileData>;
}

export const CONFIG_FILE_NAME = 'config.json';

const PROFILE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Profiles, keys and aliases in one JSON file, readable by the owner alone. */
export class ConfigStore {
  private conf: Conf<ConfigData>;
  readonly path: string;

  constructor(
    readonly dir: string,
    readonly profileName: string,
  ) {
    if (!PROFILE_RE.test(profileName)) {
      throw new UsageError(`invalid profile name '${profileName}': use letters, digits, '-' and '_'`);
    }
    this.path = join(dir, CONFIG_FILE_NAME);
    ensurePrivateDir(dir);
    try {
      this.conf = new Conf<ConfigData>({
        cwd: dir,
        configName: 'config',
        projectSuffix: '',
        configFileMode: 0o600,
        defaults: { profiles: {} },
        clearInvalidConfig: false,
      });
    } catch (error) {
      throw new TopoError(
        `config file ${this.path} is not valid JSON (${(error as Error).message.split('\n')[0]}); fix it or delete it and run 'topo auth login' again`,
      );
    }
    if (existsSync(this.path) && (statSync(this.path).mode & 0o077) !== 0) chmodSync(this.path, 0o600);
  }

  get profile(): ProfileData {
    const profiles = this.conf.get('profiles');
    const profile = profiles && typeof profiles === 'object' ? profiles[this.profileName] : undefined;
    return profile && typeof profile === 'object' ? profile : {};
  }

  profileNames(): string[] {
    return Object.keys(this.conf.get('profiles') ?? {});
  }

  update(change: (profile: ProfileData) => void): void {
    const profiles = { ...(this.conf.get('profiles') ?? {}) };
    const profile: ProfileData = { ...(profiles[this.profileName] ?? {}) };
    change(profile);
    profiles[this.profileName] = profile;
    this.conf.set('profiles', profiles);
  }

  aliases(): Record<string, string> {
    return { ...(this.profile.aliases ?? {}) };
  }
}

function ensurePrivateDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}
