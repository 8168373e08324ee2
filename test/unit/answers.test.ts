import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { EXIT } from '../../src/errors.js';
import { nestedDeeperThan } from '../../src/api/shape.js';
import { getMe, getMessages, getTask, listTasksPage, reassignTask, skipTask } from '../../src/api/tasks.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { sandbox } from '../helpers.js';

/** Answers that are not what the contract says: one clear line each, never a JavaScript error. */

function client(s: Sandbox, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) {
  return new ApiClient({
    baseUrl: s.url,
    apiKey: 'topo_sandbox_rw',
    userAgent: 'topo/test',
    timeoutMs: 5000,
    sleep: async () => undefined,
    ...extra,
  });
}

const json = (value: unknown) => ({
  status: 200,
  contentType: 'application/json',
  body: JSON.stringify(value),
});

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  const e = error as ApiError;
  expect(e.exitCode).toBe(EXIT.failure);
  expect(e.message.split('\n')).toHaveLength(1);
  return e;
}

describe('malformed answers', () => {
  it('a task that is null, not an object, or without an id', async () => {
    const s = await sandbox();
    const c = client(s);
    const t = s.store.state.tasks.find((x) => x.status === 'PENDING')!;
    const path = `/tasks/${t.id}`;
    for (const [body, what] of [
      [null, 'expected a task (an object), got null'],
      ['OK', 'expected a task (an object), got a string'],
      [[t], 'expected a task (an object), got a list of 1'],
      [{ ...t, id: undefined }, 'expected a task with an id, got one whose id is nothing'],
      [{ ...t, id: 42 }, 'expected a task with an id, got one whose id is the number 42'],
    ] as const) {
      s.injectFault({ path: `^/v1${path}$`, ...json(body) });
      const e = await failure(getTask(c, t.id));
      expect(e.message).toBe(`unexpected answer from the API: ${what} (GET ${path})`);
      expect(e.requestId).toMatch(/^req_/);
    }
    await c.close();
  });

  it('the task answered by a change is checked too', async () => {
    const s = await sandbox();
    const c = client(s);
    const [t, u] = s.store.state.tasks.filter((x) => x.status === 'PENDING');
    s.injectFault({ method: 'POST', ...json(null) });
    const e = await failure(skipTask(c, t!.id));
    expect(e.message).toBe(
      `unexpected answer from the API: expected a task (an object), got null (POST /tasks/${t!.id}/skip)`,
    );
    // a 5xx-like status: the caller reads the task back before deciding whether the change happened
    expect(e.status).toBe(502);
    s.injectFault({ method: 'PATCH', ...json([]) });
    await failure(reassignTask(c, u!.id, s.store.users[1]!.id, 'TASK'));
    await c.close();
  });

  it('a listing whose items are not a list, whose items lack an id, or whose numbers are absurd', async () => {
    const s = await sandbox();
    const c = client(s);
    const t = s.store.state.tasks[0]!;
    const page = { items: [t], total_count: 1, total_pages: 1, has_more: false };
    for (const [body, what] of [
      [null, 'expected a page of tasks (an object), got null'],
      [{ ...page, items: { 0: t } }, "expected the page's items to be a list, got an object"],
      [{ ...page, items: undefined }, "expected the page's items to be a list, got nothing"],
      [
        { ...page, items: [t, { status: 'PENDING' }] },
        'item 2 of the page: expected a task with an id, got one whose id is nothing',
      ],
      [{ ...page, items: [t, null] }, 'item 2 of the page: expected a task (an object), got null'],
      [
        { ...page, total_count: -1 },
        'expected total_count to be a whole number of 0 or more, got the number -1',
      ],
      [{ ...page, total_count: '1' }, 'expected total_count to be a whole number of 0 or more, got a string'],
      [
        { ...page, total_pages: 1e300 },
        'expected total_pages to be a whole number of 0 or more, got the number 1e+300',
      ],
      [
        { ...page, total_pages: 2.5 },
        'expected total_pages to be a whole number of 0 or more, got the number 2.5',
      ],
      [{ ...page, has_more: 'no' }, 'expected has_more to be true or false, got a string'],
    ] as const) {
      s.injectFault({ method: 'GET', ...json(body) });
      const e = await failure(listTasksPage(c, {}, 1, 10));
      expect(e.message).toBe(`unexpected answer from the API: ${what} (GET /tasks)`);
    }
    // a number JSON cannot hold in a double
    s.injectFault({
      method: 'GET',
      status: 200,
      contentType: 'application/json',
      body: '{"items":[],"total_count":1e400,"total_pages":0,"has_more":false}',
    });
    expect((await failure(listTasksPage(c, {}, 1, 10))).message).toBe(
      'unexpected answer from the API: expected total_count to be a whole number of 0 or more, got a number out of range (GET /tasks)',
    );
    await c.close();
  });

  it('messages that are not a list, and a key without its scopes', async () => {
    const s = await sandbox();
    const c = client(s);
    const t = s.store.state.tasks[0]!;
    s.injectFault({ method: 'GET', ...json({ items: [] }) });
    expect((await failure(getMessages(c, t.id))).message).toBe(
      `unexpected answer from the API: expected the messages to be a list, got an object (GET /tasks/${t.id}/messages)`,
    );
    s.injectFault({ method: 'GET', ...json([{ id: 'm1' }, 'hello']) });
    expect((await failure(getMessages(c, t.id))).message).toMatch(
      /expected message 2 to be an object, got a string/,
    );
    s.injectFault({ method: 'GET', ...json({ id: 'k', scopes: 'tasks:read' }) });
    expect((await failure(getMe(c))).message).toBe(
      "unexpected answer from the API: expected the key's scopes to be a list of names, got a string (GET /me)",
    );
    await c.close();
  });

  it('an answer nested a hundred thousand levels deep is refused without overflowing the stack', async () => {
    const s = await sandbox();
    const c = client(s);
    const t = s.store.state.tasks[0]!;
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    s.injectFault({
      method: 'GET',
      status: 200,
      contentType: 'application/json',
      body: `{"id":"${t.id}","extra":${deep}}`,
    });
    expect((await failure(getTask(c, t.id))).message).toBe(
      `unexpected answer from the API: the answer is nested more than 64 levels deep (GET /tasks/${t.id})`,
    );
    expect(nestedDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    await c.close();
  });

  it('a task with a hundred thousand fields is refused', async () => {
    const s = await sandbox();
    const c = client(s);
    const t = s.store.state.tasks[0]!;
    const fields = Array.from({ length: 100_000 }, (_, i) => `"f${i}":0`).join(',');
    s.injectFault({
      method: 'GET',
      status: 200,
      contentType: 'application/json',
      body: `{"id":"${t.id}",${fields}}`,
    });
    expect((await failure(getTask(c, t.id))).message).toBe(
      `unexpected answer from the API: a task has more than 1000 fields (GET /tasks/${t.id})`,
    );
    await c.close();
  });

  it('an answer larger than the limit is refused before it is all read', async () => {
    const s = await sandbox();
    const c = client(s, { maxBodyBytes: 1024 * 1024 });
    s.injectFault({
      method: 'GET',
      status: 200,
      contentType: 'application/json',
      body: `"${'x'.repeat(2 * 1024 * 1024)}"`,
    });
    expect((await failure(getMe(c))).message).toBe(
      'unexpected answer from the API: the answer is larger than 1 MiB (GET /me)',
    );
    // the connection is still usable
    await getMe(c);
    await c.close();
  });

  it('an error whose message is 5 MB long is cut to one readable line', async () => {
    const s = await sandbox();
    const c = client(s);
    const t = s.store.state.tasks[0]!;
    const message = 'Task cannot be skipped '.repeat(230_000);
    s.injectFault({
      status: 422,
      contentType: 'application/json',
      body: JSON.stringify({ status_code: 422, type: 'BusinessIssue', message, request_id: 'req_long' }),
    });
    const error = (await getTask(c, t.id).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.exitCode).toBe(EXIT.state);
    expect(error.message).toHaveLength(300);
    expect(error.message.endsWith('…')).toBe(true);
    expect(error.message.startsWith('Task cannot be skipped Task cannot')).toBe(true);
    expect(error.type).toBe('BusinessIssue');
    expect(error.requestId).toBe('req_long');
    await c.close();
  });
});
