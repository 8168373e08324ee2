import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Jsonc from 'jsonc-parser';
import type WriteFileAtomic from 'write-file-atomic';
import * as v from 'valibot';
import { isUuid } from '../basics/ids.js';
import { safeText } from '../basics/text.js';
import { ConfigError, TopoError, UsageError } from '../errors.js';

/** Packages loaded when first needed (writing, or explaining a broken file): start-up never pays for them. */
const load = createRequire(import.meta.url);

export interface ProfileData {
  /** Kept here only where no OS keychain is available. */
  api_key?: string;
  /** Where the profile's key lives. */
  key_storage?: 'keychain' | 'file';
  api_url?: string;
  aliases?: Record<string, string>;
}

export interface ConfigData {
  profiles?: Record<string, ProfileData>;
  notices?: Record<string, boolean>;
}

export const CONFIG_FILE_NAME = 'config.json';

const PROFILE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function checkProfileName(name: string): string {
  if (!PROFILE_RE.test(name)) {
    throw new UsageError(`invalid profile name '${name}': use letters, digits, '-' and '_'`);
  }
  return name;
}

/**
 * The config file as it is on disk, checked: reading needs no config library (start-up stays fast), and a
 * file edited by hand gives one line naming what is wrong. A missing file is an empty config.
 */
export function readConfig(
  dir: string,
  warn?: (message: string) => void,
  { unknown = true }: { unknown?: boolean } = {},
): ConfigData {
  const path = join(dir, CONFIG_FILE_NAME);
  // Without a way to tell the person, nothing is repaired (shell completion reads quietly).
  if (warn) repairModes(dir, path, warn);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw corrupt(path, (error as NodeJS.ErrnoException).code ?? 'unreadable');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message quotes the text (a key, or the first line of whatever a symlink points to): only
    // where the fault is, and what kind, is said.
    throw corrupt(path, `not valid JSON: ${faultOf(text)}`);
  }
  checkConfig(data, path);
  if (warn && unknown) for (const key of unknownKeys(data)) warn(`config file ${path}: ${key}; ignored`);
  return data;
}

// Every key of the types, and only those: the compiler refuses a record that misses one or adds one.
const KNOWN_TOP = Object.keys({ profiles: true, notices: true } satisfies Record<keyof ConfigData, true>);
const KNOWN_PROFILE = Object.keys({
  api_key: true,
  key_storage: true,
  api_url: true,
  aliases: true,
} satisfies Record<keyof ProfileData, true>);

/** Keys a hand edit may have mistyped (`api_ur`): kept as they are, but said, with the keys there are. */
function unknownKeys(data: ConfigData): string[] {
  const said = (key: string, where: string, known: string[]) =>
    `'${safeText(key)}'${where} is not a setting of topo (${known.join(', ')})`;
  const found = Object.keys(data)
    .filter((k) => !KNOWN_TOP.includes(k))
    .map((k) => said(k, '', KNOWN_TOP));
  for (const [name, profile] of Object.entries(data.profiles ?? {}))
    for (const key of Object.keys(profile))
      if (!KNOWN_PROFILE.includes(key))
        found.push(said(key, ` in profile '${safeText(name)}'`, KNOWN_PROFILE));
  return found;
}

