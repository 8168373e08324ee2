import { stringify, type Options } from 'csv-stringify/sync';
import { safeText } from '../basics/text.js';

/**
 * The one way topo writes CSV (`--csv` and `--report`): RFC 4180 with CRLF line ends, by csv-stringify. Every
 * value goes through one rule first: control characters are made visible as on the terminal (`\e`, `\n`,
 * `\x07`), so no line break, escape or bell from the API reaches a cell raw, and a value a spreadsheet would
 * run as a formula is neutralised. csv-stringify then quotes what holds a quote, the delimiter or a line end.
 */

/**
 * A text that starts as a formula would (=, +, - or @, maybe after spaces) gets a leading ', which a
 * spreadsheet takes as "this cell is text" and does not show. Phone numbers and signed numbers too: a
 * spreadsheet computes +1-555-0100 (as -654), fails on +44 161 496 0568, and shows +441614960568 as 4.41615E+11.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * = + - @ at the start, or after spaces (a spreadsheet that trims them on import would see the formula), in
 * their ASCII or full-width forms (＝ ＋ － ＠, which some spreadsheets read as their ASCII twins).
 */
const FORMULA_START = /^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/;

/** A value as its cell shows it. */
export function csvCell(value: unknown): string {
  return neutraliseFormula(safeText(value));
}

const OPTIONS: Options = {
  record_delimiter: 'windows',
  // Nothing with a line end is left by csvCell; quoted anyway, so a row can never end inside a value.
  quoted_match: /[\r\n]/,
  cast: {
    string: csvCell,
    number: (n) => String(n),
    bigint: (n) => String(n),
    boolean: (b) => String(b),
    date: (d) => d.toISOString(),
    object: csvCell,
  },
};

/** Rows (arrays of values) as CSV lines. */
export function csvLines(rows: unknown[][]): string {
  // csv-stringify leaves null and undefined empty without asking the cast.
  return stringify(rows, OPTIONS);
}
