import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { takeLock } from '../../src/services/locks.js';
import { tempDir } from '../helpers.js';

/** The locks of jobs: held as long as the command runs, however long, and gone when it ends. */

afterEach(() => {
  vi.useRealTimers();
});

/** Lets the file system's callbacks run: file system calls of its own, behind the library's, no clock. */
async function turns(dir: string, n = 10): Promise<void> {
  for (let i = 0; i < n; i++) {
    await stat(dir);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('takeLock', () => {
  it('names its holder inside the lock, and is still the holder after the library has checked it many times', async () => {
    const dir = tempDir();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const compromised = vi.fn();
    const release = await takeLock(dir, 'job1', 'busy', compromised);
    expect(readFileSync(join(dir, 'job1.lock', 'owner'), 'utf8')).toBe(`${hostname()} ${process.pid}\n`);
    // A minute held: the library looks at the lock's time every 15 s, and finds it as it left it each time.
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(16_000);
      await turns(dir);
    }
    expect(compromised).not.toHaveBeenCalled();
    await release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is gone when released even if the library gave it up meanwhile', async () => {
    const dir = tempDir();
    const release = await takeLock(dir, 'job2', 'busy');
    // As if the library had given it up (its record gone): the release still leaves nothing behind.
    const lockfile = await import('proper-lockfile');
    await lockfile
      .unlock(join(dir, 'job2'), { lockfilePath: join(dir, 'job2.lock'), realpath: false })
      .catch(() => undefined);
    await release();
    expect(existsSync(join(dir, 'job2.lock'))).toBe(false);
  });
});
