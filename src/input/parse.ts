import { closest, distance } from 'fastest-levenshtein';
import { isUuid } from '../basics/ids.js';
import { isoTime } from '../basics/time.js';
import { UsageError } from '../errors.js';

/** Turning argv strings into typed values, rejecting bad input before any request is sent. */

export function parseUuid(value: string, what: string): string {
  if (!isUuid(value)) throw new UsageError(`${what}: '${value}' is not a UUID`);
  return value.toLowerCase();
}

/** Comma-separated or repeated values, any case, checked against the allowed ones; returns wire values. */
export function parseEnumList(values: string[], allowed: readonly string[], flag: string): string[] {
  const result: string[] = [];
  for (const raw of values.flatMap((v) => v.split(','))) {
    const value = raw.trim();
    if (!value) continue;
    const wire = value.toUpperCase().replace(/-/g, '_');
    if (!allowed.includes(wire)) {
      throw new UsageError(
        `${flag}: invalid value '${value}' (allowed: ${allowed.map((a) => a.toLowerCase()).join(', ')})`,
      );
    }
    if (!result.includes(wire)) result.push(wire);
  }
  if (result.length === 0) throw new UsageError(`${flag}: give at least one value`);
  return result;
}

/**
 * Task types, any case, for an API that may add types inside v1: a known one is sent as its wire name; an
 * unknown one written in capitals (as the API writes its types) is sent as given, with a warning; any other
 * unknown one is a usage error, naming the known type it is closest to.
 */
export function parseTypes(
  values: string[],
  known: readonly string[],
  flag: string,
  warn: (message: string) => void,
): string[] {
  const result: string[] = [];
  for (const raw of values.flatMap((v) => v.split(','))) {
    const value = raw.trim();
    if (!value) continue;
    const wire = value.toUpperCase().replace(/-/g, '_');
    const near = closest(wire, [...known]);
    const close = distance(wire, near) <= Math.max(2, Math.floor(wire.length / 4));
    if (!known.includes(wire)) {
      if (/^[A-Z][A-Z0-9_]*$/.test(value)) {
        warn(
          `${flag}: '${value}' is not a type topo knows${close ? ` (did you mean ${near.toLowerCase()}?)` : ''}; sent to the API as given`,
        );
      } else {
        throw new UsageError(
          close
            ? `${flag}: invalid value '${value}' (did you mean ${near.toLowerCase()}?)`
            : `${flag}: invalid value '${value}' (allowed: ${known.map((a) => a.toLowerCase()).join(', ')}, or a type topo does not know yet in capitals, as the API writes it)`,
        );
      }
    }
    if (!result.includes(wire)) result.push(wire);
  }
  if (result.length === 0) throw new UsageError(`${flag}: give at least one value`);
  return result;
}

export function parseChoice<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const lower = value.toLowerCase().replace(/-/g, '_') as T;
  if (!allowed.includes(lower))
    throw new UsageError(`${flag}: invalid value '${value}' (allowed: ${allowed.join(', ')})`);
  return lower;
}

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A length of time such as 90s, 45m, 12h, 7d or 2w in milliseconds, with a unit among `units` (`bare`: the unit
 * of a number written without one; else one is needed); undefined for anything else.
 */
export function durationMs(value: string, units: string, bare?: string): number | undefined {
  const match = /^(\d+)([a-z]?)$/i.exec(value.trim());
  const unit = (match?.[2] || bare || '').toLowerCase();
  if (!match || !unit || !units.includes(unit)) return undefined;
  return Number(match[1]) * DURATION_UNITS[unit]!;
}
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The length of an age such as 45m, 12h, 7d or 2w in milliseconds; undefined for anything else. */
export function ageMs(value: string): number | undefined {
  return durationMs(value, 'mhdw');
}

/** An ISO 8601 date or date-time, or an age such as 45m, 12h, 7d, 2w counted back from now. Returns ISO UTC. */
export function parseWhen(value: string, flag: string, now: number): string {
  const age = ageMs(value);
  if (age !== undefined) {
    const ms = now - age;
    // Dates reach back about 270,000 years; an age beyond 1970 finds nothing anyway.
    if (ms < 0) throw new UsageError(`${flag}: '${value}' reaches back before 1970`);
    return isoTime(ms);
  }
  if (ISO_DATE_RE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isNaN(ms) && new Date(ms).toISOString().startsWith(value)) return isoTime(ms);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(value))
    throw new UsageError(
      `${flag}: '${value}' has no time zone: add Z for UTC or the offset (${value}Z, ${value}+01:00)`,
    );
  if (ISO_DATETIME_RE.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return isoTime(ms);
  }
  throw new UsageError(
    `${flag}: invalid date '${value}' (use an ISO 8601 date such as 2026-03-14, a date-time such as 2026-03-14T09:00:00Z, or an age such as 45m, 12h, 7d, 2w)`,
  );
}

export function parsePositiveInt(value: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new UsageError(`${flag}: '${value}' is not a whole number`);
  const n = Number(value);
  if (n < 1) throw new UsageError(`${flag}: must be at least 1, got ${value}`);
  if (n > max)
    throw new UsageError(
      max === Number.MAX_SAFE_INTEGER
        ? `${flag}: ${value} is too large (at most ${max})`
        : `${flag}: must be between 1 and ${max}, got ${value}`,
    );
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--with contact,template,run`: comma-separated or repeated, in the documented order whatever was typed. */
export function parseWith<T extends string>(values: string[] | undefined, allowed: readonly T[]): T[] {
  if (!values) return [];
  const chosen = new Set(
    values
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean)
      .map((v) => parseChoice(v, allowed, '--with')),
  );
  if (chosen.size === 0) throw new UsageError(`--with: give at least one of ${allowed.join(', ')}`);
  return allowed.filter((a) => chosen.has(a));
}

/**
 * People named in a list (`--to bob,carla`, `--team gia,hugo`): comma-separated or the flag repeated. An empty
 * slot (`bob,,carla`, a trailing comma, a shell variable that was empty) is refused: a name left out is not
 * nobody.
 */
export function parseNames(values: string | string[], flag: string): string[] {
  const given = typeof values === 'string' ? [values] : values;
  const names = given.flatMap((v) => v.split(',')).map((n) => n.trim());
  if (names.length > 1 && names.some((n) => n === ''))
    throw new UsageError(
      `${flag}: an empty name in '${given.join(',')}' (a name left out, or a stray comma?)`,
    );
  return names.filter(Boolean);
}

/** `-a none`, in any case: nobody (the unassigned tasks). */
export function isNobody(assignee: string | undefined): boolean {
  return assignee?.toLowerCase() === 'none';
}
