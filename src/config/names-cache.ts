import { isoTime } from '../basics/time.js';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDir } from './store.js';

/**
 * Campaign (template) names per workspace (the API URL and the profile: one profile may point at several
 * APIs), for shell completion: names only, nothing personal, and never offered when more than a day old.
 * Completion reads it without touching the network.
 */

const FILE = 'templates.json';
const MAX_AGE_MS = 86_400_000;

interface CacheFile {
  [workspace: string]: { saved_at: string; names: string[] };
}

/** Where names were read: the API's URL (credentials never included) and the profile. */
export interface NamesWorkspace {
  api_url: string;
  profile: string;
}

const keyOf = (w: NamesWorkspace) => `${w.profile} ${w.api_url}`;

function read(dir: string): CacheFile {
  try {
    const data = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as CacheFile) : {};
  } catch {
    return {};
  }
}

export function cachedTemplateNames(dir: string, workspace: NamesWorkspace, now: number): string[] {
  const entry = read(dir)[keyOf(workspace)];
  if (!entry || !Array.isArray(entry.names)) return [];
  const age = now - Date.parse(entry.saved_at);
  return age >= 0 && age <= MAX_AGE_MS ? entry.names.filter((n) => typeof n === 'string') : [];
}

/** Saves the names atomically; a cache that cannot be written is simply not written. */
export function saveTemplateNames(
  dir: string,
  workspace: NamesWorkspace,
  names: string[],
  now: number,
): void {
  try {
    makePrivateDir(dir);
    const data = read(dir);
    data[keyOf(workspace)] = { saved_at: isoTime(now), names: [...new Set(names)].sort() };
    const tmp = join(dir, `${FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, join(dir, FILE));
  } catch {
    // A cache is an optimisation: completion then offers no names.
  }
}
