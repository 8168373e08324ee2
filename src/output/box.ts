import { createRequire } from 'node:module';
import type CliTable3 from 'cli-table3';
import { displayWidth } from './width.js';

/**
 * Boxed summaries for a person at a terminal, drawn by cli-table3: a handful of rows whatever the data (a
 * plan's successors, the key in use), where its layout cost does not matter (see table.ts for why lists are
 * not drawn with it). It colours nothing itself (it would, even piped): cells come styled, or plain. It does not
 * fit the terminal by itself: the widths are computed here, and one column gives way.
 */

const load = createRequire(import.meta.url);

export interface Box {
  head?: string[];
  rows: string[][];
  /** The columns wide, the box included. */
  width: number;
  /** The columns that give way, in turn, when the box is too wide (their cells wrapped, or cut with '…'). */
  shrink: number[];
  /** Columns aligned right (counts). */
  right?: number[];
  styleHead?: (text: string) => string;
  /** Wrap the cells of the column that gives way instead of cutting them (a value that must be read whole). */
  wrap?: boolean;
}

const PADDING = 2;

export function boxed(b: Box): string {
  const Table = load('cli-table3') as typeof CliTable3;
  const columns = Math.max(b.head?.length ?? 0, ...b.rows.map((r) => r.length));
  const widths = Array.from(
    { length: columns },
    (_, i) =>
      Math.max(
        ...[b.head?.[i] ?? '', ...b.rows.map((r) => r[i] ?? '')].map((c) => displayWidth(stripAnsi(c))),
      ) + PADDING,
  );
  const total = () => widths.reduce((sum, w) => sum + w, 0) + columns + 1;
  for (const column of b.shrink) {
    const excess = total() - b.width;
    if (excess > 0) widths[column] = Math.max(PADDING + 6, widths[column]! - excess);
  }
  const table = new Table({
    ...(b.head && { head: b.head.map((h) => (b.styleHead ? b.styleHead(h) : h)) }),
    colWidths: widths,
    colAligns: widths.map((_, i) => (b.right?.includes(i) ? 'right' : 'left')),
    wordWrap: Boolean(b.wrap),
    wrapOnWordBoundary: true,
    truncate: '…',
    // No line between rows: a few rows read better without.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
  });
  table.push(...b.rows);
  return table.toString();
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, '');
}
