import stringWidth from 'string-width';

/** Widths on a terminal: only what draws tables and aligned text loads this (piped output never does). */

/** Columns a text takes on a terminal (wide characters count two, combining marks none). */
export function displayWidth(text: string): number {
  return NARROW.test(text) ? text.length : stringWidth(text);
}

/**
 * Text whose width is its length, the common case: printable ASCII, Latin letters and marks that stand alone,
 * and the punctuation tables use ('…', '—', '✓'). Not the few that string-width counts otherwise (©, ®, ‼, ⁉:
 * emoji; the soft hyphen and direction marks: none); anything else is measured.
 */
export const NARROW =
  /^[\u0020-\u007e\u00a0-\u00a8\u00aa-\u00ac\u00af-\u02ff\u2010-\u2027\u2030-\u203b\u203d-\u2048\u204a-\u205e\u2713]*$/;

// Made when first needed: making one reads ICU's data (about 15 ms), which a command may never need.
let segmenter: Intl.Segmenter | undefined;
const graphemes = (text: string) =>
  (segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' })).segment(text);

/** The text cut to at most `width` columns, ending with '…' when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  if (width === 1) return '…';
  // One column a character: cut where the width says (no grapheme to keep whole).
  if (NARROW.test(text)) return `${text.slice(0, width - 1).trimEnd()}…`;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  // 'new lead…', not 'new lead …'
  return `${out.trimEnd()}…`;
}

/** The text cut in the middle (`e28884d1-5b…b2266792`): both ends of an identifier stay visible. */
export function truncateMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 2) return truncate(text, width);
  const head = Math.ceil((width - 1) / 2);
  const tail = width - 1 - head;
  return `${text.slice(0, head)}…${tail > 0 ? text.slice(-tail) : ''}`;
}

/** Pads to `width` columns. */
export function padEnd(text: string, width: number): string {
  const w = displayWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}
