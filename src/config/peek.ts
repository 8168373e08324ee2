import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileData } from './store.js';

/**
 * Reads the config file without the config library, for shell completion, which must answer fast and must
 * never fail loudly: anything unreadable is simply no data.
 */
export function peekProfiles(dir: string): Record<string, ProfileData> {
  try {
    const data = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { profiles?: unknown };
    return data.profiles && typeof data.profiles === 'object'
      ? (data.profiles as Record<string, ProfileData>)
      : {};
  } catch {
    return {};
  }
}
