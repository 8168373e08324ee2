import { displayWidth, truncate, truncateMiddle } from './width.js';

/**
 * The list renderer: task tables, previews, jobs, aliases, campaigns, watch rows. Aligned columns fitted to the
 * terminal in one pass over the rows, then printed a page at a time: linear in the rows, 3–7 µs a row here.
 *
 * Why not cli-table3, the design's table library, for these: it lays a table out in time that grows with the
 * square of its rows (20,000 rows as one table took 26–39 s on this project's machine; 100,000 did not finish
 * in 600 s; 500,000 overflow the stack), and in chunks of 500 rows with fixed widths it is linear but 170–280 µs
 * a row, 40–60 times this. A listing has no bound (`tasks list --all`), so lists are drawn here; cli-table3
 * draws the bounded, boxed summaries (box.ts: `auth status`, a plan's successors, a rebalance's members,
 * `status --team`), where a handful of rows cost nothing.
 */

/** A column of a terminal table. Cells are plain, safe text; colour is applied after fitting. */
export interface TableColumn<R> {
  header: string;
  cell(record: R): string;
  style?(record: R, text: string): string;
  /**
   * How the column is cut when narrowed: at the end (text), in the middle (identifiers), or as a person is
   * shown: an alias or 'unassigned' at the end, a UUID in the middle.
   */
  cut?: 'end' | 'middle' | 'person';
  /** The column's width before fitting, whatever its rows: for a table whose rows come later (a watch). */
  minWidth?: number;
  /** A shorter cell the column shows when a `{ narrow: true }` step is taken (`1` for `1 2 hours ago`). */
  narrow?(record: R): string;
}

/**
 * How a table gives way on a narrow terminal, in order: each step shrinks a column down to at most `shrink`
 * columns, switches it to its shorter `narrow` cell, or drops it. Steps are taken only while the table is wider than the terminal, and a shrink takes
 * only what is needed. Room a drop frees goes back to the columns shrunk before it, the latest shrunk first.
 * A table never exceeds the width: whatever still does not fit is cut from the right.
 */
export type FitStep =
  | { column: string; shrink: number }
  | { column: string; drop: true }
  /** The column shows its `narrow` cell instead (the rows are measured again). */
  | { column: string; narrow: true }
  /** Down to the widest of its values: only a header wider than every value is cut (`ASSIG…`). */
  | { column: string; toValues: true };

const GAP = 2;
/** A user's UUID where a name could stand: cut in the middle, where names are cut at the end. */
export const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-/i;

export interface FittedTable<R> {
  columns: TableColumn<R>[];
  widths: number[];
}

/** Column widths from the rows in one pass, then fitted to the terminal by the steps. */
export function fitTable<R>(
  columns: TableColumn<R>[],
  rows: readonly R[],
  width: number,
  steps: readonly FitStep[],
): FittedTable<R> {
  const values = columns.map((c) => c.minWidth ?? 0);
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const w = displayWidth(columns[i]!.cell(row));
      if (w > values[i]!) values[i] = w;
    }
  }
  const natural = columns.map((c, i) => Math.max(displayWidth(c.header), values[i]!));
  let shown = columns.map((c, i) => ({ column: c, width: natural[i]!, natural: natural[i]! }));
  const total = () => shown.reduce((sum, c) => sum + c.width, 0) + GAP * Math.max(0, shown.length - 1);
  const shrunk: (typeof shown)[number][] = [];
  for (const step of steps) {
    const excess = total() - width;
    if (excess <= 0) break;
    const index = shown.findIndex((c) => c.column.header === step.column);
    if (index < 0) continue;
    if ('drop' in step) {
      shown = shown.filter((_, i) => i !== index);
    } else if ('narrow' in step) {
      const { column } = shown[index]!;
      if (!column.narrow) continue;
      const narrowed: TableColumn<R> = { ...column, cell: column.narrow };
      let w = Math.max(displayWidth(column.header), column.minWidth ?? 0);
      for (const row of rows) w = Math.max(w, displayWidth(narrowed.cell(row)));
      shown[index] = { column: narrowed, width: w, natural: w };
    } else {
      const entry = shown[index]!;
      const floor = 'toValues' in step ? Math.max(1, values[columns.indexOf(entry.column)]!) : step.shrink;
      const to = Math.max(floor, entry.width - excess, 1);
      if (to < entry.width) {
        entry.width = to;
        shrunk.push(entry);
      }
    }
  }
  // A drop can free more than was needed: the columns shrunk before it take the room back.
  for (const entry of shrunk.reverse()) {
    const room = width - total();
    if (room <= 0) break;
    if (shown.includes(entry)) entry.width = Math.min(entry.natural, entry.width + room);
  }
  // Still too wide: the last columns give way.
  while (shown.length > 1 && total() > width) {
    const last = shown[shown.length - 1]!;
    const excess = total() - width;
    if (last.width - excess >= Math.min(4, last.width)) last.width -= excess;
    else shown.pop();
  }
  if (shown.length === 1 && total() > width) shown[0]!.width = Math.max(1, width);
  return { columns: shown.map((c) => c.column), widths: shown.map((c) => c.width) };
}

/** The lines of a fitted table: a header line (when given a style for it), then a line per row. */
export function renderRows<R>(
  table: FittedTable<R>,
  rows: readonly R[],
  styleHeader?: (header: string) => string,
): string {
  const lines: string[] = [];
  const last = table.columns.length - 1;
  const line = (cells: string[], plain: string[]) =>
    cells
      .map((cell, i) =>
        i === last ? cell : cell + ' '.repeat(table.widths[i]! - displayWidth(plain[i]!) + GAP),
      )
      .join('')
      .trimEnd();
  if (styleHeader) {
    const plain = table.columns.map((c, i) => truncate(c.header, table.widths[i]!));
    lines.push(
      line(
        plain.map((h) => styleHeader(h)),
        plain,
      ),
    );
  }
  for (const row of rows) {
    const plain = table.columns.map((c, i) => {
      const text = c.cell(row);
      const middle = c.cut === 'middle' || (c.cut === 'person' && UUID_LIKE.test(text));
      return middle ? truncateMiddle(text, table.widths[i]!) : truncate(text, table.widths[i]!);
    });
    const styled = plain.map((text, i) => table.columns[i]!.style?.(row, text) ?? text);
    lines.push(line(styled, plain));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** A whole table in one go: fitted to the width, with a header. */
export function renderTable<R>(
  columns: TableColumn<R>[],
  rows: readonly R[],
  width: number,
  steps: readonly FitStep[],
  styleHeader: (header: string) => string,
): string {
  return renderRows(fitTable(columns, rows, width, steps), rows, styleHeader);
}
