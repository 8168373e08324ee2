import { describe, expect, it } from 'vitest';
import { ApiClient, parseRetryAfter } from '../../src/api/client.js';
import { ApiError, EXIT, NetworkError } from '../../src/api/errors.js';
import { sandbox } from '../helpers.js';
import type { Sandbox } from '../../src/sandbox/server.js';

function client(
  s: Sandbox,
  sleeps: number[],
  extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {},
) {
  return new ApiClient({
    baseUrl: s.url,
    apiKey: 'topo_sandbox_rw',
    userAgent: 'topo/test',
    timeoutMs: 5000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...extra,
  });
}

describe('ApiClient retries', () => {
  it('honours Retry-After in seconds and as an HTTP date, capped at 60 s', async () => {
    const s = await sandbox();
    const now = Date.parse('2026-11-29T12:00:00Z');
    s.injectFault({ status: 429, retryAfter: '7' });
    s.injectFault({ status: 429, retryAfter: new Date(now + 7000 + 3000).toUTCString() });
    s.injectFault({ status: 503, retryAfter: '3600' });
    const sleeps: number[] = [];
    let clock = now;
    const c = client(s, sleeps, {
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    await c.send({ method: 'GET', path: '/me' });
    expect(sleeps).toEqual([7000, 3000, 60_000]);
    await c.close();
  });

  it('makes every request of the client wait out a 429, not only the one that got it', async () => {
    const s = await sandbox();
    s.injectFault({ status: 429, retryAfter: '2', path: '^/v1/me$' });
    const sleeps: number[] = [];
    let clock = 0;
    const c = client(s, sleeps, {
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await c.send({ method: 'GET', path: '/me' });
    await c.send({ method: 'GET', path: '/tasks' });
    // the retry of /me waited 2 s; /tasks, sent while the pause still held (the clock did not move), waited too
    expect(sleeps).toEqual([2000, 2000]);
    clock = 2000;
    await c.send({ method: 'GET', path: '/tasks' });
    expect(sleeps).toHaveLength(2);
    await c.close();
  });

  it('backs off exponentially with jitter when there is no Retry-After, at most 4 attempts', async () => {
    const s = await sandbox();
    s.injectFault({ status: 503, times: 10 });
    const sleeps: number[] = [];
    const c = client(s, sleeps);
    const error = await c.send({ method: 'GET', path: '/me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(s.received()).toHaveLength(4);
    await c.close();
  });

  it('never retries a POST after a 500 or a dropped connection, but does after 429 and 503', async () => {
    const s = await sandbox();
    const task = s.store.state.tasks.find((t) => t.status === 'PENDING')!;
    s.injectFault({ method: 'POST', status: 500 });
    const c = client(s, []);
    const e500 = await c.send({ method: 'POST', path: `/tasks/${task.id}/skip` }).catch((e: unknown) => e);
    expect((e500 as ApiError).status).toBe(500);
    expect(s.received('POST')).toHaveLength(1);
    s.injectFault({ method: 'POST', reset: 'after' });
    const reset = await c.send({ method: 'POST', path: `/tasks/${task.id}/skip` }).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(NetworkError);
    expect(s.received('POST')).toHaveLength(2);
    expect(s.store.get(task.id)!.status).toBe('SKIPPED');
    const other = s.store.state.tasks.find((t) => t.status === 'PENDING')!;
    s.injectFault({ method: 'POST', status: 429, retryAfter: '0' });
    s.injectFault({ method: 'POST', status: 503 });
    await c.send({ method: 'POST', path: `/tasks/${other.id}/skip` });
    expect(s.received('POST')).toHaveLength(5);
    await c.close();
  });

  it('maps statuses to exit codes and keeps type and request id', async () => {
    const s = await sandbox();
    const c = client(s, []);
    const e = (await c
      .send({ method: 'GET', path: '/tasks/00000000-0000-4000-8000-000000000000' })
      .catch((x: unknown) => x)) as ApiError;
    expect(e.exitCode).toBe(EXIT.notFound);
    expect(e.type).toBe('NotFoundIssue');
    expect(e.requestId).toMatch(/^req_/);
    await c.close();
  });

  it('names the scopes on a 403 whose message does not', async () => {
    const s = await sandbox();
    s.injectFault({
      status: 403,
      body: '{"status_code":403,"type":"UnauthorizedIssue","message":"Forbidden"}',
      contentType: 'application/json',
    });
    const c = client(s, []);
    const e = (await c.send({ method: 'GET', path: '/tasks' }).catch((x: unknown) => x)) as ApiError;
    expect(e.message).toBe(
      "Forbidden (the key lacks a scope this needs: 'tasks:read' to read tasks, 'tasks:write' to change them)",
    );
    expect(e.exitCode).toBe(EXIT.auth);
    await c.close();
  });

  it('explains a success body that is not JSON', async () => {
    const s = await sandbox();
    s.injectFault({ status: 200, body: '{"items": [', contentType: 'application/json', times: 4 });
    const c = client(s, []);
    const e = (await c.send({ method: 'GET', path: '/tasks' }).catch((x: unknown) => x)) as ApiError;
    expect(e.message).toMatch(/^the API answered 200 with a body that is not valid JSON/);
    expect(s.received('GET')).toHaveLength(4);
    await c.close();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, dates, and ignores nonsense', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
