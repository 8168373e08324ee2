import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDir } from './store.js';

/**
 * Campaign (template) names per profile, for shell completion: names only, nothing personal, and never
 * offered when more than a day old. Completion reads it without touching the network.
 */

const FILE = 'templates.json';
const MAX_AGE_MS = 86_400_000;

interface CacheFile {
  [profile: string]: { saved_at: string; names: string[] };
}

function read(dir: string): CacheFile {
  try {
    const data = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as CacheFile) : {};
  } catch {
    return {};
  }
}

export function cachedTemplateNames(dir: string, profile: string, now: number): string[] {
  const entry = read(dir)[profile];
  if (!entry || !Array.isArray(entry.names)) return [];
  const age = now - Date.parse(entry.saved_at);
  return age >= 0 && age <= MAX_AGE_MS ? entry.names.filter((n) => typeof n === 'string') : [];
}

/** Saves the names atomically; a cache that cannot be written is simply not written. */
export function saveTemplateNames(dir: string, profile: string, names: string[], now: number): void {
  try {
    makePrivateDir(dir);
    const data = read(dir);
    data[profile] = { saved_at: new Date(now).toISOString(), names: [...new Set(names)].sort() };
    const tmp = join(dir, `${FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, join(dir, FILE));
  } catch {
    // A cache is an optimisation: completion then offers no names.
  }
}
