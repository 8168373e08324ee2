import { spawn, spawnSync } from 'node:child_process';
import { link } from 'ansi-escapes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli.js';
import type { ContextDeps } from '../src/context.js';
import type { Prompter } from '../src/prompt.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server.js';
import { TEAM_TASKS } from '../src/sandbox/seed.js';
import type { InterruptRegistry, IO } from '../src/terminal.js';

export const BIN = resolve(import.meta.dirname, '..', 'bin', 'topo.js');
/**
 * Tasks the sandbox seeds beyond its `tasks` count: a to-do and a playbook approval for each of its six reps, and
 * the open tasks of the uneven team (gia, hugo, ines, jon, kai), added after the others so that the rest of the
 * workspace is what it always was.
 */
export const MORE_TYPES_SEEDED = 12 + TEAM_TASKS;

/** The seeded data ends on this day, so the workspace is the same on every run. */
export const SEED_NOW = Date.parse('2026-11-01T00:00:00Z');

const cleanups: (() => Promise<void> | void)[] = [];

/**
 * Closes the sandboxes, removes the folders and kills the processes a test made, newest first. Run after each
 * test of every file by test/setup.ts: with `isolate: false` the files of a worker share this module, so a hook
 * registered as it loads would serve only the first of them.
 */
export async function runCleanups(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

export async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ port: 0, tasks: 300, seed: 1, now: SEED_NOW, ...options });
  cleanups.push(() => s.close());
  return s;
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'topo-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One folder per test file for the homes of runs, made at its first run (removed after the file: setup.ts). */
let homes: string | undefined;
let homeCount = 0;

export function removeRunHomes(): void {
  if (homes) rmSync(homes, { recursive: true, force: true });
  homes = undefined;
}

/**
 * A home for one run, not made: topo makes what it writes there (config, state, data), and most runs write
 * nothing. A folder made and removed for every run was a good part of the suite's system time.
 */
function runHome(): string {
  homes ??= mkdtempSync(join(tmpdir(), 'topo-homes-'));
  const dir = join(homes, `home-${++homeCount}`);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  sandbox?: Sandbox;
  key?: string | null;
  timeoutMs?: number;
  /** Run the built binary in a process of its own (signals, pipes, exit codes, start-up). */
  spawn?: boolean;
  /** In-process only: a terminal of this many columns at both ends (prompts need `deps.prompter`). */
  tty?: boolean;
  columns?: number;
  deps?: ContextDeps;
}

/** The environment of a run: its own folders, the sandbox's URL and a key unless told otherwise. */
function runEnv(options: RunOptions): Record<string, string> {
  const home = runHome();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    TOPO_CONFIG_DIR: join(home, 'config'),
    TOPO_DATA_DIR: join(home, 'data'),
    TOPO_STATE_DIR: join(home, 'state'),
    // never touch the keychain of the machine running the tests
    TOPO_NO_KEYCHAIN: '1',
    NO_COLOR: '1',
  };
  if (options.sandbox) env.TOPO_API_URL = options.sandbox.url;
  if (options.key !== null) env.TOPO_API_KEY = options.key ?? 'topo_sandbox_rw';
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A running topo for tests that act while it runs (signals, pipes): stderr so far, and its exit. */
export function spawnTopo(args: string[], options: RunOptions = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: runEnv(options) });
  // Input written after it exited (a pipe closed) is no error of the test.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  cleanups.push(() => void child.kill('SIGKILL'));
  return { child, stderr: () => stderr, exit };
}

/** Polls until the condition holds; fails after `timeoutMs` so a test never hangs. */
export function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'a condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 5);
  });
}

/** Real waiting: for tests that measure what a rate limit or a pause does over time. */
export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The default wait of in-process runs: retries and backoffs happen in order, without the real delays. */
export const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 5)));

/** The keys a run used, which must appear in none of its output (`topo sandbox` prints its demo keys). */
function checkNoLeak(args: string[], env: Record<string, string>, options: RunOptions, r: RunResult): void {
  const secrets = [env.TOPO_API_KEY, options.input?.trim()].filter((s): s is string =>
    Boolean(s?.startsWith('topo_')),
  );
  const leaked =
    args[0] !== 'sandbox' && secrets.find((key) => r.stdout.includes(key) || r.stderr.includes(key));
  if (leaked) throw new Error(`the API key appeared in the output of topo ${args.join(' ')}`);
}

/**
 * Runs topo as a user would, with its own config folder and no colour: in this process through `main()`
 * with in-memory streams (fast), or with `spawn: true` as the built binary in a process of its own.
 */
