import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import type { ApiRequest } from '../../src/api/request.js';
import { ApiError } from '../../src/api/errors.js';
import { walkTasks } from '../../src/api/walk.js';
import type { Page, Task } from '../../src/api/types.js';
import { MORE_TYPES_SEEDED, sandbox } from '../helpers.js';

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
    expect(new Set(parallel).size).toBe(1234 + MORE_TYPES_SEEDED);
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

/** A minimal task: the walk needs only the id. */
const task = (id: string) => ({ id }) as Task;

/**
 * A stand-in for the client that answers GET /tasks pages from `answer(page, size)`; `onRequest` runs as each
 * request arrives, before its page is computed. Records the pages asked for and the most at once.
 */
function fakeApi(
  answer: (page: number, size: number) => unknown,
  onRequest: (page: number) => void = () => {},
) {
  const asked: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const api = {
    async send(req: ApiRequest<unknown>) {
      const param = (name: string) => Number(req.query!.find(([k]) => k === name)![1]);
      const page = param('page');
      asked.push(page);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      onRequest(page);
      const body = answer(page, param('size'));
      // answers come back in a shuffled order, several pages at once
      await new Promise((resolve) => setTimeout(resolve, (page * 7) % 5));
      inFlight--;
      return req.shape ? req.shape(body) : body;
    },
  };
  return { client: api as unknown as ApiClient, asked, mostInFlight: () => mostInFlight };
}

/** A newest-first listing: index 0 is the newest task. */
function listing(tasks: string[], page: number, size: number, extra: Partial<Page<Task>> = {}): Page<Task> {
  const items = tasks.slice((page - 1) * size, page * size).map(task);
  const totalPages = Math.ceil(tasks.length / size);
  return { items, total_count: tasks.length, total_pages: totalPages, has_more: page < totalPages, ...extra };
}

async function walkError(gen: AsyncGenerator<Task>): Promise<{ ids: string[]; error: ApiError }> {
  const ids: string[] = [];
  try {
    for await (const t of gen) ids.push(t.id);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).exitCode).toBe(1);
    return { ids, error: error as ApiError };
  }
  throw new Error('the walk ended without an error');
}

