import Table from 'cli-table3';
import { truncate } from './format.js';

export interface Column {
  header: string;
  /** Columns that may shrink when the terminal is narrow, in order of who gives way first. */
  shrink?: number;
  minWidth?: number;
  /** Columns that may be left out when shrinking is not enough, in order of who goes first. */
  drop?: number;
}

/**
 * An aligned table without borders, fitted to the terminal width: shrinkable columns are cut with '…'.
 * Cells arrive made safe and possibly coloured; widths are measured on the plain text.
 */
export function renderTable(
  columns: Column[],
  rows: { plain: string[]; styled: string[] }[],
  width: number,
  styleHeader: (s: string) => string,
): string {
  const gap = 2;
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => r.plain[i]!.length)));
  let excess = widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1) - width;
  for (const i of ranked(columns, 'shrink')) {
    if (excess <= 0) break;
    const min = Math.max(columns[i]!.minWidth ?? 6, Math.min(columns[i]!.header.length, widths[i]!));
    const give = Math.min(excess, widths[i]! - min);
    if (give > 0) {
      widths[i]! -= give;
      excess -= give;
    }
  }
  const shown = columns.map(() => true);
  for (const i of ranked(columns, 'drop')) {
    if (excess <= 0) break;
    shown[i] = false;
    excess -= widths[i]! + gap;
  }
  const keep = <T>(items: T[]): T[] => items.filter((_, i) => shown[i]);
  const table = new Table({
    head: keep(columns.map((c, i) => styleHeader(truncate(c.header, widths[i]!)))),
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: ' '.repeat(gap),
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colWidths: keep(widths),
    wordWrap: false,
  });
  for (const row of rows) {
    table.push(
      keep(
        row.styled.map((cell, i) => {
          const plain = row.plain[i]!;
          return plain.length > widths[i]! ? truncate(plain, widths[i]!) : cell;
        }),
      ),
    );
  }
  return `${table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')}\n`;
}

/** Indexes of the columns that have a rank for this, lowest rank first. */
function ranked(columns: Column[], key: 'shrink' | 'drop'): number[] {
  return columns
    .map((c, i) => ({ i, rank: c[key] }))
    .filter((c): c is { i: number; rank: number } => c.rank !== undefined)
    .sort((a, b) => a.rank - b.rank)
    .map((c) => c.i);
}
