import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, MORE_TYPES_SEEDED, tempDir, topo } from '../helpers.js';

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
});
