import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makePrivateDir } from '../config/store.js';
import { TopoError } from '../errors.js';

/**
 * Locks that keep two topo processes from doing the same work at once (two runs of one job, a run and its undo,
 * two sweeps): a lock folder made by proper-lockfile, with the holder's host and process id beside it. A lock
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

/** Takes `<dir>/<name>.lock` at once or refuses; returns its release. */
export async function takeLock(dir: string, name: string, busy: string): Promise<() => Promise<void>> {
  const lockfile = await import('proper-lockfile');
  makePrivateDir(dir);
  const path = join(dir, `${name}.lock`);
  const owner = `${path}.owner`;
  for (let attempt = 0; ; attempt++) {
    try {
      // Its own name as the locked "file": the library keeps one lock per file name in a process.
      const release = await lockfile.lock(join(dir, name), {
        lockfilePath: path,
        retries: 0,
        stale: 30_000,
        realpath: false,
        // A lock found stale by another process (this one was stopped for half a minute) is not worth a crash.
        onCompromised: () => undefined,
      });
      writeFileSync(owner, `${hostname()} ${process.pid}\n`, { mode: 0o600 });
      return async () => {
        rmSync(owner, { force: true });
        await release();
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (attempt === 0 && holderGone(owner)) {
        rmSync(path, { recursive: true, force: true });
        rmSync(owner, { force: true });
        continue;
      }
      throw new LockedError(
        `${busy} (lock ${path}); this one did nothing. Wait for it to end, or remove the lock if no topo is running.`,
      );
    }
  }
}

/** Whether the process the lock names is gone: on this host, and no process has its id. */
function holderGone(owner: string): boolean {
  try {
    const [host, pid] = readFileSync(owner, 'utf8').trim().split(' ');
    if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
