/**
 * Text rules every room shares: what text from outside may put on a terminal (safeText), how long a line of
 * it may be (clip), and counts in words (plural).
 */

// C0 controls except \n and \t, DEL, and C1 controls (8-bit CSI and friends).
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_WITH_NEWLINES_RE = /[\u0000-\u001f\u007f-\u009f]/g;

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x1b) return '\\e';
  if (code === 0x0d) return '\\r';
  if (code === 0x0a) return '\\n';
  if (code === 0x09) return '\\t';
  return `\\x${code.toString(16).padStart(2, '0')}`;
}

/**
 * Neutralises text from the API for a terminal: escape sequences and control characters are shown as
 * visible escapes (\e, \x07) so a contact's message cannot clear the screen or forge lines.
 * Single-line fields also lose their newlines and tabs.
 */
export function safeText(value: unknown, multiline = false): string {
  return (
    asText(value)
      .replace(multiline ? CONTROL_RE : CONTROL_WITH_NEWLINES_RE, escapeChar)
      .replace(/\u2028|\u2029/g, ' ')
      // Marks, embeddings, overrides and isolates reorder what is around them on the screen (a name that reads
      // as another): shown as their escapes.
      .replace(
        /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
        (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
      )
  );
}

/** A value as text: null and undefined empty, an object (or array) as its JSON. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * A value as a field of a TSV line, reversibly: a backslash is doubled, then a tab, line break or other
 * control character is written as its escape (\t, \n, \r, \e, \xHH) and a line or paragraph separator as
 * \u2028 or \u2029. No field holds a raw tab or line break, and unescaping gives back the value as sent (a
 * literal backslash-n and a line break no longer look the same).
 */
export function tsvField(value: unknown): string {
  return asText(value)
    .replace(/\\/g, '\\\\')
    .replace(CONTROL_WITH_NEWLINES_RE, escapeChar)
    .replace(/[\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`);
}

/** Longest text from outside (an API message, a proxy's answer) put in one line; the rest is cut. */
export const MAX_LINE = 300;

/** A text cut to `max` characters, ending with '…' when cut: the one clipper. */
export function clip(text: string, max = MAX_LINE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/**
 * A whole number with its thousands grouped, as `toLocaleString('en-US')` writes it (12,345). Written here:
 * the first toLocaleString of a process reads ICU's locale data, about 20 ms at every start.
 */
export function count(n: number): string {
  if (!Number.isInteger(n)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}
