import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHAIN_STEP_TIMEOUT,
  Shell,
  checkWrittenFile,
  commandLines,
  normalizeScreen,
  writtenFiles,
} from '../chain.js';

/**
 * Every example runs as written, through the built binary, as a reader runs it.
 *
 * The README: every `sh` and `console` block, in order, in the shell of a reader (one HOME,
 * so one config, state and data folder, and one sandbox), each command through the built bin/topo.js as a
 * process of its own, with the words as printed. A block that starts with `export TOPO_SANDBOX=1` (after the
 * first such block) starts afresh, as the README says: from it on, the blocks run in a workspace of their
 * own, beside the blocks before it. A `console` block's commands run on a terminal as wide as the paragraph
 * before it says ("N columns wide"; else 80) and their screen must match what is shown, ages and request ids
 * aside. Every file a command writes (`> file`, `--report file`) must be there, not empty, and parse as what
 * its name says.
 *
 * What cannot run here is marked where a reader sees it, and listed by this test with the reason: a whole
 * block by the line `_Not run by the tests: <reason>._` just before it; one line by a trailing comment that
 * ends with `(needs a real workspace)`, `(needs a terminal)`, `(waits for new tasks)` or `(runs a server)`.
 *
 * The help: the examples of `--help`, taken from the help the built binary prints (dist/help.json), in the
 * order of `topo --help` and then each command as the help lists them, in one workspace of their own (kept
 * from one page to the next; `topo --help` itself says to export TOPO_SANDBOX=1 to try them on the sandbox).
 * An example a page repeats from an earlier one (a command group's page shows its commands' first examples)
 * runs once, where it first appears; one the README shows word for word ran there, in the README's chain (each
 * run of topo is a process of its own: the examples are most of the suite's time). An example that cannot run
 * here is marked and listed as in the README.
 *
 * The chains run side by side, in one worker: each waits on its processes nearly all the time.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const NOT_RUN_BLOCK = /^_Not run by the tests: (.+)\._$/;
const NOT_RUN = /#.*\((needs a real workspace|needs a terminal|waits for new tasks|runs a server)\)\s*$/;
const STARTS_AFRESH = /^export TOPO_SANDBOX=1\b/;

interface Block {
  where: string;
  line: number;
  lang: 'sh' | 'console';
  body: string;
  notRun?: string;
  columns: number;
}

function readmeBlocks(): Block[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks: Block[] = [];
  for (const m of text.matchAll(/^```(sh|console)\n([\s\S]*?)^```$/gm)) {
    const before = text.slice(0, m.index).trimEnd().split('\n');
    const paragraph = before.slice(-4).join(' ');
    const notRun = NOT_RUN_BLOCK.exec(before.at(-1) ?? '')?.[1];
    const line = before.length + 2;
    blocks.push({
      where: `README.md:${line}`,
      line,
      lang: m[1] as Block['lang'],
      body: m[2]!,
      ...(notRun && { notRun }),
      columns: Number(/(\d+) columns wide/.exec(paragraph)?.[1] ?? 80),
    });
  }
  return blocks;
}

/** A console block's commands (`$ …`) with the screen shown after each. */
function consoleSteps(body: string): { command: string; screen: string }[] {
  const steps: { command: string; screen: string }[] = [];
  for (const line of body.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), screen: '' });
    else if (steps.length > 0) steps.at(-1)!.screen += `${line}\n`;
  }
  return steps;
}

/** A block's lines with those marked as not runnable here blanked (so line numbers stay), and what they were. */
function runnableLines(block: Block): { script: string; skipped: string[] } {
  const skipped: string[] = [];
  const lines = block.body.split('\n').map((line, i) => {
    const tag = NOT_RUN.exec(line);
    if (!tag) return line;
    skipped.push(`README.md:${block.line + i + 1}: ${line.replace(/\s+#.*$/, '')} (${tag[1]})`);
    return '';
  });
  return { script: lines.join('\n'), skipped };
}

/** The blocks in order, cut where the README starts afresh. */
function chains(blocks: Block[]): Block[][] {
  const result: Block[][] = [[]];
  let started = false;
  for (const block of blocks) {
    const afresh = !block.notRun && STARTS_AFRESH.test(block.body);
    if (afresh && started) result.push([]);
    if (afresh) started = true;
    result.at(-1)!.push(block);
  }
  return result;
}

/** Runs one block in the shell; returns what went wrong, or nothing. */
async function runBlock(shell: Shell, block: Block): Promise<string[]> {
  const problems: string[] = [];
  if (block.lang === 'console') {
    for (const step of consoleSteps(block.body)) {
      const r = await shell.run(step.command, { terminal: block.columns });
      if (r.code !== 0) problems.push(`$ ${step.command} exited ${r.code}:\n${r.stdout}${r.stderr}`);
      const shown = normalizeScreen(step.screen);
      const seen = normalizeScreen(r.stdout);
      if (seen !== shown) problems.push(`$ ${step.command} shows:\n${seen}\n--- the README shows:\n${shown}`);
    }
    return problems;
  }
  return runScript(shell, runnableLines(block).script);
}

interface Page {
  command: string;
  examples: string[];
}

