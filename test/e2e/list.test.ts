import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { sandboxTemplateIds } from '../../src/sandbox/store.js';
import { sandbox, topo } from '../helpers.js';

const TSV_FIELDS = [
  'id',
  'type',
  'priority',
  'status',
  'assignee_user_id',
  'sequence_id',
  'created_at',
  'updated_at',
] as const;

function tsv(tasks: Task[]): string {
  return tasks.map((t) => TSV_FIELDS.map((f) => t[f] ?? '').join('\t') + '\n').join('');
}

/** What the sandbox holds, in the order a listing promises: newest first, ties by id. */
function expected(
  s: Sandbox,
  keep: (t: Task) => boolean,
  field: 'created_at' | 'updated_at' = 'created_at',
): Task[] {
  return s.store.state.tasks
    .filter(keep)
    .sort((a, b) => (a[field] !== b[field] ? (a[field] < b[field] ? 1 : -1) : a.id < b.id ? 1 : -1));
}

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

describe('tasks list', () => {
  it('lists the 30 newest open tasks as TSV when piped, merging the PENDING and IN_PROGRESS listings', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list'], { sandbox: s });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(tsv(expected(s, isOpen).slice(0, 30)));
    const queries = s.received('GET', /^\/v1\/tasks$/).map((q) => q.query);
    expect(queries.sort()).toEqual([
      'status=IN_PROGRESS&sort_by=created_at&sort_order=desc&page=1&size=30',
      'status=PENDING&sort_by=created_at&sort_order=desc&page=1&size=30',
    ]);
    const ua = s.requests[0]!.headers['user-agent'];
    expect(ua).toMatch(/^topo\/\d+\.\d+\.\d+ node\/20\./);
    expect(s.requests[0]!.headers.authorization).toBe('Bearer topo_sandbox_rw');
  });

  it('sends every filter with array values as repeated parameters, any case accepted', async () => {
    const s = await sandbox();
    const alice = s.store.users[0]!.id;
    const [t1, t2] = sandboxTemplateIds(s.store.state);
    const run = s.store.state.tasks[0]!.sequence_id;
    const r = await topo(
      [
        'tasks',
        'list',
        '-s',
        'pending',
        '-t',
        'call,EMAIL_REPLY',
        '-t',
        'Linkedin_Reply',
        '-p',
        'hot,today',
        '--template',
        `${t1},${t2}`,
        '-a',
        alice,
        '--sequence',
        run,
        '--created-after',
        '2026-08-01',
        '--created-before',
        '2026-11-01T00:00:00Z',
        '--sort',
        'updated',
        '--order',
        'asc',
        '-L',
        '5',
      ],
      { sandbox: s },
    );
    expect(r.code).toBe(0);
    const [req] = s.received('GET', /^\/v1\/tasks$/);
    expect(req!.params).toEqual([
      ['status', 'PENDING'],
      ['types', 'CALL'],
      ['types', 'EMAIL_REPLY'],
      ['types', 'LINKEDIN_REPLY'],
      ['priorities', 'HOT'],
      ['priorities', 'TODAY'],
      ['sequence_template_ids', t1],
      ['sequence_template_ids', t2],
      ['assignee_user_id', alice],
      ['sequence_id', run],
      ['created_at_after', '2026-08-01T00:00:00Z'],
      ['created_at_before', '2026-11-01T00:00:00Z'],
      ['sort_by', 'updated_at'],
      ['sort_order', 'asc'],
      ['page', '1'],
      ['size', '5'],
    ]);
  });

  it('turns an age into a date counted back from now', async () => {
    const s = await sandbox();
    const before = Date.now();
    const r = await topo(['tasks', 'list', '--created-after', '7d', '-s', 'all'], { sandbox: s });
    expect(r.code).toBe(0);
    const sent = s.received('GET', /^\/v1\/tasks$/)[0]!.params.find(([k]) => k === 'created_at_after')![1];
    const ms = Date.parse(sent);
    expect(Math.abs(before - 7 * 86_400_000 - ms)).toBeLessThan(60_000);
  });

  it('--all walks every page 100 at a time and prints each task once, in order', async () => {
    const s = await sandbox({ tasks: 450 });
    const r = await topo(['tasks', 'list', '--status', 'all', '--all'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(tsv(expected(s, () => true)));
    const reqs = s.received('GET', /^\/v1\/tasks$/);
    // 450 tasks and the ones seeded beyond them: six pages of 100.
    expect(reqs.map((q) => q.params.find(([k]) => k === 'page')![1]).sort()).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
    ]);
    expect(reqs.every((q) => q.params.some(([k, v]) => k === 'size' && v === '100'))).toBe(true);
  });

  it('--all with the open default merges two complete walks', async () => {
    const s = await sandbox({ tasks: 450 });
    const r = await topo(['tasks', 'list', '--all', '--concurrency', '2'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(tsv(expected(s, isOpen)));
  });

  it('--json prints one array with every field; --json fields picks and orders them', async () => {
    const s = await sandbox();
    const all = await topo(['tasks', 'list', '-L', '3', '--json'], { sandbox: s });
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual(expected(s, isOpen).slice(0, 3));
    expect(all.stdout.trim().split('\n')).toHaveLength(1);
    const some = await topo(['tasks', 'list', '-L', '2', '--json', 'status,id'], { sandbox: s });
    const parsed = JSON.parse(some.stdout) as Record<string, unknown>[];
    expect(parsed.map((o) => Object.keys(o))).toEqual([
      ['status', 'id'],
      ['status', 'id'],
    ]);
  });

  it('prints an empty array and exits 0 when nothing matches', async () => {
    const s = await sandbox();
    const none = '00000000-0000-4000-8000-000000000000';
    const r = await topo(['tasks', 'list', '--sequence', none, '--json'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[]\n');
    const plain = await topo(['tasks', 'list', '--sequence', none], { sandbox: s });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('');
  });

  it('a type in capitals that topo does not know goes to the API as given, with a one-line warning', async () => {
    const s = await sandbox();
    // The API knows a type topo does not.
    const task = s.store.state.tasks.find((t) => t.status === 'PENDING')!;
    task.type = 'MEETING_PREP';
    const r = await topo(['tasks', 'list', '-t', 'MEETING_PREP,call', '--json', 'id,type'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "warning: --type: 'MEETING_PREP' is not a type topo knows; sent to the API as given\n",
    );
    const types = (JSON.parse(r.stdout) as { id: string; type: string }[]).map((t) => t.type);
    expect(types).toContain('MEETING_PREP');
    expect(new Set(types)).toEqual(new Set(['MEETING_PREP', 'CALL']));
    const sent = s.received('GET', /^\/v1\/tasks/)[0]!;
    expect(new URLSearchParams(sent.query).getAll('types')).toEqual(['MEETING_PREP', 'CALL']);
    // Close to a known type: the warning says which.
    const near = await topo(['tasks', 'list', '-t', 'EMIAL_REPLY', '--json'], { sandbox: s });
    expect(near.stderr).toContain(
      "warning: --type: 'EMIAL_REPLY' is not a type topo knows (did you mean email_reply?); sent to the API as given\n",
    );
  });

  it.each([
    [
      ['--status', 'done'],
      "--status: invalid value 'done' (allowed: open, pending, in_progress, completed, skipped, all)",
    ],
    [
      ['--type', 'sms'],
      "--type: invalid value 'sms' (allowed: call, email_reply, linkedin_reply, new_lead_review, todo, playbook_approval, or a type topo does not know yet in capitals, as the API writes it)",
    ],
    [['--type', 'emial_reply'], "--type: invalid value 'emial_reply' (did you mean email_reply?)"],
    [
      ['--type', 'Playbook-Aproval'],
      "--type: invalid value 'Playbook-Aproval' (did you mean playbook_approval?)",
    ],
    [['--priority', 'urgent'], "--priority: invalid value 'urgent' (allowed: hot, today, extra)"],
    [['--sequence', 'abc'], "--sequence: 'abc' is not a UUID"],
    [['--limit', '0'], '--limit: must be at least 1, got 0'],
    [['--limit', 'ten'], "--limit: 'ten' is not a whole number"],
    [['--created-after', 'yesterday'], "--created-after: invalid date 'yesterday'"],
    [['--created-before', '2026-02-30'], "--created-before: invalid date '2026-02-30'"],
    [['--created-after', '999999999w'], "--created-after: '999999999w' reaches back before 1970"],
    [['--sort', 'priority'], "--sort: invalid value 'priority' (allowed: created, updated)"],
    [['--order', 'up'], "--order: invalid value 'up' (allowed: asc, desc)"],
    [['--assignee', 'nobody'], "--assignee: 'nobody' is neither a UUID nor a known alias"],
    [
      ['--assignee', 'me'],
      "--assignee: 'me' is not set; run 'topo alias set me --from-task <id of one of your tasks>' or 'topo alias set me <your-user-uuid>'",
    ],
  ])('rejects %j with exit 2 before any request', async (args, message) => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', ...args], { sandbox: s });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
    expect(s.requests).toHaveLength(0);
  });

  it('rejects an unknown --json field, listing the valid ones, as a JSON error', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--json', 'id,title'], { sandbox: s });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({
      error: {
        code: 2,
        status: null,
        type: 'UsageError',
        message:
          "--json: unknown field 'title' (valid: id, organization_id, type, priority, status, sequence_id, assignee_user_id, disposition, reopened_at, reopen_reason, skipped_at, completed_at, created_at, updated_at, contact, sequence_template, sequence_run)",
        request_id: null,
      },
    });
    expect(s.requests).toHaveLength(0);
  });

  it('rejects a --json field named twice before any request', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--json', 'id,type, id'], { sandbox: s });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.message).toBe(
      "--json: 'id' named more than once; name each field once",
    );
    expect(r.stdout).toBe('');
    expect(s.requests).toHaveLength(0);
  });

  it('rejects an unknown flag and suggests the right one', async () => {
    const r = await topo(['tasks', 'list', '--limt', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--limt'");
    expect(r.stderr).toContain('--limit');
  });
});