/** Where JSON text first goes wrong and what is wrong there, in words that quote none of it. */
export function faultOf(text: string): string {
  // Loaded only for a broken file: start-up never pays for it.
  const jsonc = load('jsonc-parser') as typeof Jsonc;
  const errors: Jsonc.ParseError[] = [];
  jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return 'it cannot be read as JSON';
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  const what = jsonc
    .printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return `${what} at line ${line}, column ${column}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object (not a list), then what it must hold. */
const object = (inner: v.GenericSchema) => v.pipe(v.unknown(), v.check(isObject), inner);

/** What topo relies on in its config file (other keys pass as they are). */
const CONFIG = object(
  v.looseObject({
    profiles: v.optional(
      object(
        v.record(
          v.string(),
          object(
            v.looseObject({
              api_key: v.optional(v.string()),
              api_url: v.optional(v.string()),
              aliases: v.optional(object(v.record(v.string(), v.custom<string>(isUuid)))),
            }),
          ),
        ),
      ),
    ),
    notices: v.optional(object(v.record(v.string(), v.unknown()))),
  }),
);

function checkConfig(data: unknown, path: string): asserts data is ConfigData {
  const result = v.safeParse(CONFIG, data, { abortEarly: true });
  if (!result.success)
    throw corrupt(path, configProblem((result.issues[0].path ?? []).map((p) => String(p.key))));
}

/** Where the config file goes wrong, in words, from the path of the first problem. */
function configProblem([top, name, field, alias]: string[]): string {
  if (top === undefined) return 'it must hold a JSON object';
  if (top !== 'profiles') return `'${top}' must be an object`;
  if (name === undefined) return "'profiles' must be an object";
  if (field === undefined) return `profile '${name}' must be an object`;
  if (field !== 'aliases') return `profile '${name}': ${field} must be a string`;
  if (alias === undefined) return `profile '${name}': aliases must be an object`;
  return `profile '${name}': alias '${alias}' must map to a UUID string`;
}

function corrupt(path: string, reason: string): TopoError {
  return new ConfigError(
    `config file ${path} is not valid (${reason}); fix it by hand, or move it away and run 'topo auth login' again`,
  );
}

/** The folder and file are the owner's alone; a symlink is never followed to repair anything. */
function repairModes(dir: string, path: string, warn: (message: string) => void): void {
  const dirStat = lstatOrNull(dir);
  if (dirStat && !dirStat.isSymbolicLink() && (dirStat.mode & 0o077) !== 0) {
    chmodSync(dir, 0o700);
    warn(`${dir} was open to others (mode ${(dirStat.mode & 0o777).toString(8)}); its mode is now 700`);
  }
  const fileStat = lstatOrNull(path);
  if (fileStat && fileStat.isFile() && (fileStat.mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    warn(`${path} was readable by others (mode ${(fileStat.mode & 0o777).toString(8)}); its mode is now 600`);
  }
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** Creates a folder readable by the owner alone, whatever the umask. */
export function makePrivateDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Writing the config: read-modify-write under a lock shared by every topo process (proper-lockfile), written
 * atomically by write-file-atomic (a temporary file renamed over it, synced first), readable by the owner alone.
 */
export class ConfigWriter {
  readonly path: string;

  constructor(
    readonly dir: string,
    readonly profileName: string,
    private readonly warn: (message: string) => void,
    /** How long to wait for another topo's lock: forty processes writing at once on a busy machine fit. */
    private readonly lockWaitMs = 30_000,
  ) {
    this.path = join(dir, CONFIG_FILE_NAME);
  }

  /** Changes the profile under the lock; the change sees what is on disk now, not what was read earlier. */
  async update(change: (profile: ProfileData) => void): Promise<void> {
    await this.locked((data) => {
      const profiles = { ...(data.profiles ?? {}) };
      const profile: ProfileData = { ...(profiles[this.profileName] ?? {}) };
      change(profile);
      profiles[this.profileName] = profile;
      data.profiles = profiles;
    });
  }

  /** True the first time it is asked for a notice name, then false forever. */
  async firstTime(notice: string): Promise<boolean> {
    let first = false;
    await this.locked((data) => {
      const notices = { ...(data.notices ?? {}) };
      first = !notices[notice];
      notices[notice] = true;
      data.notices = notices;
    });
    return first;
  }

  private async locked(change: (data: ConfigData) => void): Promise<void> {
    makePrivateDir(this.dir);
    // Loaded only to write: reading the config needs neither.
    const lockfile = await import('proper-lockfile');
    const writeFileAtomic = load('write-file-atomic') as typeof WriteFileAtomic;
    const lockPath = join(this.dir, 'config.lock');
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.dir, {
        lockfilePath: lockPath,
        retries: {
          retries: 1000,
          minTimeout: 10,
          maxTimeout: 100,
          factor: 1.5,
          randomize: true,
          maxRetryTime: this.lockWaitMs,
        },
        stale: 10_000,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      throw new TopoError(
        `the config file ${this.path} is locked by another topo process (lock ${lockPath}); try again, or remove the lock if no topo is running`,
      );
    }
    try {
      // What it holds was said when the command read it: a change says nothing again.
      const data = readConfig(this.dir, this.warn, { unknown: false });
      change(data);
      await writeFileAtomic(this.path, JSON.stringify(data, undefined, '\t'), { mode: 0o600 });
    } finally {
      await release();
    }
  }
}
