import envPaths from 'env-paths';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

const paths = () => envPaths('topo', { suffix: '' });

/** The config folder: TOPO_CONFIG_DIR, or the OS's config location for topo. */
export function configDir(env: Env): string {
  return env.TOPO_CONFIG_DIR || paths().config;
}

/** Where topo keeps data it makes (the --sandbox workspace): TOPO_DATA_DIR, or the OS's data location. */
export function dataDir(env: Env): string {
  return env.TOPO_DATA_DIR || paths().data;
}

/** Where bulk jobs keep their journals: TOPO_STATE_DIR, or the OS's state/log location. */
export function stateDir(env: Env): string {
  return env.TOPO_STATE_DIR || paths().log;
}

/** The folder of the jobs' journals (`<id>.jsonl`) in a state folder. */
export function jobsDir(state: string): string {
  return join(state, 'jobs');
}

/** Where topo keeps what it may throw away (campaign names for completion): TOPO_CACHE_DIR, or the OS's. */
export function cacheDir(env: Env): string {
  return env.TOPO_CACHE_DIR || paths().cache;
}

export function sandboxDataFile(env: Env): string {
  return join(dataDir(env), 'sandbox.json');
}
