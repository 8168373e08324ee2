import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { walkTasks } from '../../src/api/walk.js';
import type { Task } from '../../src/api/types.js';
import { sandbox } from '../helpers.js';

async function collect(gen: AsyncGenerator<Task>): Promise<string[]> {
  const ids: string[] = [];
  for await (const t of gen) ids.push(t.id);
  return ids;
}

describe('walkTasks', () => {
  it('returns exactly the tasks of a sequential walk, in the same order, with parallel pages and 429s', async () => {
    const s = await sandbox({ tasks: 1234 });
    const c = new ApiClient({
      baseUrl: s.url,
      apiKey: 'topo_sandbox_rw',
      userAgent: 't',
      timeoutMs: 5000,
      sleep: async () => undefined,
    });
    const sequential = await collect(
      walkTasks(c, { sortBy: 'updated_at', sortOrder: 'desc' }, { concurrency: 1 }),
    );
    s.injectFault({ method: 'GET', query: '(^|&)page=1&', status: 429, retryAfter: '0', times: 2 });
    s.injectFault({ method: 'GET', query: '(^|&)page=3&', status: 429, retryAfter: '0', times: 3 });
    s.injectFault({ method: 'GET', query: '(^|&)page=11&', status: 429, retryAfter: '0', times: 1 });
    const parallel = await collect(
      walkTasks(c, { sortBy: 'updated_at', sortOrder: 'desc' }, { concurrency: 6 }),
    );
    expect(parallel).toEqual(sequential);
    expect(new Set(parallel).size).toBe(1234);
    expect(s.received('GET').filter((r) => r.status === 429)).toHaveLength(6);
    await c.close();
  });

  it('prints no task twice when the data shifts under the walk', async () => {
    const s = await sandbox({ tasks: 250 });
    const c = new ApiClient({ baseUrl: s.url, apiKey: 'topo_sandbox_rw', userAgent: 't', timeoutMs: 5000 });
    const ids: string[] = [];
    const pending = s.store.list({ sortBy: 'created_at', sortOrder: 'asc', status: 'PENDING' });
    for await (const t of walkTasks(
      c,
      { status: 'PENDING', sortBy: 'created_at', sortOrder: 'asc' },
      { concurrency: 1 },
    )) {
      ids.push(t.id);
      // A task ahead of the cursor leaves the listing: later pages shift back by one.
      if (ids.length === 1) s.store.skip(pending[0]!.id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    await c.close();
  });

  it('stops fetching once the limit is reached', async () => {
    const s = await sandbox({ tasks: 1000 });
    const c = new ApiClient({ baseUrl: s.url, apiKey: 'topo_sandbox_rw', userAgent: 't', timeoutMs: 5000 });
    const ids = await collect(walkTasks(c, {}, { limit: 150 }));
    expect(ids).toHaveLength(150);
    expect(s.received('GET').length).toBeLessThanOrEqual(3);
    await c.close();
  });
});