export async function topo(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env = runEnv(options);
  if (options.spawn) return spawnRun(args, env, options);
  const { io, out, err } = memoryIO({
    tty: options.tty ?? false,
    columns: options.columns ?? 80,
    input: options.input ?? '',
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`topo ${args.join(' ')} did not finish in ${options.timeoutMs ?? 20_000} ms`)),
      options.timeoutMs ?? 20_000,
    );
  });
  try {
    const code = await Promise.race([main(args, io, env, { sleep: fastSleep, ...options.deps }), timeout]);
    const result = { code, stdout: out(), stderr: err() };
    checkNoLeak(args, env, options, result);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function spawnRun(args: string[], env: Record<string, string>, options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        const result = { code, stdout, stderr };
        // Every run of the suite checks that the key it used appears in none of its output.
        checkNoLeak(args, env, options, result);
        resolvePromise(result);
      } catch (error) {
        reject(error);
      }
    });
    // A child that exits before reading its input (a quick command) closes the pipe: not an error of the run.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Streams in memory for in-process runs of main(): what was written, and a terminal or not. */
export function memoryIO(options: { tty?: boolean; columns?: number; input?: string } = {}) {
  const tty = options.tty ?? false;
  const stdin = new PassThrough();
  stdin.end(options.input ?? '');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: IO = {
    stdin,
    stdout,
    stderr,
    stdinIsTTY: tty,
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    columns: options.columns ?? 80,
  };
  return { io, out: () => out, err: () => err };
}

/** GET/POST/PATCH straight at a sandbox, as any HTTP client would. */
export async function http(
  s: Sandbox,
  method: string,
  path: string,
  options: { key?: string | null; body?: string; query?: [string, string][] } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const url = new URL(`${s.url}${path}`);
  for (const [k, v] of options.query ?? []) url.searchParams.append(k, v);
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? 'topo_sandbox_rw' : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(url, { method, headers, body: options.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

/**
 * A person at the terminal who answers from a script, in order: each question takes the next answer (a
 * function gets the choices offered). Records every question. Running out of answers fails the test.
 */
export function scriptedPrompter(answers: unknown[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const next = <T>(message: string, offered?: unknown): T => {
    asked.push(message);
    if (answers.length === 0) throw new Error(`no scripted answer for: ${message}`);
    const answer = answers.shift();
    return (typeof answer === 'function' ? (answer as (o: unknown) => T)(offered) : answer) as T;
  };
  return {
    asked,
    confirm: async (message) => next<boolean>(message),
    input: async (message) => next<string>(message),
    password: async (message) => next<string>(message),
    choose: async (message, choices) => next(message, choices),
    search: async (message, choices) => next<string>(message, choices),
    tick: async (message, choices) => next(message, choices),
  };
}

/**
 * The hyperlinks in terminal text, and the text without them. Built from the library's own sequences, so it
 * reads them as this process draws them (OSC 8; inside tmux, wrapped for it).
 */
export function hyperlinks(text: string): { targets: string[]; text: string } {
  const marker = 'tel:0';
  const [open, close] = link('\u0000', marker).split('\u0000') as [string, string];
  const [before, after] = open.split(marker) as [string, string];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A target never holds a control character: it ends at the first.
  const pattern = new RegExp(`${escape(before)}([^\\u0000-\\u001f]+)${escape(after)}|${escape(close)}`, 'g');
  const targets: string[] = [];
  const plain = text.replace(pattern, (whole, target: string | undefined) => {
    if (target !== undefined) targets.push(target);
    return '';
  });
  return { targets, text: plain };
}

/** Ctrl-C for in-process runs (`deps: { interrupts: ctrlC.registry }`): the test presses it. */
export function interrupts() {
  const handlers = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
  const registry: InterruptRegistry = {
    add: (h) => (handlers.add(h), () => handlers.delete(h)),
  };
  return { registry, press: () => [...handlers].forEach((h) => h('SIGINT')) };
}

/** topo run on a terminal this many columns wide (through `script`): its exit, and what it wrote so far. */
export function onTerminal(
  s: Sandbox,
  home: string,
  cols: number,
  args: string,
  env: Record<string, string> = {},
) {
  const command = `stty cols ${cols} rows 50; exec "${process.execPath}" "${BIN}" ${args}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TERM: 'xterm',
      NO_COLOR: '1',
      TOPO_NO_KEYCHAIN: '1',
      TOPO_STATE_DIR: join(home, 'state'),
      TOPO_CONFIG_DIR: join(home, 'config'),
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      ...env,
    },
  });
  child.stdin.on('error', () => undefined);
  let written = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (written += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  // A test that fails half-way leaves no process: topo runs in a session of its own under script.
  cleanups.push(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
    child.kill('SIGKILL');
  });
  return { child, exit, written: () => written };
}
