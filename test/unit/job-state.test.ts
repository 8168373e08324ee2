import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import type { MoveRecord } from '../../src/domain/job.js';
import { currentTasks } from '../../src/services/jobs/state.js';
import { sandbox } from '../helpers.js';

/** Where a job's tasks are now, as a resume or an undo reads them before it plans. */

async function setup() {
  const s = await sandbox();
  const client = new ApiClient({
    baseUrl: s.url,
    apiKey: 'topo_sandbox_rw',
    userAgent: 'topo/test',
    timeoutMs: 5000,
    sleep: async () => undefined,
    random: () => 1,
  });
  // Two tasks of a successor with many (read one by one, not by listing theirs).
  const [, bob] = s.store.users;
  const held = s.store.state.tasks.filter((t) => t.assignee_user_id === bob!.id);
  expect(held.length).toBeGreaterThan(2);
  const record = (id: string): MoveRecord => ({
    kind: 'move',
    phase: 'move',
    task_id: id,
    sequence_id: s.store.get(id)!.sequence_id,
    from: null,
    to: bob!.id,
    scope: 'TASK',
    time: '2026-12-06T00:00:00Z',
    result: 'started',
  });
  return { s, client, records: held.slice(0, 2).map((t) => record(t.id)) };
}

describe('currentTasks', () => {
  it('reads each task; a task gone (404) is not found, and the others are', async () => {
    const { s, client, records } = await setup();
    const gone = { ...records[0]!, task_id: '00000000-0000-4000-8000-00000000dead' };
    const current = await currentTasks(client, [gone, records[1]!], 1);
    expect([...current.keys()]).toEqual([records[1]!.task_id]);
    expect(s.received('GET').map((r) => r.path)).toContain(`/v1/tasks/${records[1]!.task_id}`);
    await client.close();
  });

  it('a read that fails (not a 404) stops it: where the task is is not guessed', async () => {
    const { s, client, records } = await setup();
    s.injectFault({ method: 'GET', path: '^/v1/tasks/[0-9a-f-]+$', status: 500, times: 1000 });
    await expect(currentTasks(client, records, 1)).rejects.toThrow(
      /^could not see where the job left its tasks: .*; nothing was changed, run the same command again$/,
    );
    await client.close();
  });
});
