import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import Papa from 'papaparse';

/** The built entry point (not helpers.ts's: a chain's worker needs none of the CLI's modules loaded). */
const BIN = resolve(import.meta.dirname, '..', 'bin', 'topo.js');

/**
 * A reader's shell, kept from one block of examples to the next: one HOME (so one config, state and data
 * folder, hence one sandbox), `topo` on the PATH as the built bin/topo.js (as `npm install -g` links it), the
 * variables each block exported and the folder it ended in. Each block runs in bash as a script of its own,
 * stopping at the first command that fails (`set -e`, `pipefail`), which it names with its line.
 */
export class Shell {
  readonly root: string;
  readonly home: string;
  private readonly stateFile: string;
  private readonly cwdFile: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'topo-shell-'));
    this.home = join(this.root, 'home');
    const bin = join(this.root, 'bin');
    mkdirSync(this.home);
    mkdirSync(bin);
    symlinkSync(BIN, join(bin, 'topo'));
    this.stateFile = join(this.root, 'exports.sh');
    this.cwdFile = join(this.root, 'cwd');
    // What a reader's login shell has; nothing of topo's own (TOPO_NO_KEYCHAIN keeps any keychain of the
    // machine running the tests out of reach: no example may depend on it).
    const initial: Record<string, string> = {
      HOME: this.home,
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      SHELL: '/bin/bash',
      TERM: 'xterm',
      LANG: 'C.UTF-8',
      TOPO_NO_KEYCHAIN: '1',
    };
    writeFileSync(
      this.stateFile,
      Object.entries(initial)
        .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
        .join(''),
    );
    writeFileSync(this.cwdFile, this.home);
  }

  /** Ends anything still running and removes the workspace. */
  close(): void {
    for (const pid of [...this.running]) this.stop(pid);
    rmSync(this.root, { recursive: true, force: true });
  }

  /** The folder the last block ended in (where relative paths of its commands point). */
  get cwd(): string {
    return readFileSync(this.cwdFile, 'utf8').trim();
  }

  /** A path as a command of the shell names it: `~/x`, `x` (from the current folder) or absolute. */
  path(word: string): string {
    if (word === '~' || word.startsWith('~/')) return join(this.home, word.slice(2));
    return isAbsolute(word) ? word : resolve(this.cwd, word);
  }

  /**
   * Runs lines of shell as a reader types them, after what earlier blocks exported. `terminal` runs them
   * on a terminal of that many columns (`script`, stdout and stderr merged as a terminal shows them).
   */
  run(script: string, options: { terminal?: number } = {}): Promise<ShellResult> {
    const file = join(this.root, 'block.sh');
    const body = options.terminal
      ? `script -qec ${shellQuote(`stty cols ${options.terminal} rows 500; . ${shellQuote(join(this.root, 'command.sh'))}`)} /dev/null`
      : script;
    if (options.terminal) writeFileSync(join(this.root, 'command.sh'), `${script}\n`);
    const prologue = [
      `. ${shellQuote(this.stateFile)}`,
      `cd "$(cat ${shellQuote(this.cwdFile)})"`,
      `trap 'export -p > ${shellQuote(this.stateFile)}; pwd > ${shellQuote(this.cwdFile)}' EXIT`,
      `trap 'echo "shell: exit $? at line $((LINENO - ${PROLOGUE_LINES})): $BASH_COMMAND" >&2' ERR`,
      'set -eE -o pipefail',
    ];
    writeFileSync(file, `${prologue.join('\n')}\n${body}\n`);
    return new Promise((resolvePromise, reject) => {
      // A process group of its own, so that whatever the block started ends with it (see stop()).
      const child = spawn('bash', [file], { env: {}, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      this.running.add(child.pid!);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => {
        this.stop(child.pid!);
        resolvePromise({ code, stdout, stderr });
      });
    });
  }

  private readonly running = new Set<number>();

  /** Ends a block's process group: what it left running in the background, or all of it when a test gives up. */
  private stop(pid: number): void {
    this.running.delete(pid);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group has ended already
    }
  }
}

const PROLOGUE_LINES = 5;

/**
 * How long one block of a chain may run before the test gives up on it: a guard against a hang, far above
 * what a block takes on a machine many times busier than it should be (no block measures speed).
 */
export const CHAIN_STEP_TIMEOUT = 300_000;

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command lines of a script: comments and blank lines left out, continued lines joined. */
export function commandLines(script: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of script.split('\n')) {
    current = current ? `${current}\n${raw}` : raw;
    if (current.endsWith('\\')) continue;
    if (current.trim() && !current.trim().startsWith('#')) lines.push(current);
    current = '';
  }
  return lines;
}

/** The files a command line writes: `> file`, `>> file` (not stderr's `2>`), `--report file`. */
export function writtenFiles(line: string): string[] {
  const files: string[] = [];
  const code = line.replace(/\s#.*$/, '');
  for (const m of code.matchAll(/(?<![0-9&])>>?\s*([^\s;&|<>]+)/g)) files.push(m[1]!);
  for (const m of code.matchAll(/--report[= ]\s*([^\s;&|<>]+)/g)) files.push(m[1]!);
  return files.filter((f) => f !== '/dev/null');
}

/** Why a written file is not what its command promises, or undefined when it is. */
export function checkWrittenFile(path: string): string | undefined {
  if (!existsSync(path)) return 'was not written';
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return 'is empty';
  if (path.endsWith('.json')) {
    try {
      JSON.parse(text);
    } catch (error) {
      return `is not JSON: ${(error as Error).message}`;
    }
  }
  if (path.endsWith('.csv')) {
    const parsed = Papa.parse<string[]>(text.replace(/\r\n$/, ''), { header: false, newline: '\r\n' });
    if (parsed.errors.length > 0) return `is not valid CSV: ${parsed.errors[0]!.message}`;
    const [header, ...rows] = parsed.data;
    if (!header || header.length < 2) return 'has no CSV header';
    const bad = rows.findIndex((r) => r.length !== header.length);
    if (bad >= 0) return `CSV row ${bad + 2} has ${rows[bad]!.length} fields, the header ${header.length}`;
  }
  if (path.endsWith('.md') && !/^\|.*\|$/m.test(text)) return 'has no Markdown table';
  if (path.endsWith('.fish')) {
    const committed = readFileSync(resolve(BIN, '..', '..', 'completions', 'topo.fish'), 'utf8');
    if (text !== committed) return 'is not the fish completion script';
  }
  return undefined;
}

/** Terminal output as compared with a README's: no colour, no carriage returns, ages and request ids masked. */
export function normalizeScreen(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g, '')
      .replace(/\r\n?/g, '\n')
      .replace(/\b(\d+[smhdw][ \u00a0]ago|just now|in[ \u00a0]\d+[smhdw])\b/g, (age) =>
        '<age>'.padEnd(age.length),
      )
      .replace(/\breq_[A-Za-z0-9]+/g, 'req_…')
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trim()
  );
}
