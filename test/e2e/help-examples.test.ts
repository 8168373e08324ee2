import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHAIN_STEP_TIMEOUT, Shell, checkWrittenFile, commandLines, writtenFiles } from '../chain.js';

/**
 * The examples of `--help`, run as written: taken from the help the built binary prints (dist/help.json), in
 * the order of `topo --help` and then each command as the help lists them, in one shell of a reader (one
 * workspace, kept from one page to the next; `topo --help` itself says to export TOPO_SANDBOX=1 to try them
 * on the sandbox), each through bin/topo.js as a process of its own. An example a page repeats from an
 * earlier one (a command group's page shows its commands' first examples) runs once, where it first appears.
 * An example that cannot run here ends with `(needs a real workspace)`, `(waits for new tasks)` or
 * `(runs a server)`, and is listed with it.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const NOT_RUN = /#.*\((needs a real workspace|needs a terminal|waits for new tasks|runs a server)\)\s*$/;

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

const pages = helpPages();
const notRun: string[] = [];
const shell = new Shell();

afterAll(() => {
  shell.close();
  console.log(`Help examples not run here (${notRun.length}):\n${notRun.join('\n')}`);
});

describe('the examples of --help, run as written, in order, in one workspace', () => {
  it('finds them', () => {
    expect(pages[0]?.command).toBe('topo --help');
    expect(pages.length).toBeGreaterThan(15);
  });

  const ran = new Set<string>();
  for (const page of pages) {
    const runnable = page.examples.filter((example) => {
      const command = example.replace(/\s+#.*$/, '');
      const tag = NOT_RUN.exec(example);
      if (tag) notRun.push(`  ${page.command}: ${command} (${tag[1]})`);
      if (tag || ran.has(command)) return false;
      ran.add(command);
      return true;
    });
    if (runnable.length === 0 && page.examples.every((example) => NOT_RUN.test(example))) {
      it.skip(`not run: ${page.command} (${NOT_RUN.exec(page.examples[0]!)?.[1]})`, () => undefined);
      continue;
    }
    if (runnable.length === 0) continue;
    it(
      page.command,
      async () => {
        const script = runnable.join('\n');
        const r = await shell.run(script);
        const shown = `${script}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
        expect(r.code, shown).toBe(0);
        expect(r.stderr, shown).not.toMatch(/^error: /m);
        for (const file of commandLines(script).flatMap(writtenFiles)) {
          expect(checkWrittenFile(shell.path(file)), `${file}, written by ${page.command}`).toBeUndefined();
        }
      },
      CHAIN_STEP_TIMEOUT,
    );
  }
});
