import { safeText } from '../basics/text.js';

/** Text helpers shared by the renderers: enum labels, relative times, short ids. */

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
