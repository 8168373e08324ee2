import { readConfig, type ProfileData } from './store.js';

/**
 * The profiles, for shell completion, which must answer fast and must never fail loudly: anything unreadable
 * is simply no data.
 */
export function peekProfiles(dir: string): Record<string, ProfileData> {
  try {
    return readConfig(dir).profiles ?? {};
  } catch {
    return {};
  }
}
