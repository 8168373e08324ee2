import { stringify, type Options } from 'csv-stringify/sync';
import { safeText } from '../basics/text.js';

/**
 * The one way topo writes CSV (`--csv` and `--report`): RFC 4180 with CRLF line ends, by csv-stringify. Every
 * value goes through one rule first: control characters are made visible as on the terminal (`\e`, `\n`,
 * `\x07`), so no line break, escape or bell from the API reaches a cell raw, and a value a spreadsheet would
 * run as a formula is neutralised. csv-stringify then quotes what holds a quote, the delimiter or a line end.
 */

/**
 * A text a spreadsheet would run as a formula (starting with =, @, or + or - followed by more than a number)
 * gets a leading ' — a signed number (-5, +2.5) and a phone number in international form (+44 161 496 0568)
 * are left as they are.
 */
export function neutraliseFormula(text: string): string {
  if (!/^[=+\-@]/.test(text)) return text;
  return /^[+-]\d+(\.\d+)?$/.test(text) || /^\+\d[\d ().-]*$/.test(text) ? text : `'${text}`;
}

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
