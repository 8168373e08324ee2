import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { fastSleep, MORE_TYPES_SEEDED, sandbox, spawnTopo, topo, waitFor } from '../helpers.js';

/**
 * Hostile networks and hostile data: every command either succeeds through its retries or fails with the
 * documented exit code and one line; listings are complete or clearly failed; changes are never applied twice.
 */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';
const oneLine = (stderr: string) => expect(stderr.trimEnd().split('\n')).toHaveLength(1);
const HTML = '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

function newestFirst(tasks: Task[]): Task[] {
  return [...tasks].sort((a, b) =>
    a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1,
  );
}

function ids(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]!);
}

/** How many POSTs the sandbox actually processed (answered or dropped after processing). */
const processedPosts = (s: Sandbox) =>
  s.received('POST').filter((r) => r.status === 200 || r.status === -2).length;

describe('listings under faults', () => {
  const listAll = (s: Sandbox, extra: string[] = []) =>
    topo(['tasks', 'list', '--status', 'all', '--all', ...extra], { sandbox: s });

  it.each([
    ['a connection reset before the request is handled', { reset: 'before' as const }],
    ['a connection reset after it was handled', { reset: 'after' as const }],
    ['502 with an HTML body', { status: 502, body: HTML }],
    ['503 with a JSON body', { status: 503 }],
    ['504 with an HTML body', { status: 504, body: HTML }],
    ['429 with Retry-After in seconds', { status: 429, retryAfter: '0' }],
    [
      '429 with Retry-After as an HTTP date',
      { status: 429, retryAfter: new Date(Date.now() - 1000).toUTCString() },
    ],
    ['a truncated JSON body', { status: 200, body: '{"items": [{"id": "', contentType: 'application/json' }],
    ['a body that is not JSON', { status: 200, body: 'OK', contentType: 'text/plain' }],
  ])('--all stays complete and duplicate-free through %s on a middle page', async (_name, fault) => {
    const s = await sandbox({ tasks: 520 });
    s.injectFault({ method: 'GET', query: '(^|&)page=3&', times: 2, ...fault });
    const r = await listAll(s);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = ids(r.stdout);
    expect(got).toEqual(newestFirst(s.store.state.tasks).map((t) => t.id));
    expect(new Set(got).size).toBe(520 + MORE_TYPES_SEEDED);
  });

  it('a 429 storm is waited out: each limited request waits its Retry-After, and nothing is lost', async () => {
    // 900 in all: nine pages of 100.
    const s = await sandbox({ tasks: 900 - MORE_TYPES_SEEDED });
    s.injectFault({ method: 'GET', status: 429, retryAfter: '1', times: 3, after: 1 });
    const waits: number[] = [];
    const r = await topo(['tasks', 'list', '--status', 'all', '--all'], {
      sandbox: s,
      deps: { sleep: (ms: number) => (waits.push(ms), fastSleep(ms)) },
    });
    expect(r.code).toBe(0);
    expect(new Set(ids(r.stdout)).size).toBe(900);
    expect(ids(r.stdout)).toHaveLength(900);
    const limited = s.received('GET').filter((q) => q.status === 429);
    expect(limited).toHaveLength(3);
    // every limited request was asked again after the second the API named (later waits are the pacer's)
    expect(waits.filter((ms) => ms === 1000)).toHaveLength(3);
    // nine pages of 100, each answered once
    expect(s.received('GET').filter((q) => q.status === 200)).toHaveLength(9);
  });

  it.each([
    [
      '500 with a JSON body, every attempt',
      { status: 500, times: 10 },
      1 as number,
      /^error: Injected 500(; the listing stopped after 100 of \d+ tasks: the output is incomplete)? \(InternalIssue, request req_\w+\)$/,
    ],
    [
      '502 with an HTML body, every attempt',
      { status: 502, body: HTML, times: 10 },
      1,
      /^error: the API answered HTTP 502 with a text\/html body \(bad gateway\)(; the listing stopped after 100 of \d+ tasks: the output is incomplete)? \(request req_\w+\)$/,
    ],
    [
      'invalid JSON, every attempt',
      { status: 200, body: '{"items": [', contentType: 'application/json', times: 10 },
      1,
      /^error: the API answered 200 with a body that is not valid JSON \(11 bytes\) from http:\/\/127\.0\.0\.1:\d+\/v1\/tasks\?.*\(request req_\w+\)$/,
    ],
  ])('fails clearly on %s: the exit code, one line', async (_name, fault, code, message) => {
    const s = await sandbox({ tasks: 520 });
    s.injectFault({ method: 'GET', query: '(^|&)page=2&', ...fault });
    const r = await listAll(s);
    expect(r.code).toBe(code);
    oneLine(r.stderr);
    expect(r.stderr.trimEnd()).toMatch(message);
  });

  it('a 200 whose body is not JSON: the JSON error gives the status the API answered, 200', async () => {
    const s = await sandbox();
    const id = s.store.state.tasks[0]!.id;
    s.injectFault({ method: 'GET', status: 200, body: '{"id":', contentType: 'application/json', times: 10 });
    const r = await topo(['tasks', 'show', id, '--json'], { sandbox: s });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: {
        code: 1,
        status: 200,
        message: expect.stringMatching(/^the API answered 200 with a body that is not valid JSON/),
      },
    });
  });

  it('a walk that fails part-way says what was printed is incomplete; its JSON array is left open', async () => {
    const s = await sandbox({ tasks: 520 });
    s.injectFault({ method: 'GET', query: '(^|&)page=3&', status: 500, times: 10 });
    const json = await listAll(s, ['--concurrency', '1', '--json', 'id']);
    expect(json.code).toBe(1);
    // Every record the walk handed over (two pages), in an array left open: no parser takes it for the list.
    expect(() => JSON.parse(json.stdout) as unknown).toThrow();
    expect(JSON.parse(`${json.stdout}]`)).toHaveLength(200);
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: {
        code: 1,
        message: `Injected 500; the listing stopped after 200 of ${520 + MORE_TYPES_SEEDED} tasks: the output is incomplete`,
      },
    });
    s.injectFault({ method: 'GET', query: '(^|&)page=3&', status: 500, times: 10 });
    const tsv = await listAll(s, ['--concurrency', '1']);
    expect(tsv.code).toBe(1);
    // Whole lines, every one of the 200 the error says: what was fetched is never lost in a buffer.
    const lines = tsv.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(200);
    for (const line of lines) expect(line.split('\t')).toHaveLength(lines[0]!.split('\t').length);
    expect(tsv.stderr).toMatch(
      /^error: Injected 500; the listing stopped after 200 of \d+ tasks: the output is incomplete \(InternalIssue, request req_\w+\)\n$/,
    );
    s.injectFault({ method: 'GET', query: '(^|&)page=3&', status: 500, times: 10 });
    const csv = await listAll(s, ['--concurrency', '1', '--csv']);
    expect(csv.code).toBe(1);
    expect(csv.stdout.split('\r\n').filter(Boolean)).toHaveLength(1 + 200);
  });

  it('a response slower than --timeout is retried, then fails with exit 1 and one line', async () => {
    const s = await sandbox();
    s.injectFault({ method: 'GET', delayMs: 1500, times: 4 });
    const r = await topo(['tasks', 'list', '-s', 'pending', '--timeout', '0.3'], { sandbox: s });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: request to 127.0.0.1:' +
        new URL(s.url).port +
        ' timed out after 0.3 s (4 attempts; --timeout limits each one); try again or raise --timeout\n',
    );
    expect(s.received('GET')).toHaveLength(4);
  });

  it('a slow answer once is retried and the listing succeeds', async () => {
    const s = await sandbox();
    s.injectFault({ method: 'GET', delayMs: 1500, times: 1 });
    const r = await topo(['tasks', 'list', '-s', 'pending', '--timeout', '0.5'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(ids(r.stdout)).toHaveLength(30);
  });

  it('a redirect is not followed with the key attached', async () => {
    const s = await sandbox();
    s.injectFault({ status: 301, headers: { location: 'http://evil.example/v1/tasks' }, body: '' });
    const r = await topo(['tasks', 'list', '-s', 'pending'], { sandbox: s });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: the API answered with a redirect \(HTTP 301 to http:\/\/evil\.example\/v1\/tasks\); topo does not follow redirects with your key: check --api-url \(request req_\w+\)\n$/,
    );
    expect(s.requests).toHaveLength(1);
  });
});

