import type { ApiClient } from '../../api/client.js';
import { runPool } from '../bulk.js';
import { Enricher } from '../enrich.js';
import { runOpenTasks } from './runs.js';
import type { Stop } from './stop.js';

/** After a job's calls: what is left where it should not be, and which runs still wait on a task nobody does. */

export interface Verification {
  /** What is left (the cap's share aside); null: not checked (a stop came first, or a refusal stopped the job). */
  remaining: string[] | null;
  /** Why the check of what is left failed, if it did. */
  verifyError?: unknown;
  /** Runs still waiting on a task nobody does; null: not checked. */
  blocked: string[] | null;
  /** The key may not read runs: which runs are blocked is not known. */
  blockedUnknown: boolean;
}

export interface VerifyOptions {
  client: ApiClient;
  stop: Stop;
  /** Whether to check at all (not after a refusal that stopped the job). */
  check: boolean;
  /** What the holder still holds that the job should have moved. */
  left: () => Promise<string[]>;
  /** Tasks the plan kept (the cap): expected to be left. */
  kept: readonly string[];
  /** Blocked runs: the holder, and the runs to look at (null: no such check for this kind of job). */
  blocked: ((remaining: string[]) => { leaver: string; known: string[]; earlier: string[] }) | null;
  concurrency: number;
}

/** The checks after the calls; a Ctrl-C skips what is still to come (its requests let go). */
export async function verify(o: VerifyOptions): Promise<Verification> {
  const result: Verification = { remaining: null, blocked: null, blockedUnknown: false };
  if (!o.check) return result;
  o.stop.doing = 'skipping the check of what is left';
  try {
    const listed = await o.stop.unless(o.left);
    if (listed) result.remaining = listed.value.filter((id) => !o.kept.includes(id));
  } catch (error) {
    result.verifyError = error;
  }
  if (o.blocked && result.remaining) {
    const runs = o.blocked(result.remaining);
    const checked = await o.stop.unless(() =>
      blockedRuns(o.client, runs.leaver, { ...runs, concurrency: o.concurrency }),
    );
    if (checked) result.blocked = checked.value;
    result.blockedUnknown = checked !== undefined && checked.value === null;
  }
  return result;
}

/**
 * Runs still waiting for a task nobody will do: WAITING_FOR_USER while an open task of theirs is unassigned
 * or still with the leaver. `known` are runs known to hold such a task; `earlier` are runs the job moved
 * before, looked at again. Null when the key may not read runs.
 */
export async function blockedRuns(
  client: ApiClient,
  leaver: string,
  runs: { known: string[]; earlier: string[]; concurrency: number },
): Promise<string[] | null> {
  const enricher = new Enricher(client, () => undefined);
  if (!(await enricher.allows()).sequences) return null;
  const known = new Set(runs.known);
  const candidates = [...new Set([...runs.known, ...runs.earlier])];
  const status = await enricher.ofRuns(candidates, false);
  const waiting = candidates.filter((id) => status.get(id)?.run?.status === 'WAITING_FOR_USER');
  const blocked = new Set(waiting.filter((id) => known.has(id)));
  await runPool(
    waiting.filter((id) => !known.has(id)),
    runs.concurrency,
    async (id) => {
      const open = await runOpenTasks(client, id);
      if (open.some((t) => t.assignee_user_id === null || t.assignee_user_id === leaver)) blocked.add(id);
    },
  );
  return waiting.filter((id) => blocked.has(id));
}
