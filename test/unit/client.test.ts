import { describe, expect, it } from 'vitest';
import { parseRetryAfter, statedRate } from '../../src/api/answers.js';
import { ApiClient } from '../../src/api/client.js';
import { ApiError, NetworkError } from '../../src/api/errors.js';
import { EXIT } from '../../src/errors.js';
import { sandbox, waitFor } from '../helpers.js';
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

  it('makes only the request that got a 429 wait its Retry-After; the others go on', async () => {
    const s = await sandbox();
    s.injectFault({ status: 429, retryAfter: '2', path: '^/v1/me$' });
    const sleeps: number[] = [];
    let clock = 0;
    let releaseMe: () => void = () => undefined;
    const c = client(s, sleeps, {
      now: () => clock,
      sleep: (ms) => {
        sleeps.push(ms);
        // the retry of /me stays parked until the test lets it go
        return new Promise((resolve) => (releaseMe = resolve));
      },
    });
    const me = c.send({ method: 'GET', path: '/me' });
    await waitFor(() => sleeps.length > 0);
    expect(sleeps).toEqual([2000]);
    // /tasks goes out and comes back while /me still waits: the old client paused every request here
    await c.send({ method: 'GET', path: '/tasks' });
    expect(sleeps).toEqual([2000]);
    clock = 2000;
    releaseMe();
    await me;
    expect(s.received('GET').map((r) => `${r.path} ${r.status}`)).toEqual([
      '/v1/me 429',
      '/v1/tasks 200',
      '/v1/me 200',
    ]);
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

describe('ApiClient and 429', () => {
  it('never counts a 429 as a failed attempt: ten in a row, then the answer', async () => {
    const s = await sandbox();
    s.injectFault({ status: 429, retryAfter: '0', times: 10 });
    const c = client(s, []);
    await c.send({ method: 'GET', path: '/me' });
    expect(s.received('GET').map((r) => r.status)).toEqual([...Array(10).fill(429), 200]);
    expect(c.stats).toEqual({ requests: 11, retries: 10, rateLimited: 10, rateLimitWaitMs: 0 });
    await c.close();
  });

  it('retries a POST on 429 as often as needed: a 429 means not processed', async () => {
    const s = await sandbox();
    const task = s.store.state.tasks.find((t) => t.status === 'PENDING')!;
    s.injectFault({ method: 'POST', status: 429, retryAfter: '0', times: 6 });
    const c = client(s, []);
    await c.send({ method: 'POST', path: `/tasks/${task.id}/skip` });
    expect(s.received('POST').map((r) => r.status)).toEqual([...Array(6).fill(429), 200]);
    expect(s.store.get(task.id)!.status).toBe('SKIPPED');
    await c.close();
  });

  it('backs off exponentially up to the longest wait when a 429 has no Retry-After', async () => {
    const s = await sandbox();
    s.injectFault({ status: 429, times: 9 });
    const sleeps: number[] = [];
    const c = client(s, sleeps, { maxDelayMs: 30_000 });
    await c.send({ method: 'GET', path: '/me' });
    expect(sleeps).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(c.stats.rateLimitWaitMs).toBe(121_500);
    await c.close();
  });

  it('tells the person once when a 429 makes it wait long', async () => {
    const s = await sandbox();
    s.injectFault({ status: 429, retryAfter: '30', times: 2 });
    s.injectFault({ status: 429, retryAfter: '2', times: 1 });
    const notices: string[] = [];
    const c = client(s, [], { notice: (line) => notices.push(line) });
    await c.send({ method: 'GET', path: '/me' });
    expect(notices).toEqual(['rate limited by the API: waiting 30 s before retrying']);
    await c.close();
  });

  it('gives up with the 429 only when no request has been accepted for the patience period', async () => {
    const s = await sandbox();
    s.injectFault({ status: 429, retryAfter: '30', times: 1000 });
    let clock = 0;
    const c = client(s, [], {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      rateLimitPatienceMs: 120_000,
    });
    const e = (await c.send({ method: 'GET', path: '/me' }).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(429);
    expect(e.exitCode).toBe(EXIT.failure);
    expect(e.message).toBe('Injected 429; still rate limited after 2 min without an accepted request');
    // at 0, 30, 60, 90 and 120 s
    expect(s.received('GET')).toHaveLength(5);
    await c.close();
  });

  it('counts the requests waiting out a 429 and tells who listens when one starts waiting', async () => {
    const s = await sandbox();
    s.injectFault({ status: 429, retryAfter: '1', times: 2 });
    const seen: number[] = [];
    let told = 0;
    const c: ApiClient = client(s, [], {
      sleep: async () => {
        seen.push(c.waitingOut);
      },
    });
    const stop = c.onWaitingOut(() => told++);
    await c.send({ method: 'GET', path: '/me' });
    expect(seen).toEqual([1, 1]);
    expect(told).toBe(2);
    expect(c.waitingOut).toBe(0);
    stop();
    s.injectFault({ status: 429, retryAfter: '1', times: 1 });
    await c.send({ method: 'GET', path: '/me' });
    expect(told).toBe(2);
    await c.close();
  });

  it('paces under the limit a 429 states in its body, and never probes above it', async () => {
    const s = await sandbox();
    const body = JSON.stringify({
      status_code: 429,
      type: 'RateLimitIssue',
      message: 'slow down',
      data: { limit: 20, window_seconds: 2 },
    });
    let clock = 0;
    const c = client(s, [], {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    for (let i = 0; i < 12; i++) {
      await c.send({ method: 'GET', path: '/me' });
      clock += 50;
    }
    s.injectFault({ status: 429, retryAfter: '1', body, contentType: 'application/json', times: 1 });
    await c.send({ method: 'GET', path: '/me' });
    expect(c.pacer.rate).toBeLessThan(10);
    // Minutes later the cubic probe would be far above the measured rate; the stated limit holds it.
    clock += 10 * 60_000;
    expect(c.pacer.rate).toBeGreaterThan(9.5);
    expect(c.pacer.rate).toBeLessThan(10);
    await c.close();
  });

  it('keeps retrying a 429 while other requests of the client are accepted', async () => {
    const s = await sandbox();
    s.injectFault({ path: '^/v1/me$', status: 429, retryAfter: '60', times: 10 });
    let clock = 0;
    const c = client(s, [], {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
        // while /me waits out its Retry-After, another request of the same client gets through
        if (ms === 60_000) await c.send({ method: 'GET', path: '/tasks' });
      },
      rateLimitPatienceMs: 120_000,
    });
    await c.send({ method: 'GET', path: '/me' });
    expect(s.received('GET', /^\/v1\/me$/).map((r) => r.status)).toEqual([...Array(10).fill(429), 200]);
    await c.close();
  });
});

describe('ApiClient and other faults', () => {
  it('retries a transient 500, 502, 503 or 504 on a GET and on the reassign PATCH, at most 4 attempts', async () => {
    const s = await sandbox();
    const task = s.store.state.tasks.find((t) => t.status === 'PENDING')!;
    const bob = s.store.users[1]!;
    s.injectFault({ method: 'GET', status: 500 });
    s.injectFault({ method: 'GET', status: 502, body: '<html>bad gateway</html>' });
    s.injectFault({ method: 'GET', status: 504 });
    const sleeps: number[] = [];
    const c = client(s, sleeps);
    await c.send({ method: 'GET', path: '/me' });
    expect(s.received('GET').map((r) => r.status)).toEqual([500, 502, 504, 200]);
    s.injectFault({ method: 'PATCH', status: 500, times: 2 });
    await c.send({
      method: 'PATCH',
      path: `/tasks/${task.id}/assignee`,
      body: { assignee_user_id: bob.id, scope: 'TASK' },
    });
    expect(s.received('PATCH').map((r) => r.status)).toEqual([500, 500, 200]);
    s.injectFault({ method: 'GET', status: 500, times: 4 });
    const e = (await c.send({ method: 'GET', path: '/me' }).catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(500);
    expect(c.stats.requests).toBe(4 + 3 + 4);
    await c.close();
  });

  it('retries connections dropped before or after the answer on a GET', async () => {
    const s = await sandbox();
    s.injectFault({ method: 'GET', reset: 'before' });
    s.injectFault({ method: 'GET', reset: 'after' });
    const c = client(s, []);
    await c.send({ method: 'GET', path: '/me' });
    expect(s.received('GET').map((r) => r.status)).toEqual([-1, -2, 200]);
    await c.close();
  });

  it('counts 429s apart from the 4 attempts other faults get', async () => {
    const s = await sandbox();
    s.injectFault({ method: 'GET', status: 503 });
    s.injectFault({ method: 'GET', status: 429, retryAfter: '0', times: 5 });
    s.injectFault({ method: 'GET', status: 503, times: 2 });
    const c = client(s, []);
    await c.send({ method: 'GET', path: '/me' });
    expect(s.received('GET').map((r) => r.status)).toEqual([503, ...Array(5).fill(429), 503, 503, 200]);
    await c.close();
  });
});

describe('ApiClient debug log', () => {
  it('logs method, URL, status, duration, request id and attempt; never the key; contacts without their query', async () => {
    const s = await sandbox();
    s.injectFault({ method: 'GET', path: '^/v1/me$', status: 503, retryAfter: '0' });
    const lines: string[] = [];
    const c = client(s, [], { debug: (line) => lines.push(line) });
    await c.send({ method: 'GET', path: '/me' });
    await c
      .send({ method: 'GET', path: '/contacts', query: [['email', 'ada@example.com']] })
      .catch(() => undefined);
    const base = s.url.replace(/\/v1$/, '');
    expect(lines[0], lines.join('\n')).toMatch(
      new RegExp(`^GET ${base}/v1/me -> 503 \\(\\d+ ms\\) request_id=req_\\w+ attempt 1/4$`),
    );
    expect(lines[1]).toMatch(/^GET \S+\/v1\/me -> 200 \(\d+ ms\) request_id=req_\w+ attempt 2\/4$/);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^GET ${base}/v1/contacts -> 200 \\(\\d+ ms\\) request_id=`)),
    );
    const all = lines.join('\n');
    expect(all).not.toContain('ada@example.com');
    expect(all).not.toContain('topo_sandbox_rw');
    await c.close();
  });
});

describe('statedRate', () => {
  it('reads the limit and window of a 429 body as requests per second, and nothing else', () => {
    expect(statedRate('{"data":{"limit":50,"window_seconds":1}}')).toBe(50);
    expect(statedRate('{"data":{"limit":600,"window_seconds":60}}')).toBe(10);
    for (const text of [
      '',
      'null',
      '<html>',
      '{"data":null}',
      '{"data":{"limit":50}}',
      '{"data":{"limit":"50","window_seconds":1}}',
      '{"data":{"limit":0,"window_seconds":1}}',
      '{"data":{"limit":5,"window_seconds":0}}',
      '{"data":{"limit":-5,"window_seconds":1}}',
      `{"data":{"limit":5,"window_seconds":1},"pad":"${'x'.repeat(20_000)}"}`,
    ])
      expect(statedRate(text), text.slice(0, 40)).toBeUndefined();
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
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1', now)).toBe(1000);
  });
});