describe('unknown fields and enum values', () => {
  it('shows them as received and never crashes, in TSV, JSON, show and the table', async () => {
    const s = await sandbox();
    const base = s.store.state.tasks.find(isOpen)!;
    const odd = {
      ...base,
      id: '0f0f0f0f-0000-4000-8000-000000000001',
      type: 'SMS_REPLY',
      priority: 'URGENT',
      status: 'SNOOZED',
      disposition: 'CALLBACK_LATER',
      created_at: '2030-01-01T00:00:00Z',
      sentiment: { score: 0.9 },
    };
    s.store.insert(odd);
    const tsv = await topo(['tasks', 'list', '-s', 'all', '-L', '1'], { sandbox: s });
    expect(tsv.code).toBe(0);
    expect(tsv.stdout.split('\t').slice(0, 4)).toEqual([odd.id, 'SMS_REPLY', 'URGENT', 'SNOOZED']);
    const json = await topo(['tasks', 'list', '-s', 'all', '-L', '1', '--json'], { sandbox: s });
    expect(JSON.parse(json.stdout)).toEqual([odd]);
    const show = await topo(['tasks', 'show', odd.id], { sandbox: s });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('type\tSMS_REPLY\n');
    expect(show.stdout).toContain('sentiment\t{"score":0.9}\n');
    const skip = await topo(['tasks', 'skip', odd.id], { sandbox: s });
    expect(skip.code).toBe(5);
    oneLine(skip.stderr);
  });
});

