import { UsageError } from '../errors.js';
import type { Terminal } from '../terminal.js';
import { isUuid } from '../basics/ids.js';

/**
 * Task IDs from arguments, or from standard input with `-`: one per line or separated by spaces; a line of
 * tab-separated columns (piped `topo tasks list`) gives its first column. Checked and de-duplicated. An empty
 * standard input is an empty list: nothing matched upstream, so there is nothing to do.
 */
export async function readTaskIds(terminal: Terminal, args: string[]): Promise<string[]> {
  let raw = args;
  if (args.includes('-')) {
    if (args.length > 1)
      throw new UsageError("give task IDs as arguments or '-' for standard input, not both");
    if (terminal.io.stdinIsTTY)
      throw new UsageError("'-' reads task IDs from standard input, but it is a terminal; pipe them in");
    raw = (await terminal.readStdin())
      .split(/\r?\n/)
      .flatMap((line) => (line.includes('\t') ? [line.split('\t')[0]!] : line.split(/\s+/)))
      .map((id) => id.trim())
      .filter(Boolean);
    if (raw.length === 0) return [];
  }
  if (raw.length === 0) throw new UsageError('no task IDs given');
  const bad = raw.filter((id) => !isUuid(id));
  if (bad.length > 0) {
    const hint = args.includes('-')
      ? " (standard input should hold task IDs, one per line, or 'topo tasks list' output)"
      : '';
    throw new UsageError(
      `not a task ID: '${bad[0]}'${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}${hint}`,
    );
  }
  return [...new Set(raw.map((id) => id.toLowerCase()))];
}
