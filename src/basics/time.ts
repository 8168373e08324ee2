/** Times and durations: the one way topo writes an instant, and the one way it says how long something takes. */

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * An instant as ISO 8601 UTC, without a fraction of a second when it has none: 2026-03-14T09:22:11Z
 * (…T09:22:11.5Z keeps it). Built by hand for the common years: the sandbox writes one for every seeded date.
 */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (ms % 1000 !== 0 || !(year >= 1000 && year <= 9999)) return d.toISOString().replace('.000Z', 'Z');
  return `${year}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}Z`;
}

/** To the second (journals, covers, the sandbox's data): 2026-03-14T09:22:11Z. */
export function isoSeconds(ms: number): string {
  return isoTime(Math.floor(ms / 1000) * 1000);
}

/**
 * How long, for a person: as a clock reads it (`45s`, `2m05s`, `1h05m`: what a job took), or in words rounded
 * as a wait is announced ahead (`45 s`, `3 min`).
 */
export function formatDuration(ms: number, style: 'clock' | 'words' = 'clock'): string {
  const s = Math.round(ms / 1000);
  if (style === 'words') return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${two(s % 60)}s` : `${Math.floor(m / 60)}h${two(m % 60)}m`;
}