describe('terminal safety', () => {
  it('TSV is reversible: a backslash is doubled, so a literal \\n and a line break stay apart (listing and show)', async () => {
    const s = await sandbox();
    const base = s.store.state.tasks.find(isOpen)!;
    const values = {
      reopen_reason: 'typed \\n here\nreal break\there',
      disposition: 'C:\\temp\r\u2028\u001b',
    };
    const task = {
      ...base,
      id: '0e0e0e0e-0000-4000-8000-000000000003',
      created_at: '2030-01-01T00:00:00Z',
      type: 'TODO\\t',
      ...values,
    };
    s.store.insert(task);
    // The unescaping a reader writes: one pass, each escape to its character.
    const unescape = (field: string) =>
      field.replace(/\\(\\|t|n|r|e|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_, e: string) =>
        e === '\\'
          ? '\\'
          : e === 't'
            ? '\t'
            : e === 'n'
              ? '\n'
              : e === 'r'
                ? '\r'
                : e === 'e'
                  ? '\u001b'
                  : String.fromCharCode(parseInt(e.slice(1), 16)),
      );
    const show = await topo(['tasks', 'show', task.id], { sandbox: s });
    expect(show.code).toBe(0);
    const fields = new Map(
      show.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t') as [string, string]),
    );
    expect(fields.get('reopen_reason')).toBe('typed \\\\n here\\nreal break\\there');
    expect(fields.get('disposition')).toBe('C:\\\\temp\\r\\u2028\\e');
    for (const [name, value] of Object.entries(values)) expect(unescape(fields.get(name)!)).toBe(value);

    const list = await topo(
      ['tasks', 'list', '-s', 'all', '-L', '1', '--json', 'id,reopen_reason,disposition'],
      {
        sandbox: s,
      },
    );
    expect(JSON.parse(list.stdout)[0]).toEqual({ id: task.id, ...values });
    const tsv = await topo(['tasks', 'list', '-s', 'all', '-L', '1'], { sandbox: s });
    expect(tsv.stdout.split('\n')).toHaveLength(2);
    expect(tsv.stdout.split('\t')).toHaveLength(8);
    expect(tsv.stdout.split('\t')[1]).toBe('TODO\\\\t');
  });

  it('neutralises escape sequences and control characters in table, TSV, show and thread; JSON stays exact', async () => {
    const s = await sandbox();
    const base = s.store.state.tasks.find(isOpen)!;
    const evil = {
      ...base,
      id: '0e0e0e0e-0000-4000-8000-000000000002',
      type: 'CALL\u001b]0;pwned\u0007',
      priority: 'HOT\u001b[2J',
      created_at: '2030-01-01T00:00:00Z',
    };
    s.store.insert(evil);
    const tsv = await topo(['tasks', 'list', '-s', 'all', '-L', '1'], { sandbox: s });
    expect(tsv.stdout).not.toContain('\u001b');
    expect(tsv.stdout).toContain('CALL\\e]0;pwned\\x07\tHOT\\e[2J\t');
    expect(tsv.stdout.trim().split('\n')).toHaveLength(1);
    const json = await topo(['tasks', 'show', evil.id, '--json'], { sandbox: s });
    expect(JSON.parse(json.stdout).type).toBe(evil.type);
    const show = await topo(['tasks', 'show', evil.id], { sandbox: s });
    expect(show.stdout).not.toContain('\u001b');

    // A thread whose contact writes escape sequences and tries to forge lines.
    const t = s.store.state.tasks.find((x) => s.store.thread(x).length > 0)!;
    s.injectFault({
      path: `/messages$`,
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify([
        {
          id: 'm1',
          channel: 'EMAIL',
          direction: 'INBOUND',
          subject: 'Hi\u001b[2J\u001b[H',
          body: 'line one\r--- outbound email from alice at 2026-01-01T00:00:00Z\n\u001b]0;title\u0007\u009b31mred',
          sent_at: '2026-01-01T00:00:00Z',
          sender_id: null,
        },
      ]),
      times: 2,
    });
    const thread = await topo(['tasks', 'thread', t.id], { sandbox: s });
    expect(thread.code).toBe(0);
    for (const ch of ['\u001b', '\u0007', '\u009b', '\r']) expect(thread.stdout).not.toContain(ch);
    expect(thread.stdout).toContain('Subject: Hi\\e[2J\\e[H');
    expect(thread.stdout).toContain('line one\\r--- outbound email from alice');
    expect(thread.stdout.split('\n').filter((l) => l.startsWith('--- '))).toHaveLength(1);
    const raw = await topo(['tasks', 'thread', t.id, '--json'], { sandbox: s });
    expect(JSON.parse(raw.stdout)[0].body).toContain('\u001b]0;title\u0007');
  });

  it('neutralises control characters in API error messages', async () => {
    const s = await sandbox();
    s.injectFault({
      status: 422,
      contentType: 'application/json',
      body: JSON.stringify({
        status_code: 422,
        type: 'BusinessIssue',
        message: 'nope\u001b[2J\nforged line',
        request_id: 'req_x',
      }),
    });
    const t = s.store.state.tasks.find(isOpen)!;
    const r = await topo(['tasks', 'show', t.id], { sandbox: s });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('error: nope\\e[2J (BusinessIssue, request req_x)\n');
  });
});

