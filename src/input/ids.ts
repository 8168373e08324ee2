import { UsageError } from '../errors.js';
import type { Terminal } from '../terminal.js';
import { isUuid } from '../basics/ids.js';

/**
 * Task IDs from arguments, or from standard input with `-`: one per line or separated by spaces; a line of
 * tab-separated columns (piped `topo tasks list`) gives its first column, and so does topo's CSV (after its
 * `id,…` header); JSON (`--json`: an array, or an object a line) gives each record's `id`. Checked and de-duplicated. An empty
 * standard input is an empty list: nothing matched upstream, so there is nothing to do.
 */
export async function readTaskIds(terminal: Terminal, args: string[]): Promise<string[]> {
  let raw = args;
  if (args.includes('-')) {
    if (args.length > 1)
      throw new UsageError("give task IDs as arguments or '-' for standard input, not both");
    if (terminal.io.stdinIsTTY)
      throw new UsageError("'-' reads task IDs from standard input, but it is a terminal; pipe them in");
    raw = idsOfText(await terminal.readStdin());
    if (raw.length === 0) return [];
    // Standard input held the IDs: a question goes to the terminal itself, if there is one.
    terminal.askOnTerminal();
  }
  if (raw.length === 0) throw new UsageError('no task IDs given');
  const bad = raw.filter((id) => !isUuid(id));
  if (bad.length > 0) {
    const hint = args.includes('-')
      ? " (standard input should hold task IDs, one per line, or 'topo tasks list' output: piped, --csv or --json)"
      : '';
    throw new UsageError(
      `not a task ID: '${bad[0]}'${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}${hint}`,
    );
  }
  return [...new Set(raw.map((id) => id.toLowerCase()))];
}

/** The IDs in text piped in: plain or TSV lines, topo's CSV, or topo's JSON (see readTaskIds). */
function idsOfText(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const records = (() => {
      try {
        const whole: unknown = JSON.parse(trimmed);
        return Array.isArray(whole) ? whole : [whole];
      } catch {
        // One object a line (`tasks watch --json`); a line that is not JSON is itself, to be named below.
        return trimmed.split(/\r?\n/).map((line) => {
          try {
            return JSON.parse(line) as unknown;
          } catch {
            return line;
          }
        });
      }
    })();
    // A record without an `id` (`--json sequence_id,…` upstream) is said as such.
    const missing = records.filter((r) => typeof r === 'object' && r !== null && !('id' in r));
    if (missing.length > 0)
      throw new UsageError(
        `standard input holds ${missing.length === 1 ? 'a JSON record' : `${missing.length} JSON records`} with no "id" field; pipe 'topo tasks list --json' with id among its fields (--json id,…)`,
      );
    return records.map((r) =>
      typeof r === 'object' && r !== null ? String((r as { id: unknown }).id) : String(r),
    );
  }
  const lines = text.split(/\r?\n/);
  // topo's CSV: its header names the id first; each row's first field (an ID is never quoted).
  if (/^id(,|$)/.test(lines[0] ?? ''))
    return lines
      .slice(1)
      .map((line) => line.split(',')[0]!.trim())
      .filter(Boolean);
  return lines
    .flatMap((line) => (line.includes('\t') ? [line.split('\t')[0]!] : line.split(/\s+/)))
    .map((id) => id.trim())
    .filter(Boolean);
}