/** Each help page with examples once (an alias such as `tasks ls` prints the page of `tasks list`). */
function helpPages(): Page[] {
  const help = JSON.parse(readFileSync(join(ROOT, 'dist', 'help.json'), 'utf8')) as Record<string, string>;
  const seen = new Set<string>();
  const pages: Page[] = [];
  for (const [key, text] of Object.entries(help)) {
    if (seen.has(text)) continue;
    seen.add(text);
    const block = /^Examples:\n((?: {2}.*\n)+)/m.exec(text)?.[1] ?? '';
    const examples = block
      .split('\n')
      .filter((line) => line.startsWith('  $ '))
      .map((line) => line.slice(4));
    if (examples.length > 0)
      pages.push({ command: key === '--help' ? 'topo --help' : `topo ${key} --help`, examples });
  }
  return pages;
}

/** The commands the README's chains run (each `sh` line and each `$` line of a `console` block), as written. */
function readmeCommands(blocks: Block[]): Set<string> {
  const commands = new Set<string>();
  for (const block of blocks) {
    if (block.notRun) continue;
    const lines =
      block.lang === 'console'
        ? consoleSteps(block.body).map((s) => s.command)
        : commandLines(runnableLines(block).script);
    for (const line of lines) commands.add(withoutComment(line));
  }
  return commands;
}

function withoutComment(line: string): string {
  return line.replace(/\s+#.*$/, '').trim();
}

/**
 * Each page's examples to run: those marked as not runnable here, those an earlier page ran and those the
 * README's chains ran word for word (`ranInReadme`), left out.
 */
function helpScripts(
  pages: Page[],
  ranInReadme: Set<string>,
): { page: Page; script: string; skipped: string[]; inReadme: number }[] {
  const ran = new Set<string>();
  return pages.map((page) => {
    const skipped: string[] = [];
    let inReadme = 0;
    const runnable = page.examples.filter((example) => {
      const command = withoutComment(example);
      const tag = NOT_RUN.exec(example);
      if (tag) skipped.push(`${page.command}: ${command} (${tag[1]})`);
      if (tag || ran.has(command)) return false;
      ran.add(command);
      // Only a run of topo: a line of the shell's own (`export`, `cd`) sets up what follows it here too.
      const elsewhere = command.startsWith('topo ') && ranInReadme.has(command);
      if (elsewhere) inReadme += 1;
      return !elsewhere;
    });
    return { page, script: runnable.join('\n'), skipped, inReadme };
  });
}

/** Runs a script in the shell; returns what went wrong, or nothing. */
async function runScript(shell: Shell, script: string): Promise<string[]> {
  const problems: string[] = [];
  if (commandLines(script).length === 0) return problems;
  const r = await shell.run(script);
  const output = `\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
  if (r.code !== 0) problems.push(`exited ${r.code}${output}`);
  else if (/^error: /m.test(r.stderr)) problems.push(`printed an error${output}`);
  for (const file of commandLines(script).flatMap(writtenFiles)) {
    const wrong = checkWrittenFile(shell.path(file));
    if (wrong) problems.push(`${file} ${wrong}`);
  }
  return problems;
}

const blocks = readmeBlocks();
const readmeNotRun = blocks.flatMap((b) =>
  b.notRun ? [`${b.where}: the block (${b.notRun})`] : runnableLines(b).skipped,
);
const pages = helpPages();
const helpRuns = helpScripts(pages, readmeCommands(blocks));
const helpInReadme = helpRuns.reduce((n, h) => n + h.inReadme, 0);
const helpNotRun = helpRuns.flatMap((h) => h.skipped);
const shells: Shell[] = [];

afterAll(() => {
  for (const shell of shells) shell.close();
  console.log(
    `README blocks and lines not run here (${readmeNotRun.length}):\n  ${readmeNotRun.join('\n  ')}\n` +
      `Help examples not run here (${helpNotRun.length}):\n  ${helpNotRun.join('\n  ')}`,
  );
});

function newShell(): Shell {
  const shell = new Shell();
  shells.push(shell);
  return shell;
}

describe('examples run as written, in order, through the built binary', () => {
  it('finds the README’s blocks, where it starts afresh, and the help’s examples', () => {
    expect(blocks.length).toBeGreaterThan(20);
    expect(chains(blocks).length).toBeGreaterThan(1);
    expect(pages[0]?.command).toBe('topo --help');
    expect(pages.length).toBeGreaterThan(15);
    // Most of the help's examples are its own; those the README shows too ran there.
    expect(helpInReadme).toBeGreaterThan(20);
    expect(helpRuns.reduce((n, h) => n + commandLines(h.script).length, 0)).toBeGreaterThan(20);
  });

  for (const entry of [...readmeNotRun, ...helpNotRun]) it.skip(`not run: ${entry}`, () => undefined);

  for (const chain of chains(blocks)) {
    const runnable = chain.filter((b) => !b.notRun);
    it.concurrent(
      `${chain[0]!.where} to ${chain.at(-1)!.where}: ${runnable.length} blocks in one workspace`,
      async () => {
        const shell = newShell();
        // Every block runs, even after one went wrong; all that went wrong is reported at the end.
        const problems: string[] = [];
        for (const block of runnable)
          problems.push(...(await runBlock(shell, block)).map((p) => `${block.where}: ${p}`));
        expect(problems).toEqual([]);
      },
      CHAIN_STEP_TIMEOUT,
    );
  }

  it.concurrent(
    `the examples of --help, ${pages.length} pages from topo --help on, in one workspace (${helpInReadme} ran in the README's)`,
    async () => {
      const shell = newShell();
      const problems: string[] = [];
      for (const { page, script } of helpRuns)
        problems.push(...(await runScript(shell, script)).map((p) => `${page.command}: ${p}`));
      expect(problems).toEqual([]);
    },
    CHAIN_STEP_TIMEOUT,
  );
});