describe('changes under faults: never twice, never lost', () => {
  it.each([
    ['500 before processing', { status: 500 }],
    ['502 HTML before processing', { status: 502, body: HTML }],
    ['a reset before processing', { reset: 'before' as const }],
    ['a reset after processing', { reset: 'after' as const }],
    ['a timeout after processing', { delayMs: 1500 }],
  ])('skip survives %s and applies exactly once', async (_name, fault) => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => x.status === 'PENDING')!;
    s.injectFault({ method: 'POST', ...fault });
    const r = await topo(['tasks', 'skip', t.id, '--timeout', '0.5'], { sandbox: s });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${t.id}\n`);
    expect(s.store.get(t.id)!.status).toBe('SKIPPED');
    expect(processedPosts(s)).toBe(1);
  });

  it('a bulk skip through a storm of faults changes every task once and reports it', async () => {
    const s = await sandbox();
    const tasks = s.store.state.tasks.filter((x) => x.status === 'PENDING').slice(0, 12);
    s.injectFault({ method: 'POST', reset: 'after', times: 2 });
    s.injectFault({ method: 'POST', status: 503, times: 2 });
    s.injectFault({ method: 'POST', status: 429, retryAfter: '0', times: 2 });
    s.injectFault({ method: 'POST', reset: 'before', times: 2 });
    const r = await topo(['tasks', 'skip', ...tasks.map((t) => t.id), '--yes'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('12 skipped, 0 unchanged, 0 failed.\n');
    expect(ids(r.stdout).sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(processedPosts(s)).toBe(12);
  });

  it('a key revoked in the middle of a bulk skip: exit 4, says what was done and what is left; a re-run completes', async () => {
    const s = await sandbox();
    const tasks = s.store.state.tasks.filter((x) => x.status === 'PENDING').slice(0, 8);
    s.injectFault({ method: 'POST', status: 401, after: 3, times: 100 });
    const args = ['tasks', 'skip', ...tasks.map((t) => t.id), '--yes', '--concurrency', '1'];
    const r = await topo(args, { sandbox: s });
    expect(r.code).toBe(4);
    // The fourth call was refused: it failed; the four after it were not attempted.
    expect(r.stderr).toContain('3 skipped, 0 unchanged, 1 failed, 4 not attempted.');
    expect(ids(r.stdout)).toEqual(tasks.slice(0, 3).map((t) => t.id));
    expect(s.received('POST')).toHaveLength(4);
    s.clearFaults();
    const again = await topo(args, { sandbox: s });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('5 skipped, 3 unchanged, 0 failed.\n');
    for (const t of tasks) expect(s.store.get(t.id)!.status).toBe('SKIPPED');
  });

  it('offboarding through 429s, 503s and resets finishes with every task moved once', async () => {
    const s = await sandbox();
    const [alice, bob] = s.store.users;
    s.injectFault({ method: 'PATCH', status: 429, retryAfter: '0', times: 3 });
    s.injectFault({ method: 'PATCH', status: 503, after: 2, times: 2 });
    s.injectFault({ method: 'PATCH', reset: 'after', after: 4, times: 2 });
    const r = await topo(['tasks', 'reassign', '--from', alice!.id, '--to', bob!.id, '--yes'], {
      sandbox: s,
    });
    expect(r.code).toBe(0);
    expect(s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t))).toHaveLength(0);
  });

  it('at 2 requests/s with --concurrency 16, offboarding 100 tasks waits out every 429 and fails no call', async () => {
    // Time runs 20 times faster for both sides: the sandbox's rate limit, and topo's clock and waits. Not
    // faster: a busy machine that holds this process still for a moment must not look like minutes of 429s.
    const FAST = 20;
    const start = Date.now();
    const clock = () => start + (Date.now() - start) * FAST;
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms / FAST));
    const s = await sandbox({ tasks: 5200, rateLimit: 2, clock });
    const [alice, bob, carla] = s.store.users;
    const open = s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t));
    expect(open.length).toBeGreaterThanOrEqual(100);
    // Exactly 100: the rest of alice's open tasks go to dev first.
    for (const t of open.slice(100)) s.store.reassign(t.id, s.store.users[3]!.id, 'TASK');
    const r = await topo(
      [
        'tasks',
        'reassign',
        '--from',
        alice!.id,
        '--to',
        `${bob!.id},${carla!.id}`,
        '--yes',
        '--json',
        '--concurrency',
        '16',
      ],
      { sandbox: s, deps: { now: clock, sleep }, timeoutMs: 50_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.failed).toBe(0);
    expect(report.moved).toBe(100);
    expect(s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t))).toHaveLength(0);
    const limited = s.requests.filter((q) => q.status === 429).length;
    expect(limited).toBeGreaterThan(0);
    // No task was moved twice: one accepted call per whole run or per task.
    const accepted = s.received('PATCH').filter((q) => q.status === 200);
    expect(accepted).toHaveLength(report.calls);
  }, 60_000);

  it('a key revoked in the middle of offboarding: exit 4, what is left, a re-run completes', async () => {
    const s = await sandbox();
    const [alice, bob] = s.store.users;
    const before = s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t)).length;
    s.injectFault({ method: 'PATCH', status: 401, after: 4, times: 1000 });
    const args = ['tasks', 'reassign', '--from', alice!.id, '--to', bob!.id, '--yes', '--concurrency', '1'];
    const r = await topo(args, { sandbox: s });
    expect(r.code).toBe(4);
    const left = s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t)).length;
    expect(r.stderr).toMatch(
      new RegExp(
        `error: Injected 401; ${before - left} tasks? moved, ${left} tasks? not; fix it and run the same command again \\(InjectedIssue, request req_\\w+\\)\n$`,
      ),
    );
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(before);
    s.clearFaults();
    const again = await topo(args, { sandbox: s });
    expect(again.code).toBe(0);
    expect(s.store.state.tasks.filter((t) => t.assignee_user_id === alice!.id && isOpen(t))).toHaveLength(0);
  });
});

describe('signals and pipes', () => {
  it('a closed pipe ends quietly with exit 0', async () => {
    const s = await sandbox({ tasks: 3000, latencyMs: 5 });
    const run = spawnTopo(['tasks', 'list', '--status', 'all', '--all'], {
      sandbox: s,
      key: 'topo_sandbox_ro',
    });
    let lines = 0;
    run.child.stdout.on('data', (d: Buffer) => {
      lines += d.toString().split('\n').length - 1;
      if (lines >= 3) run.child.stdout.destroy();
    });
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toBe('');
  });

  it('Ctrl-C during a listing, before its first row, ends quietly with exit 130', async () => {
    const s = await sandbox({ latencyMs: 3000 });
    const run = spawnTopo(['tasks', 'list'], { sandbox: s, key: 'topo_sandbox_ro' });
    await waitFor(() => s.requests.length > 0);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toBe('');
  });
});
