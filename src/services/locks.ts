import { chmodSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makePrivateDir } from '../config/store.js';
import { TopoError } from '../errors.js';

/**
 * Locks that keep two topo processes from doing the same work at once (two runs of one job, a run and its undo,
 * two sweeps): a lock folder made by proper-lockfile, with the holder's host and process id in it. A lock
 * whose holder is gone (killed on this machine) is taken over at once; one held by a live process refuses the
 * second command before it reads or sends anything.
 */

/** What `topo` is refused with when the lock is held: exit 1, one line. */
export class LockedError extends TopoError {}

/** Takes a lock of the jobs folder by name for the rest of the command; refused (a LockedError) in `busy`'s words. */
export type JobLock = (name: string, busy: string) => Promise<void>;

/** The words a job's lock is refused with. */
export const jobBusy = (id: string) =>
  `job ${id} is in use by another topo process (a run, an undo or a sweep of it)`;

/**
 * Holds the lock of the job a spec names, whichever it turns out to be: the job is found again once its lock is
 * held, and if another took its place meanwhile (an undo closed it: the next run starts a new one), that one's
 * is held too.
 */
export async function holdJob(lock: JobLock, idOf: () => string): Promise<void> {
  for (let id = idOf(); ;) {
    await lock(id, jobBusy(id));
    const again = idOf();
    if (again === id) return;
    id = again;
  }
}

/** The lock of a leaver's offboardings: two of the same person at once would both claim every task of theirs. */
export async function holdLeaver(lock: JobLock, leaver: string, name: string): Promise<void> {
  await lock(`leaver-${leaver}`, `an offboarding of ${name} is running in another topo process`);
}

/** The locks one command holds, released when it ends (the context closes them). */
export class Locks {
  private readonly held: (() => Promise<void>)[] = [];
  /** The locks held, by path: taking one again (a sweep's job, then its plan) is a no-op. */
  private readonly names = new Set<string>();
  private ended = false;

  /**
   * `<dir>/<name>.lock` for the rest of the command; `busy` says who holds it, in words, when it is held. Work
   * let go by a stop (a plan still reading when Ctrl-C ended the command) takes none: the command has ended.
   */
  async hold(dir: string, name: string, busy: string): Promise<void> {
    if (this.ended) throw new TopoError('the command has ended');
    const path = join(dir, name);
    if (this.names.has(path)) return;
    const release = await takeLock(dir, name, busy);
    if (!this.ended) {
      this.names.add(path);
      return void this.held.push(release);
    }
    await release();
    throw new TopoError('the command has ended');
  }

  async release(): Promise<void> {
    this.ended = true;
    const all = this.held.splice(0);
    await Promise.all(all.map((release) => release().catch(() => undefined)));
  }
}

/**
 * Takes `<dir>/<name>.lock` at once or refuses; returns its release. The holder's host and process id are written
 * inside the lock folder, so they never outlive it, and the library can no longer remove a live holder's lock as
 * stale (its removal of a folder that is not empty fails): a lock is taken over only when its holder is gone.
 */
export async function takeLock(
  dir: string,
  name: string,
  busy: string,
  /** Told when the library gives the lock up as taken by another (tests: it must not happen). */
  compromised: (error: Error) => void = () => undefined,
): Promise<() => Promise<void>> {
  const lockfile = await import('proper-lockfile');
  makePrivateDir(dir);
  const path = join(dir, `${name}.lock`);
  const refused = () =>
    new LockedError(
      `${busy} (lock ${path}); this one did nothing. Wait for it to end, or remove the lock if no topo is running.`,
    );
  for (let attempt = 0; ; attempt++) {
    let release: () => Promise<void>;
    try {
      // Its own name as the locked "file": the library keeps one lock per file name in a process.
      release = await lockfile.lock(join(dir, name), {
        lockfilePath: path,
        retries: 0,
        stale: 30_000,
        realpath: false,
        onCompromised: compromised,
      });
    } catch (error) {
      // ELOCKED: held; ENOTEMPTY: held so long the library took it for stale, and could not remove it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED' && code !== 'ENOTEMPTY') throw error;
      if (attempt === 0 && takeOver(path)) continue;
      throw refused();
    }
    const owner = join(path, 'owner');
    try {
      // The folder's time as the library took it: it checks the time while it holds the lock (and gives the
      // lock up as taken by another when it changed), so writing the holder in must not change it.
      const taken = statSync(path);
      chmodSync(path, 0o700);
      writeFileSync(owner, `${hostname()} ${process.pid}\n`, { mode: 0o600 });
      utimesSync(path, taken.atime, taken.mtime);
    } catch (error) {
      rmSync(path, { recursive: true, force: true });
      await release().catch(() => undefined);
      throw error;
    }
    return async () => {
      await release().catch(() => undefined);
      // Whatever the library made of it, this process's lock is gone when it ends: nobody else may hold it
      // while its holder lives.
      rmSync(path, { recursive: true, force: true });
    };
  }
}

/**
 * A lock whose holder is gone (killed on this host) set aside and removed; true when it was. Set aside by a
 * rename first (one process wins it), then read: a lock taken meanwhile by a live process is put back.
 */
function takeOver(path: string): boolean {
  if (!holderGone(path)) return false;
  const aside = `${path}.${process.pid}.${Date.now()}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  if (!holderGone(aside)) {
    try {
      renameSync(aside, path);
    } catch {
      // Taken again meanwhile: the live holder's lock is the one there now.
    }
    return false;
  }
  rmSync(aside, { recursive: true, force: true });
  return true;
}

/** Whether the process a lock folder names is gone: on this host, and no process has its id. */
function holderGone(path: string): boolean {
  try {
    const [host, pid] = readFileSync(join(path, 'owner'), 'utf8').trim().split(' ');
    if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
