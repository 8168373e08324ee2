import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jobsDir } from './paths.js';
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

/** How many job ids completion offers after `last`: the newest. */
const JOBS_OFFERED = 30;

/**
 * The ids of the jobs in the state folder, newest first, for `--undo <Tab>`: from the journals' names alone (a
 * regular file each), never their contents.
 */
export function peekJobIds(state: string): string[] {
  try {
    const dir = jobsDir(state);
    return readdirSync(dir)
      .filter((name) => /^[0-9a-f]{8,}\.jsonl$/.test(name))
      .flatMap((name) => {
        const st = lstatSync(join(dir, name), { throwIfNoEntry: false });
        return st?.isFile() ? [{ id: name.slice(0, -'.jsonl'.length), at: st.mtimeMs }] : [];
      })
      .sort((a, b) => b.at - a.at)
      .slice(0, JOBS_OFFERED)
      .map((j) => j.id);
  } catch {
    return [];
  }
}
