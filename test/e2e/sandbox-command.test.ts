import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, MORE_TYPES_SEEDED, sandbox, tempDir, topo } from '../helpers.js';

describe('topo sandbox', () => {
  it('prints the base URL, the demo keys and the users, serves the API, and stops cleanly on SIGTERM', async () => {
    const home = tempDir();
    const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--tasks', '40', '--seed', '9'], {
      env: { PATH: process.env.PATH ?? '', HOME: home, TOPO_CONFIG_DIR: home, TOPO_DATA_DIR: home },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stdout);
        if (m && stdout.includes('Try:')) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    for (const key of ['topo_sandbox_rw', 'topo_sandbox_ro', 'topo_sandbox_none'])
      expect(stdout).toContain(key);
    expect(stdout).toMatch(/alice\s+Alice Martin\s+[0-9a-f-]{36}/);
    const res = await fetch(`${url}/tasks?size=100`, {
      headers: { authorization: 'Bearer topo_sandbox_ro' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { total_count: number }).total_count).toBe(40 + MORE_TYPES_SEEDED);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(stderr).toContain('Sandbox stopped.');
  });

  it.each([
    [['--port', 'abc'], '--port'],
    [['--fail-rate', '2'], '--fail-rate'],
    [['--rate-limit', '0'], '--rate-limit'],
    [['--tasks', '-5'], '--tasks'],
  ])('rejects %j with exit 2 before starting', async (args, flag) => {
    const r = await topo(['sandbox', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
  it('--reset forgets the sandbox’s tasks and its jobs, and no other workspace’s', async () => {
    const home = tempDir();
    const env = {
      TOPO_CONFIG_DIR: join(home, 'config'),
      TOPO_DATA_DIR: join(home, 'data'),
      TOPO_STATE_DIR: join(home, 'state'),
    };
    const onSandbox = { env: { ...env, TOPO_SANDBOX: '1' }, key: null };
    const moved = await topo(['tasks', 'reassign', '--from', 'erin', '--to', 'bob', '--yes'], onSandbox);
    expect(moved.code, moved.stderr).toBe(0);
    // A job of another workspace: a sandbox server at its own URL.
    const s = await sandbox();
    const [a, b] = s.store.users;
    const other = await topo(['tasks', 'reassign', '--from', a!.id, '--to', b!.id, '--yes'], {
      sandbox: s,
      env,
    });
    expect(other.code, other.stderr).toBe(0);
    const jobs = async (options: Parameters<typeof topo>[1]) =>
      JSON.parse((await topo(['tasks', 'reassign', '--jobs', '--json', 'id'], options)).stdout) as unknown[];
    expect(await jobs(onSandbox)).toHaveLength(1);

    const reset = await topo(['sandbox', '--reset'], { env, key: null });
    expect(reset.code).toBe(0);
    expect(reset.stderr).toMatch(/^Sandbox state reset \(.*sandbox\.json\); its 1 job forgotten\.\n$/);
    expect(await jobs(onSandbox)).toEqual([]);
    expect(await jobs({ sandbox: s, env })).toHaveLength(1);
    // The seeded workspace again: erin has her open tasks back.
    const again = await topo(['tasks', 'reassign', '--from', 'erin', '--to', 'bob', '--dry-run'], onSandbox);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/goes on|earlier runs/);
    const twice = await topo(['sandbox', '--reset'], { env, key: null });
    expect(twice.stderr).toMatch(/^Sandbox state reset \(.*sandbox\.json\)\.\n$/);
  });

  it("commands run at the same time on the sandbox each keep the others' changes", async () => {
    const home = tempDir();
    const env = {
      TOPO_CONFIG_DIR: join(home, 'config'),
      TOPO_DATA_DIR: join(home, 'data'),
      TOPO_STATE_DIR: join(home, 'state'),
      TOPO_SANDBOX: '1',
    };
    const listed = await topo(['tasks', 'list', '-a', 'bob', '-L', '8', '--json', 'id'], { env, key: null });
    const ids = (JSON.parse(listed.stdout) as { id: string }[]).map((t) => t.id);
    expect(ids).toHaveLength(8);
    // Eight processes, each skipping one task of the shared workspace at once.
    const runs = await Promise.all(
      ids.map((id) => topo(['tasks', 'skip', id], { env, key: null, spawn: true })),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const after = await topo(['tasks', 'list', '--status', 'skipped', '--all', '--json', 'id'], {
      env,
      key: null,
    });
    const skipped = new Set((JSON.parse(after.stdout) as { id: string }[]).map((t) => t.id));
    expect(ids.filter((id) => !skipped.has(id))).toEqual([]);
    // And eight new tasks made at once: eight tasks, each its own.
    const made = await Promise.all(
      ids.map(() => topo(['sandbox', '--new-task', 'erin'], { env, key: null, spawn: true })),
    );
    const newIds = made.map((r) => r.stdout.trim());
    expect(new Set(newIds).size).toBe(8);
    for (const id of newIds)
      expect((await topo(['tasks', 'show', id, '--json', 'id'], { env, key: null })).code).toBe(0);
  });

  it('--new-task takes a rep in any case, or me; another name is a usage error that lists the reps', async () => {
    const home = tempDir();
    const env = { TOPO_CONFIG_DIR: join(home, 'config'), TOPO_DATA_DIR: join(home, 'data') };
    const made = await topo(['sandbox', '--new-task', 'ME'], { env, key: null });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/^New pending call for alice in run [0-9a-f-]{36}:\n$/);
    const id = made.stdout.trim();
    const mine = await topo(['--sandbox', 'tasks', 'list', '-a', 'alice', '--json', 'id'], {
      env,
      key: null,
    });
    expect((JSON.parse(mine.stdout) as { id: string }[]).map((t) => t.id)).toContain(id);
    expect((await topo(['sandbox', '--new-task', 'Erin'], { env, key: null })).code).toBe(0);
    // Pointed at a sandbox served on a port, it says where the task went, and how that one takes tasks.
    const served = await topo(['sandbox', '--new-task', 'erin'], {
      env: { ...env, TOPO_API_URL: 'http://127.0.0.1:4777/v1' },
      key: null,
    });
    expect(served.code).toBe(0);
    expect(served.stderr).toMatch(
      /note: written to the state of 'topo --sandbox' \(.*\), not to http:\/\/127\.0\.0\.1:4777\/v1: a sandbox served on a port takes new tasks by POST http:\/\/127\.0\.0\.1:4777\/__sandbox\/tasks\n$/,
    );
    const nobody = await topo(['sandbox', '--new-task', 'zed'], { env, key: null });
    expect([nobody.code, nobody.stdout]).toEqual([2, '']);
    expect(nobody.stderr).toBe(
      "error: --new-task: 'zed' is none of the sandbox's reps (alice, bob, carla, dev, erin, femi, gia, hugo, ines, jon, kai, or me)\n",
    );

    // `me` (and any alias) as `topo --sandbox …` knows it: set in the sandbox's profile, it is that rep.
    const bob = (await topo(['--sandbox', 'alias', 'list', '--json'], { env, key: null })).stdout;
    const bobId = (JSON.parse(bob) as Record<string, string>).bob!;
    expect((await topo(['--sandbox', 'alias', 'set', 'me', bobId], { env, key: null })).code).toBe(0);
    expect((await topo(['--sandbox', 'alias', 'set', 'zed', bobId], { env, key: null })).code).toBe(0);
    for (const name of ['me', 'Zed']) {
      const r = await topo(['sandbox', '--new-task', name], { env, key: null });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^New pending call for bob in run /);
    }
  });
});
