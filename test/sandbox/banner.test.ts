import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../src/sandbox/store.js';
import { BIN, MORE_TYPES_SEEDED, tempDir, topo } from '../helpers.js';

/** `topo sandbox` run by the built binary: its banner, read until the last line, then stopped. */
async function banner(args: string[]): Promise<string> {
  const home = tempDir();
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, TOPO_CONFIG_DIR: home, TOPO_DATA_DIR: home },
  });
  let stdout = '';
  const text = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Try:') && stdout.endsWith('\n')) resolve(stdout);
    });
    child.on('exit', () => reject(new Error('topo sandbox exited early')));
  });
  await new Promise((resolve) => {
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
  return text;
}

describe('topo sandbox banner and help', () => {
  it('lists the four keys with their scopes, the users, then the sequence templates', async () => {
    const out = await banner(['--tasks', '40', '--seed', '9']);
    expect(out).toMatch(/^ {2}topo_sandbox_rw {4}tasks:read, tasks:write, sequences:read, contacts:read$/m);
    expect(out).toMatch(/^ {2}topo_sandbox_tasks tasks:read, tasks:write$/m);
    expect(out).toMatch(/^ {2}topo_sandbox_ro {4}tasks:read$/m);
    expect(out).toMatch(/^ {2}topo_sandbox_none {2}\(no task scopes\)$/m);
    expect(out).toMatch(/alice\s+Alice Martin\s+[0-9a-f-]{36}/);
    const store = SandboxStore.open({ seed: 9, tasks: 40 });
    const lines = out.split('\n');
    const start = lines.indexOf('Sequence templates:');
    expect(start).toBeGreaterThan(lines.indexOf('Users:'));
    expect(lines.slice(start + 1, start + 6)).toEqual(
      store.templates().map((t) => `  ${t.id}  ${String(t.status).padEnd(9)} ${t.name}`),
    );
    expect(lines[start + 6]).toBe('');
    expect(out).toContain(`Tasks: ${40 + MORE_TYPES_SEEDED}   seed: 9`);
  });

  it('documents the keys in `topo sandbox --help`', async () => {
    const r = await topo(['sandbox', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('topo_sandbox_rw     tasks:read, tasks:write, sequences:read, contacts:read');
    expect(r.stdout).toContain('topo_sandbox_tasks  tasks:read, tasks:write');
    expect(r.stdout).toContain('topo_sandbox_ro     tasks:read');
    expect(r.stdout).toContain('topo_sandbox_none   no scopes');
  });
});
