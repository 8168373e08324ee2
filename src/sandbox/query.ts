import type { Page } from '../api/types.js';
import { MAX_PAGE_SIZE } from '../api/wire.js';
import { isUuid } from '../basics/ids.js';
import { parseIsoDate, validation } from './issues.js';

/**
 * A listing's query string, read as strictly as Topo reads it: an unknown parameter, a second value of a
 * single-value parameter, a comma-joined list and any malformed value answer 400 naming the parameter.
 */
export class QueryReader {
  private readonly values = new Map<string, string[]>();

  constructor(params: [string, string][], allowed: readonly string[], repeatable: readonly string[] = []) {
    const known = new Set(allowed);
    for (const [name, value] of params) {
      if (!known.has(name)) throw validation(name, `Unknown query parameter '${name}'`);
      const list = this.values.get(name) ?? [];
      list.push(value);
      this.values.set(name, list);
    }
    for (const [name, list] of this.values) {
      if (list.length > 1 && !repeatable.includes(name)) {
        throw validation(name, `Query parameter '${name}' takes a single value`);
      }
    }
  }

  /** The value as given; an empty one is refused. */
  text(name: string): string | undefined {
    const v = this.values.get(name)?.[0];
    if (v === '') throw validation(name, `Invalid value for '${name}': must not be empty`);
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.values.get(name)?.[0];
    if (v !== undefined) checkEnum(name, v, allowed);
    return v as T | undefined;
  }

  /** A repeatable enum parameter. */
  someOf(name: string, allowed: readonly string[]): string[] | undefined {
    return this.many(name, (v) => checkEnum(name, v, allowed));
  }

  uuid(name: string): string | undefined {
    const v = this.values.get(name)?.[0];
    if (v !== undefined) checkUuid(name, v);
    return v?.toLowerCase();
  }

  /** A repeatable UUID parameter. */
  uuids(name: string): string[] | undefined {
    return this.many(name, (v) => checkUuid(name, v))?.map((v) => v.toLowerCase());
  }

  /** An ISO 8601 date-time, as ms since epoch. */
  date(name: string): number | undefined {
    const v = this.values.get(name)?.[0];
    if (v === undefined) return undefined;
    const ms = parseIsoDate(v);
    if (ms === undefined) {
      throw validation(name, `Invalid value for '${name}': '${v}' is not an ISO 8601 date-time`);
    }
    return ms;
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const v = this.values.get(name)?.[0];
    if (v === undefined) return fallback;
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw validation(name, `Invalid value for '${name}': '${v}' must be an integer from ${min} to ${max}`);
    }
    return n;
  }

  /** `page` ≥ 1 (default 1) and `size` 1..100 (default 10). */
  paging(pageName: string, sizeName: string): Paging {
    return {
      page: this.int(pageName, 1, Number.MAX_SAFE_INTEGER, 1),
      size: this.int(sizeName, 1, MAX_PAGE_SIZE, 10),
    };
  }

  private many(name: string, check: (v: string) => void): string[] | undefined {
    const list = this.values.get(name);
    if (!list) return undefined;
    for (const v of list) {
      if (v.includes(',')) {
        throw validation(
          name,
          `Invalid value for '${name}': '${v}'; pass several values by repeating the parameter`,
        );
      }
      check(v);
    }
    return list;
  }
}

export interface Paging {
  page: number;
  size: number;
}

/** One page of an already filtered and sorted listing, in Topo's envelope. */
export function pageOf<T>(all: readonly T[], { page, size }: Paging): Page<T> {
  const start = (page - 1) * size;
  const totalPages = Math.ceil(all.length / size);
  return {
    items: all.slice(start, start + size),
    total_count: all.length,
    total_pages: totalPages,
    has_more: page < totalPages,
  };
}

function checkEnum(name: string, v: string, allowed: readonly string[]): void {
  if (!allowed.includes(v)) {
    throw validation(name, `Invalid value for '${name}': '${v}' is not one of ${allowed.join(', ')}`);
  }
}

function checkUuid(name: string, v: string): void {
  if (!isUuid(v)) throw validation(name, `Invalid value for '${name}': '${v}' is not a UUID`);
}
