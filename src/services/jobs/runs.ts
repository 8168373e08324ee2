import type { ApiClient } from '../../api/client.js';
import { getMe } from '../../api/tasks.js';
import type { ApiKeyInfo, Task } from '../../api/types.js';
import { walkTasks } from '../../api/walk.js';
import { SCOPES } from '../../api/wire.js';
import { isOpen } from '../../domain/task.js';
import { AuthError } from '../../errors.js';
import { runPool } from '../bulk.js';
import { collectOpenTasks } from '../listing.js';

/** What a job reads of the API: the key's scopes before anything moves, and what sequence runs hold open. */

/** The key may change tasks: a read-only key is found out before the plan, not at the first call. */
export async function preflight(client: ApiClient): Promise<ApiKeyInfo> {
  const me = await getMe(client);
  if (Array.isArray(me.scopes) && !me.scopes.includes(SCOPES.write)) {
    throw new AuthError(
      `this API key lacks the '${SCOPES.write}' scope, so nothing can be moved; nothing was changed. Use a key with it (Settings → Developers → API Keys)`,
    );
  }
  return me;
}

/** What a run holds open now (one request for any run of up to a hundred tasks). */
export async function runOpenTasks(client: ApiClient, runId: string): Promise<Task[]> {
  const open: Task[] = [];
  for await (const t of walkTasks(client, { sequenceId: runId, sortBy: 'created_at', sortOrder: 'asc' }))
    if (isOpen(t)) open.push(t);
  return open;
}

/**
 * The open tasks of each run, whoever holds them: by walking every open task of the workspace (at
 * `workspaceCost` requests) or by listing each run, whichever takes fewer requests.
 */
export async function openTasksByRun(
  client: ApiClient,
  runIds: string[],
  workspaceCost: number,
  concurrency: number,
): Promise<Map<string, Task[]>> {
  const byRun = new Map<string, Task[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  if (workspaceCost <= runIds.length) {
    for (const t of await collectOpenTasks(client, {}, concurrency)) byRun.get(t.sequence_id)?.push(t);
    return byRun;
  }
  await runPool(runIds, concurrency, async (runId) => {
    byRun.set(runId, await runOpenTasks(client, runId));
  });
  return byRun;
}