describe('tasks list: keys and errors', () => {
  it('says how to log in when there is no key (exit 4) and sends nothing', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list'], { sandbox: s, key: null });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "error: no API key. Run 'topo auth login' or set TOPO_API_KEY (or try 'topo --sandbox …').\n",
    );
    expect(s.requests).toHaveLength(0);
  });

  it('an API URL without its version: the 404 says which URL and suggests /v1', async () => {
    const s = await sandbox();
    const base = s.url.replace(/\/v1$/, '');
    const r = await topo(['--api-url', base, 'tasks', 'list', '-L', '1'], { sandbox: s });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: No such endpoint: ${base}/tasks does not exist; the API URL may lack its version \\(${base}/v1\\?\\) \\(NotFoundIssue, request req_\\w+\\)\n$`,
      ),
    );
    // A 404 for one task is just that.
    const one = await topo(['tasks', 'show', '00000000-0000-4000-8000-000000000000'], { sandbox: s });
    expect(one.code).toBe(3);
    expect(one.stderr).not.toContain('/v1?');
  });

  it('exits 4 for a rejected key and for a key without tasks:read, naming the scope', async () => {
    const s = await sandbox();
    const bad = await topo(['tasks', 'list'], { sandbox: s, key: 'topo_revoked' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/^error: Invalid API key \(UnauthorizedIssue, request req_[0-9a-f]+\)\n$/);
    const scope = await topo(['tasks', 'list'], { sandbox: s, key: 'topo_sandbox_none' });
    expect(scope.code).toBe(4);
    expect(scope.stderr).toContain("lacks the 'tasks:read' scope");
  });

  it('prints the error as JSON on stderr with --json', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--json'], { sandbox: s, key: 'topo_sandbox_none' });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    const body = JSON.parse(r.stderr) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 4, status: 403, type: 'UnauthorizedIssue' });
    expect(body.error.request_id).toMatch(/^req_/);
  });

  it('retries 503 and 429 (honouring Retry-After) and succeeds', async () => {
    const s = await sandbox();
    s.injectFault({ method: 'GET', path: '^/v1/tasks$', status: 503, times: 1 });
    s.injectFault({ method: 'GET', path: '^/v1/tasks$', status: 429, retryAfter: '0', times: 1 });
    const r = await topo(['tasks', 'list', '-s', 'pending', '-L', '5'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
    expect(s.received('GET').map((q) => q.status)).toEqual([503, 429, 200]);
  });

  it('gives up after 4 attempts with a one-line error for an HTML 502, exit 1', async () => {
    const s = await sandbox();
    s.injectFault({
      path: '^/v1/tasks$',
      status: 502,
      body: '<html><body>Bad gateway</body></html>',
      times: 10,
    });
    const r = await topo(['tasks', 'list', '-s', 'pending'], { sandbox: s });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: the API answered HTTP 502 with a text\/html body \(bad gateway\) \(request req_[0-9a-f]+\)\n$/,
    );
    expect(s.received('GET')).toHaveLength(4);
  });

  it('retries a dropped connection on a GET', async () => {
    const s = await sandbox();
    s.injectFault({ path: '^/v1/tasks$', reset: 'before' });
    const r = await topo(['tasks', 'list', '-s', 'pending', '-L', '2'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('reports an unreachable API in one line, exit 1', async () => {
    const r = await topo(['tasks', 'list'], { env: { TOPO_API_URL: 'http://127.0.0.1:9/v1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot reach 127.0.0.1:9: connection refused\n');
  });

  it('logs requests with --debug without the key', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '-s', 'pending', '-L', '1', '--debug'], { sandbox: s });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /\[debug\] GET http:\/\/127\.0\.0\.1:\d+\/v1\/tasks\?status=PENDING.* -> 200 \(\d+ ms\) request_id=req_\w+ attempt 1\/4/,
    );
    expect(r.stderr).not.toContain('topo_sandbox_rw');
    // topo's own errors are one line, --debug or not: no stack trace.
    const missing = await topo(['tasks', 'show', '00000000-0000-4000-8000-000000000000', '--debug'], {
      sandbox: s,
    });
    expect(missing.code).toBe(3);
    expect(missing.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error: /);
    expect(missing.stderr).not.toMatch(/^\s+at /m);
  });
});
