import { safeText } from './format.js';

/** One record a line, tab-separated, no header: the stable machine format of piped output. */
export function tsvLine(values: unknown[]): string {
  return `${values.map((v) => safeText(v)).join('\t')}\n`;
}
