import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The promises the README's "A job's guarantees" and SECURITY.md's "The tests that hold these promises" make
 * are each held by a named test: every name they give is a test in the file they give.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The (file, test name) pairs a section names: `test/x.test.ts` › "name"; › "another name of the same file". */
function namedTests(doc: string, from: string, to: string): [string, string][] {
  const text = readFileSync(resolve(ROOT, doc), 'utf8');
  const section = text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from))).replace(/\n\s+/g, ' ');
  const pairs: [string, string][] = [];
  let file = '';
  for (const m of section.matchAll(/`(test\/[^`]+\.test\.ts)`|›\s*"([^"]+)"/g)) {
    if (m[1]) file = m[1];
    else pairs.push([file, m[2]!]);
  }
  return pairs;
}

describe('the tests the documents name', () => {
  it.each([
    ['README.md', "### A job's guarantees", '\n## '],
    ['SECURITY.md', '## The tests that hold these promises', '\n## '],
  ])('%s: every test named exists', (doc, from, to) => {
    const named = namedTests(doc, from, to);
    expect(named.length).toBeGreaterThan(8);
    for (const [file, name] of named) {
      const source = readFileSync(resolve(ROOT, file), 'utf8');
      expect(source.includes(`'${name}'`) || source.includes(`"${name}"`), `${file} › ${name}`).toBe(true);
    }
  });
});
