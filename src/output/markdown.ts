import { safeText } from '../basics/text.js';

/**
 * Text from outside (names, campaign names, reasons) as literal text in a Markdown table cell or heading:
 * control characters made visible as on the terminal (so no line break ends a row), then every character that
 * starts something inline in Markdown or HTML backslash-escaped (CommonMark lets any ASCII punctuation be): no
 * value becomes an image, a link, HTML, an entity, code, emphasis, math or a new column. The one escaping path
 * of every Markdown topo writes; no package escapes completely (none escapes the backslash itself, `!` or `|`).
 */
export function markdownText(value: unknown): string {
  // `:`, `.` and `@` too: renderers that link bare URLs, `www.` names and emails (GFM's autolinks) then do not.
  return safeText(value).replace(/[\\`*_[\]<>#!|~&$:.@]/g, (ch) => `\\${ch}`);
}
