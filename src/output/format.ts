/** Text helpers shared by the renderers: terminal safety, widths, times, enum labels. */

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
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return text
    .replace(multiline ? CONTROL_RE : CONTROL_WITH_NEWLINES_RE, escapeChar)
    .replace(/\u2028|\u2029/g, ' ');
}

/** `EMAIL_REPLY` → `email reply`; unknown values are shown as received (made safe). */
export function enumLabel(value: unknown): string {
  return safeText(value).toLowerCase().replace(/_/g, ' ');
}

/** Types whose words are not their wire name's: a to-do reads as one word. */
const TYPE_WORDS: Readonly<Record<string, string>> = { TODO: 'to-do' };

/** A task's type as a person reads it (`email reply`, `to-do`); a type the API adds later, in its own words. */
export function typeLabel(type: unknown): string {
  return (typeof type === 'string' && Object.hasOwn(TYPE_WORDS, type) && TYPE_WORDS[type]) || enumLabel(type);
}

// Made on first use: building it loads locale data (tens of milliseconds) that piped output never needs.
let relative: Intl.RelativeTimeFormat | undefined;
/** Each phrase once: a long table repeats the same few hundred ("3d ago"). */
const phrases = new Map<string, string>();

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3h ago", "in 2d": the nearest whole unit below. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return safeText(iso);
  const diff = ms - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) < size) continue;
    const n = Math.trunc(diff / size);
    const key = `${n} ${unit}`;
    let phrase = phrases.get(key);
    if (phrase === undefined) {
      relative ??= new Intl.RelativeTimeFormat('en', { style: 'narrow', numeric: 'always' });
      phrase = relative.format(n, unit);
      phrases.set(key, phrase);
    }
    return phrase;
  }
  return 'just now';
}

export function shortId(id: string | null | undefined): string {
  return id ? `${id.slice(0, 8)}…` : '';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
