import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * `--report`'s file must be writable before anything moves: a typo must not be found after the job. It is
 * written through a new file (0600) renamed over the name: so its folder must take a new file, and an existing
 * name must be a plain file — a symlink or a device is refused, never written through.
 */
export function checkReportPath(path: string): void {
  if (!path.trim()) throw new UsageError('--report: give a file name');
  if (path === '-')
    throw new UsageError(
      "--report: give a file name ('-' is not one; --json prints the same data on stdout)",
    );
  const dir = dirname(resolve(path));
  let reason: string | undefined;
  try {
    const existing = lstatSync(path, { throwIfNoEntry: false });
    if (!statSync(dir).isDirectory()) reason = `${dir} is not a folder`;
    else if (existing?.isDirectory()) reason = `${path} is a folder`;
    else if (existing?.isSymbolicLink())
      reason = 'it is a symbolic link (a report is never written through one; name the file itself)';
    else if (existing && !existing.isFile()) reason = 'it is not a plain file';
    else accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    reason = code === 'ENOENT' ? `there is no folder ${dir}` : `it is not writable (${code ?? 'error'})`;
  }
  if (reason) throw new UsageError(`--report: cannot write '${path}': ${reason}`);
}
