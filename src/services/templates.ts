import { closest, distance } from 'fastest-levenshtein';
import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { AuthError, UsageError } from '../errors.js';
import { listTemplates } from '../api/templates.js';
import type { SequenceTemplate } from '../api/types.js';
import { SCOPES } from '../api/wire.js';
import { isUuid } from '../basics/ids.js';

/** Campaigns by name: `--template` takes a name (exact, as the API matches) or a UUID. */

/** Where the names of the campaigns seen go (shell completion offers them). */
export type RememberNames = (names: string[]) => Promise<void> | void;

/** Every template, their names remembered. */
export async function allTemplates(
  client: ApiClient,
  remember: RememberNames = () => undefined,
): Promise<SequenceTemplate[]> {
  const templates = await withScope(() => listTemplates(client), 'listing campaigns');
  await remember(templates.map((t) => t.name).filter((n): n is string => typeof n === 'string'));
  return templates;
}

/**
 * The template UUIDs for `--template` values: UUIDs as given, names looked up exactly. A value with commas
 * is first tried as one name (campaign names may hold commas), then as a list.
 */
export async function resolveTemplates(
  client: ApiClient,
  values: readonly string[],
  remember?: RememberNames,
  flag = '--template',
): Promise<string[]> {
  const ids: string[] = [];
  let all: SequenceTemplate[] | undefined;
  const named = async (name: string): Promise<string[]> => {
    const found = await withScope(() => listTemplates(client, { name }), `${flag} by name`);
    return found.map((t) => t.id);
  };
  for (const raw of values) {
    const parts = raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length === 0) continue;
    if (parts.every(isUuid)) {
      ids.push(...parts.map((p) => p.toLowerCase()));
      continue;
    }
    const whole = raw.includes(',') ? await named(raw.trim()) : [];
    if (whole.length > 0) {
      ids.push(...whole);
      continue;
    }
    for (const part of parts) {
      if (isUuid(part)) {
        ids.push(part.toLowerCase());
        continue;
      }
      const found = await named(part);
      if (found.length > 0) {
        ids.push(...found);
        continue;
      }
      all ??= await allTemplates(client, remember);
      throw new UsageError(`${flag}: no campaign named '${part}'${suggestion(part, all)}`);
    }
  }
  if (ids.length === 0) throw new UsageError(`${flag}: give a campaign name or UUID`);
  return [...new Set(ids)];
}

/** " (did you mean 'X'?)" for a near miss, else where to look. */
function suggestion(name: string, templates: SequenceTemplate[]): string {
  const names = templates.map((t) => t.name).filter((n): n is string => typeof n === 'string');
  const lower = name.toLowerCase();
  const sameCase = names.find((n) => n.toLowerCase() === lower);
  const near = sameCase ?? (names.length ? closest(name, names) : undefined);
  if (
    near &&
    (sameCase || distance(name.toLowerCase(), near.toLowerCase()) <= Math.max(2, Math.floor(name.length / 4)))
  )
    return ` (did you mean '${near}'?)`;
  return "; see 'topo templates list'";
}

async function withScope<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      throw new AuthError(
        what === 'listing campaigns'
          ? `${what} needs the '${SCOPES.sequencesRead}' scope, which this key lacks: ask an admin for a key with it`
          : `${what} needs the '${SCOPES.sequencesRead}' scope, which this key lacks; use the template's UUID, or a key with the scope`,
      );
    }
    throw error;
  }
}
