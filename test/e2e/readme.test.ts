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
 * The README, run as written: every `sh` and `console` block, in order, in one shell of a reader (one HOME,
 * so one config, state and data folder, and one sandbox), each command through the built bin/topo.js as a
 * process of its own, with the words as printed. A `console` block's commands run on a terminal as wide as
 * the paragraph before it says ("N columns wide"; else 80) and their screen must match what is shown, ages
 * and request ids aside. Every file a command writes (`> file`, `--report file`) must be there, not empty,
 * and parse as what its name says.
 *
 * What cannot run here is marked where a reader sees it, and listed by this test with the reason: a whole
 * block by the line `_Not run by the tests: <reason>._` just before it; one line by a trailing comment that
 * ends with `(needs a real workspace)`, `(needs a terminal)`, `(waits for new tasks)` or `(runs a server)`.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const NOT_RUN_BLOCK = /^_Not run by the tests: (.+)\._$/;
const NOT_RUN_LINE = /#.*\((needs a real workspace|needs a terminal|waits for new tasks|runs a server)\)\s*$/;

interface Block {
  where: string;
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
    blocks.push({
      where: `README.md:${before.length + 2}`,
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

const blocks = readmeBlocks();
const notRun: string[] = [];
const shell = new Shell();

afterAll(() => {
  shell.close();
  console.log(`README blocks and lines not run here (${notRun.length}):\n${notRun.join('\n')}`);
});

describe('the README, run as written, in order, in one workspace', () => {
  it('finds the blocks', () => {
    expect(blocks.length).toBeGreaterThan(20);
  });

  for (const block of blocks) {
    const lines = block.body.split('\n');
    if (block.notRun) {
      notRun.push(`  ${block.where}: the block (${block.notRun})`);
      it.skip(`not run: ${block.where} (${block.notRun})`, () => undefined);
      continue;
    }
    if (block.lang === 'console') {
      it(
        `${block.where} (console, ${block.columns} columns)`,
        async () => {
          for (const step of consoleSteps(block.body)) {
            const r = await shell.run(step.command, { terminal: block.columns });
            expect(r.code, `$ ${step.command}\n${r.stdout}${r.stderr}`).toBe(0);
            expect(normalizeScreen(r.stdout), `$ ${step.command}`).toBe(normalizeScreen(step.screen));
          }
        },
        CHAIN_STEP_TIMEOUT,
      );
      continue;
    }
    const runnable: string[] = [];
    for (const [i, line] of lines.entries()) {
      const tag = NOT_RUN_LINE.exec(line);
      if (tag) {
        const where = `README.md:${Number(block.where.split(':')[1]) + i + 1}`;
        notRun.push(`  ${where}: ${line.replace(/\s+#.*$/, '')} (${tag[1]})`);
        it.skip(`not run: ${where} ${line.replace(/\s+#.*$/, '')} (${tag[1]})`, () => undefined);
        runnable.push('');
      } else runnable.push(line);
    }
    const script = runnable.join('\n');
    if (commandLines(script).length === 0) continue;
    it(
      `${block.where} (sh)`,
      async () => {
        const r = await shell.run(script);
        const shown = `${block.body}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
        expect(r.code, shown).toBe(0);
        expect(r.stderr, shown).not.toMatch(/^error: /m);
        for (const file of commandLines(script).flatMap(writtenFiles)) {
          expect(checkWrittenFile(shell.path(file)), `${file}, written by ${block.where}`).toBeUndefined();
        }
      },
      CHAIN_STEP_TIMEOUT,
    );
  }
});