describe('walkTasks against a listing that shifts', () => {
  it('drops every task that reappears at the top of the next page when tasks are added at the head, with pages in flight', async () => {
    const original = Array.from({ length: 1000 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    const tasks = [...original];
    let added = 0;
    // Before each page after the first is computed, 1 to 40 new tasks arrive at the head.
    const api = fakeApi(
      (page, size) => listing(tasks, page, size),
      (page) => {
        if (page === 1) return;
        for (let i = 0; i < (page * 13) % 41; i++) tasks.unshift(`new${added++}`);
      },
    );
    const ids = await collect(walkTasks(api.client, {}, { concurrency: 4 }));
    expect(api.mostInFlight()).toBe(4);
    expect(new Set(ids).size).toBe(ids.length);
    // every task that was there when the walk began, once, in listing order
    expect(ids.filter((id) => id.startsWith('t'))).toEqual(original);
    expect(added).toBeGreaterThan(200);
  });

  it('drops duplicates two pages apart, and remembers no further back: memory stays flat', async () => {
    const base = Array.from({ length: 600 }, (_, i) => `t${i}`);
    const api = fakeApi((page, size) => {
      const p = listing(base, page, size);
      // page 3 repeats the first task of page 2; page 5 repeats the first task of page 1
      if (page === 3) p.items.push(task('t100'));
      if (page === 5) p.items.push(task('t0'));
      return p;
    });
    const ids = await collect(walkTasks(api.client, {}, { concurrency: 3 }));
    expect(ids.filter((id) => id === 't100')).toHaveLength(1);
    expect(ids.filter((id) => id === 't0')).toHaveLength(2);
    expect(ids).toHaveLength(601);
  });

  it('with the sandbox: tasks inserted at the head of a newest-first listing while it is walked appear in none of its pages twice', async () => {
    const s = await sandbox({ tasks: 1200 });
    const c = new ApiClient({ baseUrl: s.url, apiKey: 'topo_sandbox_rw', userAgent: 't', timeoutMs: 5000 });
    const before = s.store.list({ sortBy: 'created_at', sortOrder: 'desc' }).map((t) => t.id);
    const template = s.store.state.tasks[0]!;
    const ids: string[] = [];
    let n = 0;
    for await (const t of walkTasks(c, { sortBy: 'created_at', sortOrder: 'desc' }, { concurrency: 4 })) {
      ids.push(t.id);
      if (ids.length % 50 === 0) {
        for (let i = 0; i < 30; i++) {
          const id = `0a0a0a0a-0000-4000-8000-${String(n++).padStart(12, '0')}`;
          s.store.insert({ ...template, id, created_at: '2031-01-01T00:00:00Z' });
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    // The pages moved under the walk: it went on past the 12 pages the first answer announced.
    expect(s.received('GET').length).toBeGreaterThan(12);
    // Originals come in listing order. (Pages fetched at once may be computed by the server out of order, so
    // offset paging can skip tasks that moved between two of them: a limit of page numbers, not of the walk.)
    const originals = ids.filter((id) => !id.startsWith('0a0a0a0a'));
    const positions = originals.map((id) => before.indexOf(id));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
    expect(originals.length).toBeGreaterThan(1000);
    await c.close();
  });
});

describe('walkTasks ends', () => {
  it('fails clearly when has_more stays true past what total_count allows', async () => {
    let n = 0;
    const api = fakeApi((_page, size) => ({
      items: Array.from({ length: size }, () => task(`x${n++}`)),
      total_count: 250,
      total_pages: 3,
      has_more: true,
    }));
    const { ids, error } = await walkError(walkTasks(api.client, {}, { concurrency: 1 }));
    expect(error.message).toBe(
      'unexpected answer from the API: page 5 of the listing says more pages follow, but total_count 250 fits in 3 pages of 100 (GET /tasks)',
    );
    expect(ids).toHaveLength(500);
    expect(Math.max(...api.asked)).toBe(5);
  });

  it('fails clearly when an empty page says more follow', async () => {
    const tasks = Array.from({ length: 150 }, (_, i) => `t${i}`);
    const api = fakeApi((page, size) => listing(tasks, page, size, { has_more: true, total_count: 10_000 }));
    const { ids, error } = await walkError(walkTasks(api.client, {}, { concurrency: 2 }));
    expect(error.message).toBe(
      'unexpected answer from the API: page 3 of the listing is empty, yet has_more is true (GET /tasks)',
    );
    expect(ids).toEqual(tasks);
  });

  it('fails clearly when the API ignores the page number', async () => {
    const tasks = Array.from({ length: 500 }, (_, i) => `t${i}`);
    const api = fakeApi((_page, size) => listing(tasks, 1, size, { has_more: true }));
    const { ids, error } = await walkError(walkTasks(api.client, {}, {}));
    expect(error.message).toBe(
      'unexpected answer from the API: page 2 of the listing repeats page 1; the API may ignore the page number (GET /tasks)',
    );
    expect(ids).toEqual(tasks.slice(0, 100));
  });

  it('ignores an absurd total_pages: fetches only the pages total_count allows and ends on has_more false', async () => {
    const tasks = Array.from({ length: 420 }, (_, i) => `t${i}`);
    const api = fakeApi((page, size) => listing(tasks, page, size, { total_pages: 1e9 }));
    const ids = await collect(walkTasks(api.client, {}, { concurrency: 8 }));
    expect(ids).toEqual(tasks);
    expect([...api.asked].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it('an empty listing ends at once; a listing that grows during the walk is followed to its end', async () => {
    const empty = fakeApi((page, size) => listing([], page, size));
    expect(await collect(walkTasks(empty.client, {}))).toEqual([]);
    expect(empty.asked).toEqual([1]);
    const tasks = Array.from({ length: 250 }, (_, i) => `t${i}`);
    // tasks are added at the end (oldest first) as each page is asked for
    const growing = fakeApi(
      (page, size) => listing(tasks, page, size),
      () => {
        for (let i = 0; i < 60; i++) tasks.push(`t${tasks.length}`);
      },
    );
    const ids = await collect(walkTasks(growing.client, {}, { concurrency: 2 }));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(tasks.slice(0, ids.length));
    expect(ids.length).toBeGreaterThan(250);
  });
});
