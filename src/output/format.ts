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

/**
 * The units of a relative time, with the narrow English abbreviation Intl.RelativeTimeFormat gives them
 * ('3d ago', 'in 2h'). Written here, not asked of Intl: making a formatter reads ICU's locale data, about 30 ms
 * at every start of a command that shows an age; a test holds these to what Intl says.
 */
export const UNITS: readonly [unit: Intl.RelativeTimeFormatUnit, ms: number, abbr: string][] = [
  ['year', 365 * 86_400_000, 'y'],
  ['month', 30 * 86_400_000, 'mo'],
  ['week', 7 * 86_400_000, 'w'],
  ['day', 86_400_000, 'd'],
  ['hour', 3_600_000, 'h'],
  ['minute', 60_000, 'm'],
];

/** "3h ago", "in 2d": the nearest whole unit below. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return safeText(iso);
  const diff = ms - now;
  for (const [, size, abbr] of UNITS) {
    if (Math.abs(diff) < size) continue;
    const n = Math.trunc(diff / size);
    return n < 0 ? `${-n}${abbr} ago` : `in ${n}${abbr}`;
  }
  return 'just now';
}

export function shortId(id: string | null | undefined): string {
  return id ? `${id.slice(0, 8)}…` : '';
}
