import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { examplesOf } from '../../src/help.js';
import { main } from '../../src/cli.js';
import { memoryIO } from '../helpers.js';

/**
 * Every command example of the README and of `--help` runs as written against the sandbox: `topo` is the
 * built binary in --sandbox mode, each README block and each command group's help in a workspace of its
 * own, in order. Examples that cannot run here say why in a trailing comment — (needs a real workspace),
 * (needs a terminal), (waits for new tasks), (runs a server) — and whole README blocks are skipped by an
 * HTML comment `<!-- not run: why -->` just before them.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const NOT_HERE = /#.*\((needs a real workspace|needs a terminal|waits for new tasks|runs a server)\)\s*$/;

interface Example {
  where: string;
  script: string;
}

/** The runnable lines of a block: lines marked as not runnable here are left out, with their continuations. */
function runnable(lines: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let command = lines[i]!;
    let j = i;
    while (command.endsWith('\\') && j + 1 < lines.length) command += `\n${lines[++j]}`;
    if (!NOT_HERE.test(command)) out.push(command);
    i = j;
  }
  return out.join('\n');
}

function readmeExamples(): Example[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const examples: Example[] = [];
  const fence = /^```(sh|console)\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(fence)) {
    const before = text.slice(0, m.index).trimEnd().split('\n').at(-1) ?? '';
    if (/^<!-- not run: .+ -->$/.test(before)) continue;
    const line = text.slice(0, m.index).split('\n').length + 1;
    const body = m[2]!.split('\n');
    const lines = m[1] === 'console' ? body.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)) : body;
    const script = runnable(lines);
    if (script.trim()) examples.push({ where: `README.md:${line}`, script });
  }
  return examples;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** The help's examples: the overview's, then each command group's (its subcommands' in help order). */
function helpExamples(): Example[] {
  const program = buildProgram({ io: {} as never, env: {}, deps: {} });
  const groups = [
    { where: 'topo --help', commands: [program] },
    ...program.commands.map((c) => ({
      where: `topo ${c.name()} … --help`,
      commands: [c, ...allCommands(c)],
    })),
  ];
  return groups
    .map((g) => ({ where: g.where, script: runnable(g.commands.flatMap((c) => [...examplesOf(c)])) }))
    .filter((e) => e.script.trim());
}

/**
 * `topo` for the scripts: a small client that hands its arguments, environment and standard input to this
 * test process, where main() runs them in --sandbox mode (a process start per command would make the
 * suite minutes long), and prints what came back with its exit code.
 */
const SHIM = `
import { connect } from 'node:net';
const chunks = [];
if (!process.stdin.isTTY) for await (const c of process.stdin) chunks.push(c);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(TOPO_|HOME$|NO_COLOR$|PAGER$)/.test(k)));
const socket = connect(process.env.TOPO_EXAMPLES_SOCKET);
socket.end(JSON.stringify({ argv: process.argv.slice(2), env, stdin: Buffer.concat(chunks).toString('base64') }));
let answer = '';
socket.on('data', (d) => (answer += d));
socket.on('end', () => {
  const r = JSON.parse(answer);
  process.stderr.write(Buffer.from(r.stderr, 'base64'));
  process.stdout.write(Buffer.from(r.stdout, 'base64'), () => process.exit(r.code));
});
`;

let server: Server;
let socketPath: string;
let shimDir: string;

beforeAll(async () => {
  shimDir = mkdtempSync(join(tmpdir(), 'topo-examples-'));
  socketPath = join(shimDir, 'topo.sock');
  writeFileSync(join(shimDir, 'shim.mjs'), SHIM);
  mkdirSync(join(shimDir, 'bin'));
  writeFileSync(
    join(shimDir, 'bin', 'topo'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(shimDir, 'shim.mjs')}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
  server = createServer({ allowHalfOpen: true }, (socket) => {
    let request = '';
    socket.on('data', (d) => (request += d));
    socket.on('end', () => {
      const { argv, env, stdin } = JSON.parse(request) as {
        argv: string[];
        env: Record<string, string>;
        stdin: string;
      };
      const io = memoryIO({ input: Buffer.from(stdin, 'base64').toString('utf8') });
      void main(['--sandbox', ...argv], io.io, env, {}).then((code) =>
        socket.end(
          JSON.stringify({
            code,
            stdout: Buffer.from(io.out()).toString('base64'),
            stderr: Buffer.from(io.err()).toString('base64'),
          }),
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(shimDir, { recursive: true, force: true });
});

/** Runs a script with `topo` meaning topo against a sandbox workspace of its own. */
function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // A folder of its own, removed when the script ends (the tests run side by side).
  const home = mkdtempSync(join(tmpdir(), 'topo-example-'));
  const env = {
    PATH: `${join(shimDir, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: home,
    TOPO_EXAMPLES_SOCKET: socketPath,
    TOPO_CONFIG_DIR: join(home, 'config'),
    TOPO_DATA_DIR: join(home, 'data'),
    TOPO_STATE_DIR: join(home, 'state'),
    TOPO_CACHE_DIR: join(home, 'cache'),
    TOPO_NO_KEYCHAIN: '1',
    TOPO_PAGER: 'cat',
    NO_COLOR: '1',
  };
  return new Promise((resolvePromise) => {
    const child = spawn('bash', ['-c', `set -eo pipefail\ncd "${home}"\n${script}`], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe('examples run as written', () => {
  const readme = readmeExamples();
  const help = helpExamples();

  it('finds them', () => {
    expect(readme.length).toBeGreaterThan(15);
    expect(help.length).toBeGreaterThan(4);
  });

  it.concurrent.each(readme.map((e) => [e.where, e] as const))('%s', async (_where, example) => {
    const r = await run(example.script);
    expect(r.stderr, `${example.script}\n---\n${r.stderr}`).not.toMatch(/^error: /m);
    expect(r.code, `${example.script}\n---\n${r.stderr}`).toBe(0);
  });

  it.concurrent.each(help.map((e) => [e.where, e] as const))('%s', async (_where, example) => {
    const r = await run(example.script);
    expect(r.stderr, `${example.script}\n---\n${r.stderr}`).not.toMatch(/^error: /m);
    expect(r.code, `${example.script}\n---\n${r.stderr}`).toBe(0);
  });
});
